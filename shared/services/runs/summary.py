"""What a run is called and what it records (O2), and the reporter it tells what it did (O4–O8)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

from shared.domain.money import money_text
from shared.domain.planning import HeldBack, InvoiceState, PlannedReminder
from shared.domain.run_control import CheckOutcome
from shared.domain.settings import TenantSettings
from shared.services.charges import StepCharges

RunKind = Literal["scheduled", "manual", "resume"]


@dataclass
class RunSummary:
    """The run record: its status, why it stopped, and what it did (counts)."""

    run_id: str
    run_date: str
    status: str
    reason: str | None = None
    reminders: int = 0
    messages: int = 0
    invoices_advanced: int = 0
    held_back: int = 0
    lost_races: int = 0
    resent: int = 0
    proposals: int = 0
    parts: int = 1
    attempt: int = 1  # 2 and on: a retry of an attempt that died or failed (the same run id)
    kind: str = "scheduled"
    tag: str = ""
    by_action: dict[str, int] = field(default_factory=dict)
    # The first HELD_BACK_LISTED reminders a run in one invocation held back, and why (the run page
    # lists them): customer, step, invoices, amount, reason. Not logged (customer data).
    held_back_lines: list[dict[str, Any]] = field(default_factory=list)


HELD_BACK_LISTED = 100


def held_back_line(held: HeldBack) -> dict[str, Any]:
    """One held-back reminder as the run record keeps it."""
    reminder = held.reminder
    return {
        "customer": reminder.key.customer_id,
        "step": reminder.step_name,
        "invoices": reminder.invoice_ids,
        "amount": money_text(reminder.open_total),
        "reason": str(held.reason),
    }


# What a run that continues in a fresh invocation carries over from its earlier parts.
CARRIED_COUNTS = ("reminders", "messages", "invoices_advanced", "lost_races", "resent", "held_back", "proposals")


def utc_second(moment: datetime) -> str:
    """``moment`` in UTC to the second, ISO 8601 with ``Z``: run ids and scheduler event times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_id_for(now: datetime) -> str:
    """A run's id: the UTC second it was meant for."""
    return utc_second(now)


def run_moment(summary: RunSummary) -> datetime:
    """The run's own time (its id is its ISO start), else the start of its business day."""
    try:
        return datetime.fromisoformat(summary.run_id.replace("Z", "+00:00"))
    except ValueError:
        return datetime.combine(date.fromisoformat(summary.run_date), datetime.min.time(), UTC)


class Reporter(Protocol):
    """Tells the tenant about a stopped run (O4–O6) and reports a run's results (O8)."""

    def run_stopped(
        self,
        settings: TenantSettings,
        summary: RunSummary,
        outcome: CheckOutcome,
        journal_entries: list[dict[str, Any]],
    ) -> dict[str, Any] | None: ...

    def run_report(
        self,
        settings: TenantSettings,
        summary: RunSummary,
        sent: list[PlannedReminder],
        held_back: list[HeldBack],
        excluded: list[InvoiceState],
        housekeeping: list[dict[str, Any]],
        proposed: list[PlannedReminder],
        charged: Mapping[str, StepCharges] | None = None,
        cases: Sequence[Mapping[str, Any]] = (),
        totals: Mapping[str, int] | None = None,
        interrupted: int = 0,
    ) -> dict[str, Any] | None: ...

    def proposals_waiting(
        self, settings: TenantSettings, summary: RunSummary, proposed: list[PlannedReminder]
    ) -> dict[str, Any] | None: ...
