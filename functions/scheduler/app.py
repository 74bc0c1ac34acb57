"""Scheduler: on each EventBridge Scheduler tick (or a manual start), send what is due.

"Now" is the event's time, never the machine clock, so a delayed or replayed
event acts as of the moment it was meant for. The same function does the shards of a large
run: the work queue's event-source mapping hands it one work item at a time (an SQS event).
"""

from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict

from functions import init_done
from shared.aws import SesMailer, SqsSink, SqsWorkQueue, continue_in_new_invocation
from shared.config import SchedulerConfig
from shared.observability import logger, metrics, tracer
from shared.services.outbox import Backoff, with_retries
from shared.services.reporting import TenantMailReporter
from shared.services.runs.shards import WorkItem
from shared.services.scheduling import (
    CONTINUE_BELOW_MS,
    FAN_OUT_ABOVE,
    SHARDS_PER_ITEM,
    Budget,
    RunKind,
    TenantNotConfigured,
    schedule_due_reminders,
    tenant_settings,
)
from shared.storage.protocols import Store
from shared.storage.repository import repository_for


class RunRequest(BaseModel):
    """The schedule's Input (``{"source": "schedule", "time": "<aws.scheduler.scheduled-time>"}``),
    a manual start (``{"source": "manual", "time": …}``, O1), a resume of a paused run
    (``{"source": "resume", "run_id": …, "time": …}``, O6), a plain EventBridge event, or a
    decision on proposals (``{"source": "approve" | "reject", "time": …, "customers": [...]}``, O9;
    no ``customers`` and no ``keys`` means every pending proposal)."""

    model_config = ConfigDict(defer_build=True)

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


def _decide(
    event: dict[str, Any],
    request: RunRequest,
    repo: Store,
    sink: SqsSink,
    reporter: TenantMailReporter,
    config: SchedulerConfig,
    context: LambdaContext,
) -> dict[str, Any]:
    """Approve (send at once, and report what was sent) or reject pending proposals (O9, O14); a
    decision on more than one invocation can take goes on in a fresh one, like a run (O3)."""
    from shared.services import approval  # only a decision needs it: imported here, not at every cold start

    settings = tenant_settings(repo)
    time_left = context.get_remaining_time_in_millis
    if request.source == "approve":
        decision = approval.approve(
            repo,
            sink,
            settings,
            request.time,
            request.customers,
            request.keys,
            reporter=reporter,
            time_left_ms=time_left,
            part=request.continuation,
        )
    else:
        decision = approval.reject(
            repo, settings, request.time, request.customers, request.keys, time_left_ms=time_left
        )
    metrics.add_metric(name="ProposalsApproved", unit="Count", value=len(decision.approved))
    metrics.add_metric(name="ProposalsRejected", unit="Count", value=len(decision.rejected))
    logger.info("proposals decided", extra=asdict(decision))
    result = asdict(decision)
    if decision.continuing:
        result["continue_with"] = _hand_on(event, request, config, time_left)
    return result


def _hand_on(
    event: dict[str, Any], request: RunRequest, config: SchedulerConfig, time_left: Callable[[], int]
) -> dict[str, Any]:
    """The event that carries on where this invocation stopped; in Lambda, a fresh invocation of it (O3)."""
    follow_up = event | {"continuation": request.continuation + 1}
    if config.function_name:
        hand_on = partial(continue_in_new_invocation, config.function_name, follow_up)
        with_retries(hand_on, Backoff(attempts=5), time_left, 2_000)
    return follow_up


def _statement(request: RunRequest, repo: Store, sink: SqsSink) -> dict[str, Any]:
    """A customer's statement of account on demand (O16)."""
    from shared.services import statements  # only a statement needs it (and its letter)

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
    work_queue = SqsWorkQueue(config.work_queue_url) if config.work_queue_url else None
    summary = schedule_due_reminders(
        repo,
        sink,
        request.time,
        request.kind,
        reporter,
        request.run_id,
        time_left_ms=time_left,
        work_queue=work_queue,
        fan_out_above=config.fan_out_above or FAN_OUT_ABOVE,
        shards_per_item=config.shards_per_item or SHARDS_PER_ITEM,
    )
    metrics.add_metric(name="RemindersPlanned", unit="Count", value=summary.reminders)
    metrics.add_metric(name="MessagesSent", unit="Count", value=summary.messages)
    metrics.add_metric(name="ProposalsFiled", unit="Count", value=summary.proposals)
    metrics.add_metric(name="Runs", unit="Count", value=1)
    result = asdict(summary)
    logger.info("run finished", extra={k: v for k, v in result.items() if k != "held_back_lines"})  # customers
    if summary.status == "continuing":
        result["continue_with"] = _hand_on(event, request, config, time_left)
    return result


def _shards(
    event: dict[str, Any],
    repo: Store,
    sink: SqsSink,
    reporter: TenantMailReporter,
    config: SchedulerConfig,
    context: LambdaContext,
) -> dict[str, Any]:
    """Work items of fanned-out runs (the work queue's SQS batch): each one's shards, its
    continuation, its part in the tally; a failed item is reported and comes back (partial batch)."""
    if not config.work_queue_url:
        raise TenantNotConfigured("WORK_QUEUE_URL is not set: the scheduler cannot continue a fanned-out run")
    from shared.services.runs import fanout  # only the work queue's shards need it

    queue = SqsWorkQueue(config.work_queue_url)
    settings = tenant_settings(repo)
    time_left = context.get_remaining_time_in_millis
    failures = []
    for record in event["Records"]:
        try:
            item = WorkItem.model_validate_json(record["body"])
            budget = Budget(time_left, Backoff(attempts=None), CONTINUE_BELOW_MS)
            part = fanout.run_shards(repo, sink, settings, item, budget, queue, reporter, time_left)
        except Exception:
            logger.exception("work item failed; it comes back", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        metrics.add_metric(name="RemindersPlanned", unit="Count", value=part.summary.reminders)
        metrics.add_metric(name="MessagesSent", unit="Count", value=part.summary.messages)
        logger.info(
            "work item done",
            extra={"run_id": item.run_id, "part": item.part, "finished": part.finished, "left": part.left},
        )
    return {"batchItemFailures": failures}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = SchedulerConfig.from_env()
    repo = repository_for(config.table_name)
    sink = SqsSink(config.queue_urls)
    if "Records" in event:  # the work queue: shards of a fanned-out run
        reporter = TenantMailReporter(repo, SesMailer(), config.sender_email)
        return _shards(event, repo, sink, reporter, config, context)
    # Powertools' parser (its envelopes and event models) is loaded here, where it is used.
    from aws_lambda_powertools.utilities.parser import parse

    request = parse(event=event, model=RunRequest)
    if request.source == "statement":
        return _statement(request, repo, sink)
    reporter = TenantMailReporter(repo, SesMailer(), config.sender_email)
    if request.source in ("approve", "reject"):
        return _decide(event, request, repo, sink, reporter, config, context)
    return _run(event, request, repo, sink, reporter, config, context)


init_done()  # the function's init ends here (functions/__init__.py)
