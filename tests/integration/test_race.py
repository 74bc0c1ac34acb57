"""A real race: two scheduler runs at once, in two threads, against one moto server.

In-process ``mock_aws`` serialises nothing but shares Python objects; a
``ThreadedMotoServer`` on 127.0.0.1 answers each thread's HTTP requests on
its own server thread, as AWS answers two Lambda containers. Both runs start
together (a barrier) for the same business day; afterwards the queues are
drained through the consumers and the day's BS delivery is built. The outside
world — SES, SNS, the billing queue, the 0601 file — must hold every due
invoice's reminder exactly once.
"""

from __future__ import annotations

import logging
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from bench.chaos import read_outside_world
from bench.seed import RUN_DATE, RUN_TIME, seed, tenant_settings
from dunning.local_stack import FakeLambdaContext, LocalStack
from shared.storage.repository import DunningRepository

INVOICES = 600  # every 100th is due: 6 invoices, each its customer's only due one


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # DynamoDB applies each request atomically; moto does not under threads: a transaction copies
    # the whole table to roll back to, and a failed one (a lost race, expected here) restores that
    # copy over what another thread wrote meanwhile. One request at a time on the server gives
    # DynamoDB's own per-request atomicity back, while the two runs still interleave freely.
    from moto.dynamodb.responses import DynamoHandler

    one_at_a_time = threading.Lock()
    call_action = DynamoHandler.call_action

    def atomic(self: DynamoHandler) -> Any:
        with one_at_a_time:
            return call_action(self)

    monkeypatch.setattr(DynamoHandler, "call_action", atomic)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        yield url
    finally:
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
        server.stop()


def _event(source: str) -> dict[str, Any]:
    from datetime import UTC, datetime

    settings = tenant_settings("race")
    moment = datetime.combine(RUN_DATE, RUN_TIME, tzinfo=settings.zone).astimezone(UTC)
    return {"source": source, "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _run_together(stack: LocalStack, events: list[dict[str, Any]]) -> list[Any]:
    """Invoke the scheduler once per event, all in their own thread, released at the same moment."""
    handler = stack.handler("scheduler")
    barrier = threading.Barrier(len(events))
    outcomes: list[Any] = [None] * len(events)

    def invoke(index: int, event: dict[str, Any]) -> None:
        barrier.wait()
        try:
            outcomes[index] = handler(event, FakeLambdaContext("scheduler"))
        except Exception as error:  # a failed run is an outcome to report, not a crash of the test
            outcomes[index] = error

    threads = [threading.Thread(target=invoke, args=(i, e)) for i, e in enumerate(events)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a scheduler run did not finish"
    return outcomes


@pytest.mark.parametrize(
    "sources",
    [("schedule", "schedule"), ("schedule", "manual")],
    ids=["the-same-scheduled-run-delivered-twice", "a-scheduled-and-a-manual-run"],
)
def test_two_scheduler_runs_at_once_send_every_reminder_exactly_once(
    moto_server: str, sources: tuple[str, str]
) -> None:
    with LocalStack("race", endpoint_url=moto_server) as stack:
        repo = DunningRepository(stack.table_name)
        seeded = seed(repo, tenant_settings("race"), INVOICES)
        due = {f"INV{index:07d}" for index in range(0, INVOICES, 100)}
        assert seeded.due_invoices == len(due)

        # When two runs for the same business day start at the same moment, in two threads
        outcomes = _run_together(stack, [_event(source) for source in sources])
        # (a run that found the slot taken is queued, and the holder takes the queue when it ends)
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert "completed" in {o["status"] for o in outcomes}
        stats = stack.drain()
        stack.run_bs_delivery({"time": _event("schedule")["time"].replace("T05:00", "T16:00")})

        # Then every consumer message was handled, none dead-lettered
        assert stats.failed == 0 and stats.dead_letters == []
        received, _ = read_outside_world(stack)
        for channel in ("email", "sms", "fee", "bs"):
            counts = received[channel]
            # And each due invoice's reminder reached the outside world on every channel ...
            assert {key[-1] for key in counts} == due, channel
            # ... exactly once
            assert {key: n for key, n in counts.items() if n != 1} == {}, channel
