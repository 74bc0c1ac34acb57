"""One size: seed a tenant on the in-process moto stack, run the scheduler once, drain the queues.

Seeding is not measured. The counter is active only around the scheduler
run and the drain, and the drain is split three ways:

* ``consumer.<action>``: requests made inside a consumer handler;
* ``polling``: what ``LocalStack.drain`` does in place of Lambda's SQS
  event-source mapping (ReceiveMessage, DeleteMessageBatch, the DLQ check).
  In AWS those requests are made by the Lambda service, on the tenant's
  queues and bill.

Times: ``seconds`` is the wall time of the scheduler handler / of the
consumer handlers; ``seconds_in_aws_calls`` the part spent inside
``_make_api_call`` (botocore + moto); ``seconds_outside_aws_calls`` the rest
(our code, PynamoDB, Powertools, pydantic, rendering).
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import warnings
from collections import Counter, defaultdict
from typing import Any

from bench.counting import AwsCallCounter, Tally
from bench.seed import RUN_DATE, run_event, seed, tenant_settings
from dunning.local_stack import ACTIONS, LocalStack
from shared import aws
from shared.storage.repository import DunningRepository

SERVICES = ("dynamodb", "sqs", "sesv2", "sns")


def _per(value: float, denominator: int) -> float | None:
    return round(value / denominator, 4) if denominator else None


def _progress(text: str) -> None:
    print(f"bench:   {text}", file=sys.stderr, flush=True)


def _requests(tally: Tally, denominator: int) -> dict[str, Any]:
    """Requests by service (the four of the brief, any other too), absolute and per ``denominator``."""
    services = list(SERVICES) + sorted(set(tally.requests) - set(SERVICES))
    absolute = {service: tally.requests.get(service, 0) for service in services}
    absolute["total"] = tally.total_requests
    return {"count": absolute, "per_reminded_invoice": {k: _per(v, denominator) for k, v in absolute.items()}}


def _tally_json(tally: Tally, reminded_invoices: int) -> dict[str, Any]:
    return {
        "requests": _requests(tally, reminded_invoices),
        "dynamodb_items_read": tally.items_read,
        "dynamodb_items_written": tally.items_written,
        "dynamodb_items_read_in_transactions": tally.items_read_in_transactions,
        "dynamodb_items_written_in_transactions": tally.items_written_in_transactions,
        "failed_requests": tally.failed_requests,
        "operations": dict(sorted(tally.operations.items())),
        "seconds_by_operation": {op: round(s, 3) for op, s in sorted(tally.seconds.items())},
    }


def _timing(seconds: float, tally: Tally, reminders: int) -> dict[str, Any]:
    inside = tally.seconds_in_calls
    return {
        "seconds": round(seconds, 3),
        "seconds_in_aws_calls": round(inside, 3),
        "seconds_outside_aws_calls": round(seconds - inside, 3),
        "ms_per_reminder": _per(seconds * 1000, reminders),
        "ms_per_reminder_outside_aws_calls": _per((seconds - inside) * 1000, reminders),
    }


def measure(n: int) -> dict[str, Any]:
    """Seed ``n`` invoices and measure one scheduler run and the drain.

    Whatever the handlers print (Powertools' EMF metric blobs: with metrics
    disabled it never clears its metric set, and prints it at 100 values) is
    captured and dropped, so that stdout stays the bench's JSON.
    """
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        result = _measure(n)
    result["handler_stdout_lines_dropped"] = len(captured.getvalue().splitlines())
    return result


def _measure(n: int) -> dict[str, Any]:
    tenant = f"bench-{n}"
    settings = tenant_settings(tenant)
    result: dict[str, Any] = {"invoices": n}
    with LocalStack(tenant) as stack:
        repo = DunningRepository(stack.table_name)
        started = time.perf_counter()
        seeded = seed(repo, settings, n)
        result["seed_seconds"] = round(time.perf_counter() - started, 2)
        result |= {
            "customers": seeded.customers,
            "due_invoices": seeded.due_invoices,
            "customers_with_two_due_invoices": seeded.paired_customers,
        }
        _progress(f"seeded in {result['seed_seconds']:.0f} s; running the scheduler")

        # Import every handler and build the clients now, so that neither is timed below.
        for name in ("scheduler", *ACTIONS):
            stack.handler(name)
        for service in ("sqs", "sesv2", "sns"):
            aws.client(service)
        repo.get_settings()

        invocations: Counter[str] = Counter()
        lookup = stack.handler

        def counted_handler(name: str) -> Any:  # run_scheduler looks the handler up once per invocation
            invocations[name] += 1
            return lookup(name)

        stack.handler = counted_handler  # type: ignore[method-assign]
        with AwsCallCounter() as counter:
            with counter.scope("scheduler") as scheduler_tally:
                started = time.perf_counter()
                summary = stack.run_scheduler(run_event(settings))
                scheduler_seconds = time.perf_counter() - started
            _progress(f"scheduler done in {scheduler_seconds:.0f} s; draining {summary['messages']} messages")

            handler_seconds: defaultdict[str, float] = defaultdict(float)
            batches: Counter[str] = Counter()
            deliver = stack._deliver

            def timed_deliver(action: str, url: str, received: list[dict[str, Any]], times: int) -> set[str]:
                with counter.scope(f"consumer.{action}"):
                    started = time.perf_counter()
                    try:
                        return deliver(action, url, received, times)
                    finally:
                        handler_seconds[action] += time.perf_counter() - started
                        batches[action] += 1

            stack._deliver = timed_deliver  # type: ignore[method-assign]
            with counter.scope("polling") as polling_tally:
                started = time.perf_counter()
                stats = stack.drain()
                drain_seconds = time.perf_counter() - started
            _progress(f"drained in {drain_seconds:.0f} s")

    reminders, reminded = summary["reminders"], summary["invoices_advanced"]
    messages = summary["by_action"]
    problems = []
    if reminded != seeded.due_invoices:
        problems.append(f"{reminded} invoices advanced, {seeded.due_invoices} were due")
    if reminders != seeded.due_customers:
        problems.append(f"{reminders} reminders sent, {seeded.due_customers} expected (consolidation)")
    if stats.delivered != summary["messages"] or stats.failed or stats.dead_letters:
        problems.append(
            f"drain: {stats.delivered} delivered of {summary['messages']}, {stats.failed} failed, "
            f"{len(stats.dead_letters)} dead letters"
        )

    consumers = Tally()
    by_action: dict[str, Any] = {}
    for action in ACTIONS:
        tally = counter.tally(f"consumer.{action}")
        consumers.add(tally)
        count = messages.get(action, 0)
        by_action[action] = {
            "messages": count,
            "batches": batches[action],
            "requests_per_message": {k: _per(v, count) for k, v in _requests(tally, 1)["count"].items()},
            "dynamodb_items_read_per_message": _per(tally.items_read, count),
            "dynamodb_items_written_per_message": _per(tally.items_written, count),
            "dynamodb_items_read": tally.items_read,
            "dynamodb_items_written": tally.items_written,
            "dynamodb_items_read_in_transactions": tally.items_read_in_transactions,
            "dynamodb_items_written_in_transactions": tally.items_written_in_transactions,
            "operations": dict(sorted(tally.operations.items())),
            **_timing(handler_seconds[action], tally, count),
        }
        by_action[action]["ms_per_message"] = by_action[action].pop("ms_per_reminder")
        by_action[action]["ms_per_message_outside_aws_calls"] = by_action[action].pop(
            "ms_per_reminder_outside_aws_calls"
        )
    everything = Tally()
    for tally in (scheduler_tally, consumers, polling_tally):
        everything.add(tally)

    result |= {
        "run_date": RUN_DATE.isoformat(),
        "reminders": reminders,
        "reminded_invoices": reminded,
        "messages": summary["messages"],
        "messages_by_action": messages,
        "scheduler": {
            **_tally_json(scheduler_tally, reminded),
            "dynamodb_items_read_per_due_invoice": _per(scheduler_tally.items_read, seeded.due_invoices),
            "invocations": invocations["scheduler"],
            **_timing(scheduler_seconds, scheduler_tally, reminders),
        },
        "consumers": {
            **_tally_json(consumers, reminded),
            **_timing(sum(handler_seconds.values()), consumers, reminders),
            "by_action": by_action,
        },
        "polling": _tally_json(polling_tally, reminded),
        "drain": {"seconds": round(drain_seconds, 3), "ms_per_reminder": _per(drain_seconds * 1000, reminders)},
        "total": _tally_json(everything, reminded),
        "problems": problems,
    }
    return result
