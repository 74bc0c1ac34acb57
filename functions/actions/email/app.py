"""E-mail consumer: renders each reminder (da/en, HTML + text) and sends it with SES v2;
also hands approved debt-collection cases to the collection partner and sends statements of
account (O16)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import init_done
from shared.aws import SesMailer
from shared.consumer import ActionContext, handle_action_batch
from shared.messages import QueueMessage, StatementMessage
from shared.observability import logger, metrics, tracer
from shared.rendering import letters as _letters  # noqa: F401  (every message renders; Jinja2 & co. on the first)
from shared.services.delivery import deliver_collection_case, deliver_email, deliver_statement


def send_email(message: QueueMessage, ctx: ActionContext) -> dict[str, Any]:
    if not ctx.config.sender_email:
        raise RuntimeError("SENDER_EMAIL is not set for the e-mail function")
    mailer = SesMailer(ctx.config.ses_configuration_set, single_attempt=True)
    if isinstance(message, StatementMessage):  # a statement of account (O16)
        return deliver_statement(message, ctx.repo, ctx.settings, mailer, ctx.config.sender_email, ctx.ledger)
    if message.action == "collection":  # an approved debt-collection case, to the partner (O14)
        return deliver_collection_case(message, ctx.repo, ctx.settings, mailer, ctx.config.sender_email, ctx.ledger)
    return deliver_email(message, ctx.repo, ctx.settings, mailer, ctx.config.sender_email, ctx.ledger)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The send ledger makes each e-mail once; Powertools Idempotency in front would add only a
    # second store to fail (and it forgot a send whenever the function raised after it).
    return handle_action_batch(event, context, "email", send_email)


init_done()  # the function's init ends here (functions/__init__.py)
