"""Fee consumer: puts the reminder fee on the customer's billing queue, exactly once."""

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import init_done
from shared.consumer import ActionContext, handle_action_batch
from shared.messages import ActionMessage
from shared.observability import logger, metrics, tracer
from shared.services.booking import book_fees, charge_fee


def add_fee(message: ActionMessage, ctx: ActionContext) -> dict[str, Any]:
    return charge_fee(message, ctx.repo, ctx.settings)


def add_fees(messages: Sequence[tuple[str, ActionMessage]], ctx: ActionContext) -> dict[str, dict[str, Any]]:
    return book_fees(messages, ctx.repo, ctx.settings)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The billing lines and their effects are one conditional transaction for the batch (each
    # line once per business key, which is idempotency enough); what it did not settle, one by one.
    return handle_action_batch(event, context, "fee", add_fee, book=add_fees)


init_done()  # the function's init ends here (functions/__init__.py)
