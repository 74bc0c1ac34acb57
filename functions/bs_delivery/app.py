"""Betalingsservice delivery: late each day, the day's BS reminders become one 0601 file in the delivery bucket.

The business day is the event's time in the tenant's time zone, never the
machine clock, so a retried or replayed event builds the same day's delivery.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict

from functions import init_done
from shared.aws import S3DeliveryStore
from shared.config import BsDeliveryConfig
from shared.observability import logger, metrics, tracer
from shared.services.bs_delivery import deliver_bs_at
from shared.storage.repository import repository_for


class DeliveryRequest(BaseModel):
    """The schedule's Input, ``{"time": "<aws.scheduler.scheduled-time>"}``."""

    model_config = ConfigDict(defer_build=True)

    time: AwareDatetime


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Powertools' parser (its envelopes and event models) is loaded here, where it is used.
    from aws_lambda_powertools.utilities.parser import parse

    request = parse(event=event, model=DeliveryRequest)
    config = BsDeliveryConfig.from_env()
    effect = deliver_bs_at(
        repository_for(config.table_name), S3DeliveryStore(config.delivery_bucket_name), request.time
    )
    metrics.add_metric(name="BsDeliveries", unit="Count", value=0 if effect is None else 1)
    metrics.add_metric(name="BsPayments", unit="Count", value=0 if effect is None else effect["payments"])
    if effect is None:
        logger.info("no new Betalingsservice delivery", extra={"time": request.time.isoformat()})
        return {"delivered": False}
    # Counts and the file name only: the delivery itself holds names and addresses.
    summary = {name: effect[name] for name in ("date", "file", "sections", "payments", "amount")}
    logger.info("Betalingsservice delivery written", extra=summary)
    return {"delivered": True, **summary}


init_done()  # the function's init ends here (functions/__init__.py)
