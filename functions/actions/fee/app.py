"""Fee consumer: puts the reminder fee on the customer's billing queue, exactly once."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.consumer import ActionContext, handle_action_batch
from shared.messages import ActionMessage
from shared.observability import logger, metrics, tracer
from shared.services.booking import charge_fee


def add_fee(message: ActionMessage, ctx: ActionContext) -> dict[str, Any]:
    return charge_fee(message, ctx.repo, ctx.settings)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The billing line and its effect are one conditional transaction on the
    # business key, which is idempotency enough; no second store needed.
    return handle_action_batch(event, context, "fee", add_fee)
