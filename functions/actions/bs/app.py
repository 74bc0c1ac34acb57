"""Betalingsservice consumer: records a BS reminder for the tenant's daily delivery (C3)."""

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import init_done
from shared.consumer import ActionContext, handle_action_batch
from shared.messages import ActionMessage
from shared.observability import logger, metrics, tracer
from shared.services.booking import book_bs_reminders, record_bs_reminder


def add_bs_record(message: ActionMessage, ctx: ActionContext) -> dict[str, Any]:
    return record_bs_reminder(message, ctx.repo, ctx.settings, ctx.config.bs_creditor_number)


def add_bs_records(messages: Sequence[tuple[str, ActionMessage]], ctx: ActionContext) -> dict[str, dict[str, Any]]:
    return book_bs_reminders(messages, ctx.repo, ctx.settings, ctx.config.bs_creditor_number)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Like the fee: the records and their effects are one conditional transaction for the batch.
    return handle_action_batch(event, context, "bs", add_bs_record, book=add_bs_records)


init_done()  # the function's init ends here (functions/__init__.py)
