"""A decision on any number of proposals goes in chunks with continuation, like a run: it stops
between proposals when the invocation's time runs short, and deciding again goes on with the rest."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import count

from shared.services.approval import approve, list_proposals, reject
from shared.services.scheduling import schedule_due_reminders
from tests.unit.services.fakes import NO_WAIT, ListSink, Tenant, at

MARCH_6 = date(2026, 3, 6)
CUSTOMERS = 12


def proposed(customers: int = CUSTOMERS) -> tuple[Tenant, ListSink]:
    tenant = Tenant(approval_required=True)
    for number in range(customers):
        tenant.invoice(f"I{number}", f"C{number:02d}")
    sink = ListSink()
    schedule_due_reminders(tenant.store, sink, at(MARCH_6), backoff=NO_WAIT)
    assert len(list_proposals(tenant.store)) == customers
    return tenant, sink


def short_of_time(every: int):  # type: ignore[no-untyped-def]
    """An invocation's clock: short of time at every ``every``-th look."""
    calls = count()
    return lambda: 1_000 if next(calls) % every == every - 1 else 300_000


def test_approving_many_goes_in_chunks_and_sends_each_once():
    tenant, sink = proposed()
    # When every invocation has time for a few proposals only
    parts = 0
    while True:
        decision = approve(tenant.store, sink, tenant.settings, at(date(2026, 3, 9)), time_left_ms=short_of_time(4))
        parts += 1
        if not decision.continuing:
            break
    # Then it took several chunks, and every customer got the reminder once
    assert parts > 2
    assert Counter(m.customer_id for m in sink.sent) == Counter({f"C{n:02d}": 1 for n in range(CUSTOMERS)})
    assert list_proposals(tenant.store) == []


def test_rejecting_many_goes_in_chunks_and_leaves_nothing_pending():
    tenant, _ = proposed()
    first = reject(tenant.store, tenant.settings, at(date(2026, 3, 9)), time_left_ms=short_of_time(5))
    assert first.continuing and 0 < len(first.rejected) < CUSTOMERS
    rest = reject(tenant.store, tenant.settings, at(date(2026, 3, 9)))
    assert not rest.continuing
    assert len(first.rejected) + len(rest.rejected) == CUSTOMERS
    assert list_proposals(tenant.store) == []
