"""Scheduler: on each EventBridge Scheduler tick (or a manual start), send what is due.

"Now" is the event's time, never the machine clock, so a delayed or replayed
event acts as of the moment it was meant for.
"""

from dataclasses import asdict
from functools import partial
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser import BaseModel, parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime

from shared.aws import SesMailer, SqsSink, continue_in_new_invocation
from shared.config import SchedulerConfig
from shared.observability import logger, metrics, tracer
from shared.services import approval, statements
from shared.services.outbox import Backoff, with_retries
from shared.services.reporting import TenantMailReporter
from shared.services.scheduling import RunKind, TenantNotConfigured, schedule_due_reminders, tenant_settings
from shared.storage.protocols import Store
from shared.storage.repository import repository_for


class RunRequest(BaseModel):
    """The schedule's Input (``{"source": "schedule", "time": "<aws.scheduler.scheduled-time>"}``),
    a manual start (``{"source": "manual", "time": …}``, O1), a resume of a paused run
    (``{"source": "resume", "run_id": …, "time": …}``, O6), a plain EventBridge event, or a
    decision on proposals (``{"source": "approve" | "reject", "time": …, "customers": [...]}``, O9;
    no ``customers`` and no ``keys`` means every pending proposal)."""

    source: Literal["schedule", "manual", "resume", "approve", "reject", "statement", "aws.events", "aws.scheduler"] = (
        "schedule"
    )
    time: AwareDatetime
    run_id: str | None = None
    continuation: int = 0
    customers: list[str] | None = None
    keys: list[str] | None = None
    customer: str | None = None  # a statement of account on demand (``{"source": "statement", …}``, O16)

    @property
    def kind(self) -> RunKind:
        return "manual" if self.source == "manual" else "resume" if self.source == "resume" else "scheduled"


def _decide(request: RunRequest, repo: Store, sink: SqsSink, reporter: TenantMailReporter) -> dict[str, Any]:
    """Approve (send at once, and report what was sent) or reject pending proposals (O9, O14)."""
    settings = tenant_settings(repo)
    if request.source == "approve":
        decision = approval.approve(
            repo, sink, settings, request.time, request.customers, request.keys, reporter=reporter
        )
    else:
        decision = approval.reject(repo, settings, request.time, request.customers, request.keys)
    metrics.add_metric(name="ProposalsApproved", unit="Count", value=len(decision.approved))
    metrics.add_metric(name="ProposalsRejected", unit="Count", value=len(decision.rejected))
    logger.info("proposals decided", extra=asdict(decision))
    return asdict(decision)


def _statement(request: RunRequest, repo: Store, sink: SqsSink) -> dict[str, Any]:
    """A customer's statement of account on demand (O16)."""
    settings = repo.get_settings()
    if settings is None or not request.customer:
        raise TenantNotConfigured("a statement needs the tenant's settings and a customer")
    queued = statements.queue_statement(repo, sink, settings, request.customer, request.time)
    metrics.add_metric(name="StatementsRequested", unit="Count", value=1)
    return queued


def _run(
    event: dict[str, Any],
    request: RunRequest,
    repo: Store,
    sink: SqsSink,
    reporter: TenantMailReporter,
    config: SchedulerConfig,
    context: LambdaContext,
) -> dict[str, Any]:
    """One run (or part of one); a run that must continue hands on to a fresh invocation (O3)."""
    time_left = context.get_remaining_time_in_millis
    summary = schedule_due_reminders(
        repo, sink, request.time, request.kind, reporter, request.run_id, time_left_ms=time_left
    )
    metrics.add_metric(name="RemindersPlanned", unit="Count", value=summary.reminders)
    metrics.add_metric(name="MessagesSent", unit="Count", value=summary.messages)
    metrics.add_metric(name="ProposalsFiled", unit="Count", value=summary.proposals)
    metrics.add_metric(name="Runs", unit="Count", value=1)
    logger.info("run finished", extra=asdict(summary))
    result = asdict(summary)
    if summary.status == "continuing":
        follow_up = event | {"continuation": request.continuation + 1}
        if config.function_name:  # in Lambda: a fresh invocation of this function carries on (O3)
            hand_on = partial(continue_in_new_invocation, config.function_name, follow_up)
            with_retries(hand_on, Backoff(attempts=5), time_left, 2_000)
        result["continue_with"] = follow_up
    return result


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=RunRequest)
    config = SchedulerConfig.from_env()
    repo = repository_for(config.table_name)
    sink = SqsSink(config.queue_urls)
    if request.source == "statement":
        return _statement(request, repo, sink)
    reporter = TenantMailReporter(repo, SesMailer(), config.sender_email)
    if request.source in ("approve", "reject"):
        return _decide(request, repo, sink, reporter)
    return _run(event, request, repo, sink, reporter, config, context)
