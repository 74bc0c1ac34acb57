"""``dunning simulate``: replay a scenario day by day through the real functions.

Each simulated day: the timeline entries due before the run are applied, the
scheduler handler is invoked with an EventBridge Scheduler event whose
``time`` is that day's ``run_time`` in the tenant's zone, every queue is
drained through its consumer handler, the entries after the run are applied,
the Betalingsservice delivery function is invoked for the day (the deployed
stack does this late in the day, after the last run), and the effects
recorded that day are printed in O16 order.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from dunning.local_stack import LocalStack
from dunning.scenario import Scenario, TimelineEntry
from shared.domain.effects import effect_sort_key, public
from shared.domain.money import money_text
from shared.domain.settings import TenantSettings
from shared.services.tenant import accounting, agreements, approvals, customers, invoices, payments, runs, templates
from shared.services.tenant import settings as tenant_settings
from shared.services.tenant.common import event_time
from shared.services.tenant.payments import EntryKind
from shared.services.tenant.usage import month_usage
from shared.storage.protocols import Store
from shared.storage.repository import DunningRepository

Effect = dict[str, Any]
ACTOR = "scenario"
"""Who a scenario's operations are recorded as (``started_by``, ``decided_by``, …)."""
BS_DELIVERY_TIME = time(23, 59)
"""The simulated day's delivery comes after its scheduled run and every timed entry."""


@dataclass
class DayResult:
    day: date
    effects: list[Effect]
    files: list[Path] = field(default_factory=list)


@dataclass
class SimulationOptions:
    out_dir: Path | None = None
    deliveries_per_message: int = 1  # 2: every SQS batch reaches its consumer twice
    runs_per_day: int = 1  # 2: the scheduler is invoked twice for the same time


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


