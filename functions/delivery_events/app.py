"""Delivery events: the providers' own record of what they sent resolves open sends in the ledger.

Two sources, one function: SES events of the tenant's configuration set (EventBridge, "Email
Sent", "Email Rejected", …; each e-mail carries its ledger id as the tag ``send_id``) and SNS
SMS delivery-status logs (a CloudWatch Logs subscription). See ``shared/services/sends.py``.
"""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import init_done
from shared.config import DeliveryEventsConfig
from shared.observability import logger, metrics, tracer
from shared.services.sends import apply_ses_event, apply_sms_status, sms_statuses
from shared.storage.ledger import SendLedger
from shared.storage.repository import repository_for


def wall_clock() -> datetime:
    """Only stamps the entries' ``updated_at``; resolution never depends on it."""
    return datetime.now(UTC)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = DeliveryEventsConfig.from_env()
    ledger = SendLedger(repository_for(config.table_name), config.send_lease, lambda: wall_clock())
    outcomes: Counter[str] = Counter()
    if "awslogs" in event:
        for status in sms_statuses(event):
            outcomes[apply_sms_status(ledger, status, config.send_lease) or "unchanged"] += 1
    elif event.get("source") == "aws.ses":
        outcomes[apply_ses_event(ledger, event.get("detail") or {}) or "unchanged"] += 1
    else:
        raise ValueError("expected an SES event (source aws.ses) or a CloudWatch Logs subscription event (awslogs)")
    for outcome, count in outcomes.items():
        metrics.add_metric(name=f"SendsResolved{outcome.capitalize()}", unit="Count", value=count)
    # Counts only: the events hold addresses and phone numbers.
    logger.info("delivery events applied", extra=dict(outcomes))
    return dict(outcomes)


init_done()  # the function's init ends here (functions/__init__.py)
