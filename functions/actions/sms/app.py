"""SMS consumer: renders a short reminder and sends it with SNS to an E.164 number."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import init_done
from shared.aws import SnsSms
from shared.consumer import ActionContext, handle_action_batch
from shared.messages import ActionMessage
from shared.observability import logger, metrics, tracer
from shared.rendering import letters as _letters  # noqa: F401  (every message renders; Jinja2 & co. on the first)
from shared.services.delivery import deliver_sms


def send_sms(message: ActionMessage, ctx: ActionContext) -> dict[str, Any]:
    return deliver_sms(message, ctx.repo, ctx.settings, SnsSms(), ctx.config.sms_sender_id, ctx.ledger)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The send ledger makes each SMS once (see the e-mail consumer).
    return handle_action_batch(event, context, "sms", send_sms)


init_done()  # the function's init ends here (functions/__init__.py)