class Simulation:
    """A scenario loaded into a local stack, ready to step through its days."""

    def __init__(self, scenario: Scenario, stack: LocalStack, options: SimulationOptions) -> None:
        self.scenario = scenario
        self.stack = stack
        self.options = options
        self.repo = DunningRepository(stack.table_name)
        self.settings: TenantSettings = scenario.tenant_settings()
        # Every BS record is filed with its ``bs`` effect, so until one has been seen there is
        # nothing a daily Betalingsservice delivery could deliver: the simulator skips invoking it
        # (what it would find is nothing; the effects are the same, the days much cheaper).
        self._bs_seen = False

    def load(self) -> None:
        """The scenario's starting world: settings, templates, customers, agreements, invoices."""
        load_world(self.repo, self.scenario)

    def apply(self, entry: TimelineEntry, entry_id: str) -> None:
        """One timeline entry, through the tenant services the API calls; ``entry_id`` names what it
        creates (payments, credit notes, journal entries)."""
        day = entry.date
        at = datetime.combine(day, entry.time or time(0), tzinfo=self.settings.zone)
        moved = entry.payment or entry.credit_note
        if moved is not None:
            kind: EntryKind = "payment" if entry.payment is not None else "credit_note"
            payments.record_entry(
                self.repo,
                kind,
                entry_id,
                moved.amount,
                day,
                moved.invoice,
                moved.customer,
                actor=ACTOR,
                credit_id=entry_id,
            )
        elif entry.invoice is not None:
            new = entry.invoice
            invoices.create_invoice(self.repo, self.settings, new.id, new.agreement, new.amount, new.issued, new.due)
        elif entry.customer is not None:
            customers.put_customer(self.repo, customers.customer_from(entry.customer.id, entry.customer))
        elif entry.agreement is not None:
            new_agreement = entry.agreement
            agreements.create_agreement(
                self.repo, self.settings, new_agreement.id, new_agreement.customer, new_agreement.template
            )
        elif entry.template is not None:
            templates.define_template(self.repo, entry.template, day, self.settings.b2b_contractual_fees, actor=ACTOR)
        elif entry.assign_template is not None:
            chosen = entry.assign_template.agreements
            agreements.move_agreements(
                self.repo,
                self.settings,
                entry.assign_template.template,
                None if chosen == "all" else chosen,
                actor=ACTOR,
            )
        elif entry.settings is not None:
            self.settings = tenant_settings.change_settings(
                self.repo, self.scenario.tenant, entry.settings, actor=ACTOR
            )
        elif entry.bank_connection is not None:
            connection = entry.bank_connection
            accounting.put_bank_connection(self.repo, connection.name, connection.active, actor=ACTOR)
        elif entry.journal_entry is not None:
            line = entry.journal_entry
            fields = {"customer": line.customer, "amount": money_text(line.amount), "text": line.text}
            accounting.add_journal_entry(self.repo, line.journal, entry_id, fields)
        elif entry.post_journal is not None:
            accounting.post_journal(self.repo, entry.post_journal, day, actor=ACTOR)
        elif entry.dispute is not None:
            invoices.set_dispute(self.repo, self.settings, entry.dispute.invoice, entry.dispute.until, actor=ACTOR)
        elif entry.dispute_resolved is not None:
            invoices.resolve_dispute(self.repo, self.settings, entry.dispute_resolved.invoice, actor=ACTOR)
        elif entry.run_now:
            runs.start_run(self.repo, self, at, actor=ACTOR)
        elif (decision := entry.approve or entry.reject) is not None:
            chosen_customers = None if isinstance(decision, str) else decision.customers
            verdict: Literal["approve", "reject"] = "approve" if entry.approve is not None else "reject"
            approvals.decide(self.repo, self, verdict, at, chosen_customers, actor=ACTOR)
        elif entry.resume:
            # Nothing to resume is not an error: the run may have passed its checks.
            for paused in runs.paused_runs(self.repo, day.isoformat())[:1]:
                runs.resume_run(self.repo, self, at, paused["run_id"], actor=ACTOR)

    # The scheduler gateway of the tenant services: the scheduler in-process, then every queue drained.
    def start(self, event: dict[str, Any]) -> None:
        """A run started (or resumed) by a timeline entry."""
        self._run(event)

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        """A decision on proposals; returns what the scheduler decided."""
        return self._run(event)

    def _utc(self, day: date, at: time) -> str:
        return event_time(datetime.combine(day, at, tzinfo=self.settings.zone))

    def _run(self, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke the scheduler, then let every queue reach its consumer (as the event-source mapping would)."""
        result: dict[str, Any] = {}
        for _ in range(self.options.runs_per_day if event["source"] == "schedule" else 1):
            result = self.stack.run_scheduler(event)
            stats = self.stack.drain(self.options.deliveries_per_message)
            self._record_dead_letters(date.fromisoformat(event["time"][:10]), stats.dead_letters)
        return result

    def run_day(self, day: date) -> DayResult:
        """Entries (in time order, untimed first) and the scheduled run at run_time; entries at
        run_time come before the run."""
        run_time = self.scenario.simulate.run_time
        entries = sorted(
            ((index, entry) for index, entry in enumerate(self.scenario.timeline) if entry.date == day),
            key=lambda pair: pair[1].time or time(0),
        )
        scheduled_done = False
        for index, entry in entries:
            if not scheduled_done and entry.time is not None and entry.time > run_time:
                self._run({"source": "schedule", "time": self._utc(day, run_time)})
                scheduled_done = True
            self.apply(entry, _entry_id(entry, index))
        if not scheduled_done:
            self._run({"source": "schedule", "time": self._utc(day, run_time)})
        effects = self.repo.effects_on(day)
        self._bs_seen = self._bs_seen or any(effect["kind"] == "bs" for effect in effects)
        if self._bs_seen:
            for _ in range(self.options.runs_per_day):  # twice: the delivery must not change (idempotent)
                self.stack.run_bs_delivery({"time": self._utc(day, BS_DELIVERY_TIME)})
            effects = self.repo.effects_on(day)
        effects = sorted(effects, key=effect_sort_key)
        files = self._write_out(day, effects) if self.options.out_dir else []
        return DayResult(day=day, effects=effects, files=files)

    def write_usage(self, months: list[str]) -> list[Path]:
        """``usage-<yyyy-mm>.json`` per simulated month with effects: what ``dunning usage`` shows (O15)."""
        assert self.options.out_dir is not None
        return [
            _write(
                self.options.out_dir / f"usage-{month}.json",
                json.dumps(month_usage(self.repo, month), indent=2) + "\n",
            )
            for month in months
        ]

    def _record_dead_letters(self, day: date, dead_letters: list[dict[str, Any]]) -> None:
        for number, letter in enumerate(dead_letters):
            try:
                key = json.loads(letter["body"]).get("idempotency_key", f"unparsable-{number}")
            except (json.JSONDecodeError, AttributeError):
                key = f"unparsable-{number}"
            effect = {
                "date": day.isoformat(),
                "kind": "dead_letter",
                "action": letter["action"],
                "key": str(key),
            }
            self.repo.record_effect(effect, f"{letter['action']}#{key}")

    def _write_out(self, day: date, effects: list[Effect]) -> list[Path]:
        assert self.options.out_dir is not None
        folder = self.options.out_dir / day.isoformat()
        written: list[Path] = []
        for effect in effects:
            name = f"{effect.get('customer', '')}-{_slug(effect.get('step', ''))}"
            if effect["kind"] == "email" and (raw := self.stack.sent_email(effect.get("_message_id", ""))):
                written.append(_write(folder / f"{name}.eml", raw))
            elif effect["kind"] == "sms" and (text := self.stack.sent_sms(effect.get("_message_id", ""))):
                written.append(_write(folder / f"{name}.sms.txt", f"To: {effect['to']}\n\n{text}\n"))
            elif effect["kind"] in ("report", "notification") and (
                raw := self.stack.sent_email(effect.get("_message_id", ""))
            ):
                run = _slug(effect.get("_run", ""))
                written.append(_write(folder / f"tenant-{effect['kind']}-{run}.eml", raw))
            elif effect["kind"] == "statement" and (raw := self.stack.sent_email(effect.get("_message_id", ""))):
                written.append(_write(folder / f"{effect['customer']}-kontoudtog.eml", raw))
            elif effect["kind"] == "collection" and (raw := self.stack.sent_email(effect.get("_message_id", ""))):
                # The case as the collection partner got it: summary plus the JSON attachment.
                written.append(_write(folder / f"{effect['customer']}-inkassosag.eml", raw))
            elif effect["kind"] == "bs_delivery" and (body := self.stack.delivery_object(effect["_key"])):
                # The 0601 file byte for byte (ISO-8859-1, CR LF), at the path the effect names.
                written.append(_write_bytes(self.options.out_dir / effect["file"], body))
        return written


def _entry_id(entry: TimelineEntry, index: int) -> str:
    """The id of what a timeline entry creates (the scenario gives none). A payment or credit note
    is named like a document (``IB-3``, ``KN-4``: the debtor's statement of account prints the name
    of money on account); anything else after its place in the timeline (``t3``)."""
    if entry.credit_note is not None:
        return f"KN-{index + 1}"
    if entry.payment is not None:
        return f"IB-{index + 1}"
    return f"t{index}"


def load_world(repo: Store, scenario: Scenario) -> None:
    """Write a scenario's starting data (not its timeline) through the tenant services the API calls too."""
    start = scenario.simulate.start
    settings = scenario.tenant_settings()
    tenant_settings.store_settings(repo, settings, actor=ACTOR)
    for definition in scenario.templates:
        templates.define_template(repo, definition, start, settings.b2b_contractual_fees, actor=ACTOR)
    for customer in scenario.customers:
        customers.put_customer(repo, customers.customer_from(customer.id, customer))
    for agreement in scenario.agreements:
        agreements.create_agreement(repo, settings, agreement.id, agreement.customer, agreement.template)
    for invoice in scenario.invoices:
        invoices.create_invoice(
            repo, settings, invoice.id, invoice.agreement, invoice.amount, invoice.issued, invoice.due
        )
    for connection in scenario.bank_connections:
        accounting.put_bank_connection(repo, connection.name, connection.active, actor=ACTOR)
    for journal in scenario.journals:
        accounting.create_journal(repo, journal.name)


# Danish letters as a Danish file name writes them without them: "Påmindelse" -> "paamindelse".
_TRANSLITERATION = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def _slug(text: str) -> str:
    """A file-name part: æ/ø/å transliterated, other accents dropped, the rest joined by "-"."""
    plain = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower() or "x"


def _write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def _write_bytes(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def simulate(
    scenario: Scenario,
    options: SimulationOptions | None = None,
    on_day: Callable[[DayResult], None] | None = None,
) -> list[Effect]:
    """Run the whole scenario; returns every effect (with bookkeeping fields) in output order."""
    with LocalStack(scenario.tenant) as stack:
        return simulate_in(stack, scenario, options, on_day)[1]


def simulate_in(
    stack: LocalStack,
    scenario: Scenario,
    options: SimulationOptions | None = None,
    on_day: Callable[[DayResult], None] | None = None,
) -> tuple[Simulation, list[Effect]]:
    """Run the whole scenario on ``stack`` (left open, for a look at its tables afterwards)."""
    options = options or SimulationOptions()
    every: list[Effect] = []
    simulation = Simulation(scenario, stack, options)
    simulation.load()
    for day in _days(scenario.simulate.start, scenario.simulate.end):
        result = simulation.run_day(day)
        every.extend(result.effects)
        if on_day is not None:
            on_day(result)
    if options.out_dir is not None:
        simulation.write_usage(sorted({effect["date"][:7] for effect in every}))
    return simulation, every


def effect_line(effect: Effect) -> str:
    return json.dumps(public(effect), ensure_ascii=False)
