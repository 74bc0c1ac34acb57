"""A fanned-out run on the local stack (moto): the scheduler hands the due-index shards to its work
queue, the queue is drained into the scheduler as its event-source mapping would, and one shard's
worker dies after committing part of its reminders, every work item is delivered twice, and the
workers run short of time and continue. Every reminder still happens exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

import pytest

from dunning.local_stack import FakeLambdaContext, LocalStack
from shared.domain.planning import InvoiceState, next_step_on
from shared.domain.settings import TenantSettings
from shared.domain.templates import Step, TemplateVersion
from shared.storage import keys
from shared.storage.records import Agreement, Customer
from shared.storage.repository import DunningRepository

RUN_DAY = date(2026, 3, 6)
RUN_EVENT = {"source": "schedule", "time": "2026-03-06T05:00:00Z"}
RUN_ID = "2026-03-06T05:00:00Z"
CUSTOMERS = 24
STEPS = [{"name": "Rykker 1", "days": 4, "actions": ["email", {"fee": "100.00"}]}]


def seed(repo: DunningRepository, **settings_: Any) -> int:
    """24 customers with 1–3 invoices each, every one due on the run day; how many invoices."""
    settings = TenantSettings.model_validate(
        {
            "tenant": "acme",
            "default_template": "standard",
            "sender": {"name": "Acme A/S"},
            "status_report_to": "bogholderi@acme.example",
        }
        | settings_
    )
    repo.put_settings(settings)
    template = TemplateVersion(name="standard", number=1, steps=tuple(Step.model_validate(s) for s in STEPS))
    repo.save_template_version(template, date(2026, 1, 1), replace=False)
    invoices = 0
    for number in range(CUSTOMERS):
        customer = f"C{number:03d}"
        repo.put_customer(Customer(customer, f"Kunde {number}", email=f"{customer.lower()}@example.dk"))
        repo.create_agreement(Agreement(f"A-{customer}", customer, template.version_id))
        for n in range(1 + number % 3):
            invoice = InvoiceState(
                invoice_id=f"I{number:03d}-{n}",
                customer_id=customer,
                agreement_id=f"A-{customer}",
                template_version=template.version_id,
                amount=Decimal("700.00"),
                open_amount=Decimal("700.00"),
                issued=date(2026, 2, 1),
                due=date(2026, 3, 2),
            )
            repo.create_invoice(invoice, next_step_on(invoice, template, settings.min_days_between_reminders))
            invoices += 1
    return invoices


class ShortLived(FakeLambdaContext):
    """An invocation that runs short of time after every few checks of the time left."""

    def __init__(self, checks: int) -> None:
        super().__init__("scheduler")
        self._calls = count()
        self._checks = checks

    def get_remaining_time_in_millis(self) -> int:
        return 5_000 if next(self._calls) % self._checks == self._checks - 1 else 300_000


class DiesAfterCommitting:
    """The worker of one shard dies once right after a commit went through (the commit of a group
    of reminders stands, its messages never reach SQS): its ``after``-th commit in ``shard``."""

    def __init__(self, commit: Any, shard: str, after: int) -> None:
        self._commit = commit
        self.shard = shard
        self.left = after
        self.died = False

    def __call__(self, repo: DunningRepository, key: str, tag: str, bodies: list[str], *args: Any, **kw: Any) -> Any:
        done = self._commit(repo, key, tag, bodies, *args, **kw)
        customer = _customer_of(bodies)
        if not self.died and keys.due_shard(customer) == self.shard:
            self.left -= 1
            if self.left == 0:
                self.died = True
                raise RuntimeError(f"the worker of {self.shard} died after committing {key}")
        return done


def _customer_of(bodies: list[str]) -> str:
    import json

    return str(json.loads(bodies[0])["customer_id"])


def effects(repo: DunningRepository, kind: str) -> list[dict[str, Any]]:
    return [effect for effect in repo.effects_on(RUN_DAY) if effect["kind"] == kind]


@pytest.mark.slow
def test_a_fanned_out_run_with_a_dying_shard_duplicates_and_continuations_reminds_everyone_once(
    monkeypatch: pytest.MonkeyPatch,
):
    shards = keys.due_shards()
    # Several work items of a few shards each, whatever the shard count
    monkeypatch.setenv("FAN_OUT_ABOVE", "10")
    monkeypatch.setenv("SHARDS_PER_ITEM", str(max(1, len(shards) // 4)))
    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        invoices = seed(repo)
        busiest = Counter(keys.due_shard(f"C{n:03d}") for n in range(CUSTOMERS)).most_common(1)[0][0]
        dying = DiesAfterCommitting(DunningRepository.commit_reminders, busiest, after=1)

        def commit_reminders(self: DunningRepository, *args: Any, **kwargs: Any) -> Any:
            return dying(self, *args, **kwargs)

        monkeypatch.setattr(DunningRepository, "commit_reminders", commit_reminders)
        stack.work_context = lambda: ShortLived(checks=5)

        # When the run starts: more invoices are due than one invocation takes
        started = stack.run_scheduler(RUN_EVENT)
        assert started["status"] == "fanned_out"
        assert repo.fan_out_tally(RUN_ID)["total"] == len(shards)  # type: ignore[index]
        # And the work queue (each item delivered twice) and the action queues are drained
        stack.drain(deliveries_per_message=2)

        # Then the worker of the busiest shard did die after a commit, and its item came back
        assert dying.died
        # And every customer got exactly one e-mail and one fee, for all of their invoices
        for kind in ("email", "fee"):
            got = Counter(effect["customer"] for effect in effects(repo, kind))
            assert got == Counter({f"C{n:03d}": 1 for n in range(CUSTOMERS)}), kind
        reminded = sorted(i for effect in effects(repo, "email") for i in effect["invoices"])
        assert len(reminded) == len(set(reminded)) == invoices
        assert all(repo.get_invoice(i).steps_done == 1 for i in reminded)  # type: ignore[union-attr]
        # And nothing is left in the outbox; every shard was finished; the run ended once
        assert repo.pending_outbox() == []
        tally = repo.fan_out_tally(RUN_ID)
        assert tally is not None and tally["done"] == set(shards) and tally["ended"] is not None
        run = repo.get_run(RUN_ID)
        assert run is not None and run["status"] == "completed"
        assert run["parts"] > len(shards) // max(1, len(shards) // 4)  # continuations made more parts
        # And it counts every reminder, the dead worker's too (each commit added its own counts)
        assert (run["reminders"], run["invoices_advanced"], run["messages"]) == (CUSTOMERS, invoices, 2 * CUSTOMERS)
        assert run["by_action"] == {"email": CUSTOMERS, "fee": CUSTOMERS}
        assert len(effects(repo, "run")) == 1
        # And the tenant got ONE status report for the whole run
        assert len(effects(repo, "report")) == 1
        # And the slot is free for the next run
        assert repo.acquire_run_lock("next", 1_900_000_000, 60) is None


def test_an_approval_of_many_proposals_continues_in_fresh_invocations_and_sends_each_once():
    with LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        # Given every due reminder filed for approval by a (small, not fanned-out) run
        invoices = seed(repo, approval_required=True)
        assert stack.run_scheduler(RUN_EVENT)["proposals"] == CUSTOMERS
        # When all are approved by invocations with time for a few proposals each
        approve = {"source": "approve", "time": "2026-03-09T08:00:00Z"}
        first = stack.handler("scheduler")(approve, ShortLived(checks=4))
        assert "continue_with" in first and first["continue_with"]["continuation"] == 1
        stack.run_scheduler(first["continue_with"], ShortLived(checks=4))
        stack.drain()
        # Then every customer got one e-mail and one fee, and nothing waits
        day = date(2026, 3, 9)
        for kind in ("email", "fee"):
            got = Counter(e["customer"] for e in repo.effects_on(day) if e["kind"] == kind)
            assert got == Counter({f"C{n:03d}": 1 for n in range(CUSTOMERS)}), kind
        assert sum(len(e["invoices"]) for e in repo.effects_on(day) if e["kind"] == "email") == invoices
        assert repo.pending_proposals() == [] and repo.pending_outbox() == []
