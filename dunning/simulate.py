"""``dunning simulate``: replay a scenario day by day through the real functions.

Each simulated day: the timeline entries due before the run are applied, the
scheduler handler is invoked with an EventBridge Scheduler event whose
``time`` is that day's ``run_time`` in the tenant's zone, every queue is
drained through its consumer handler, the entries after the run are applied,
and the effects recorded that day are printed in O16 order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dunning.local_stack import LocalStack
from dunning.scenario import Scenario, TimelineEntry
from shared.domain.effects import effect_sort_key, public
from shared.domain.settings import TenantSettings
from shared.services import admin
from shared.storage.repository import Customer, DunningRepository

Effect = dict[str, Any]


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


def _customer(entry: Any) -> Customer:
    address = entry.address.model_dump() if entry.address is not None else None
    return Customer(
        customer_id=entry.id,
        name=entry.name,
        email=entry.email,
        phone=entry.phone,
        language=entry.language,
        address=address,
    )


class Simulation:
    """A scenario loaded into a local stack, ready to step through its days."""

    def __init__(self, scenario: Scenario, stack: LocalStack, options: SimulationOptions) -> None:
        self.scenario = scenario
        self.stack = stack
        self.options = options
        self.repo = DunningRepository(stack.table_name)
        self.settings: TenantSettings = scenario.tenant_settings()

    def load(self) -> None:
        """The scenario's starting world: settings, templates, customers, agreements, invoices."""
        load_world(self.repo, self.scenario)

    def apply(self, entry: TimelineEntry) -> None:
        day = entry.date
        if entry.payment is not None:
            admin.reduce_invoice(self.repo, entry.payment.invoice, entry.payment.amount)
        elif entry.credit_note is not None:
            admin.reduce_invoice(self.repo, entry.credit_note.invoice, entry.credit_note.amount)
        elif entry.invoice is not None:
            new = entry.invoice
            admin.create_invoice(self.repo, new.id, new.agreement, new.amount, new.issued, new.due, self.settings)
        elif entry.customer is not None:
            admin.put_customer(self.repo, _customer(entry.customer))
        elif entry.agreement is not None:
            agreement = entry.agreement
            admin.create_agreement(self.repo, agreement.id, agreement.customer, agreement.template, self.settings)
        elif entry.template is not None:
            admin.define_template(self.repo, entry.template, day)
        elif entry.assign_template is not None:
            chosen = entry.assign_template.agreements
            admin.assign_template(self.repo, entry.assign_template.template, None if chosen == "all" else chosen)
        elif entry.settings is not None:
            self.settings = self.settings.updated(entry.settings)
            admin.update_settings(self.repo, self.settings)

    def run_day(self, day: date) -> DayResult:
        run_time = self.scenario.simulate.run_time
        entries = sorted((e for e in self.scenario.timeline if e.date == day), key=lambda e: e.time or time(0))
        for entry in entries:
            if entry.time is None or entry.time <= run_time:
                self.apply(entry)
        now = datetime.combine(day, run_time, tzinfo=self.settings.zone).astimezone(UTC)
        event = {"source": "schedule", "time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        for _ in range(self.options.runs_per_day):
            self.stack.run_scheduler(event)
            stats = self.stack.drain(self.options.deliveries_per_message)
            self._record_dead_letters(day, stats.dead_letters)
        for entry in entries:
            if entry.time is not None and entry.time > run_time:
                self.apply(entry)
        effects = sorted(self.repo.effects_on(day), key=effect_sort_key)
        files = self._write_out(day, effects) if self.options.out_dir else []
        return DayResult(day=day, effects=effects, files=files)

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
        records = self.repo.bs_records(day)
        if records:
            lines = [
                json.dumps(
                    {"key": r.sk, "customer": r.customer_id, "creditor_number": r.creditor_number, **r.data},
                    ensure_ascii=False,
                )
                for r in records
            ]
            written.append(_write(folder / "bs-records.jsonl", "\n".join(lines) + "\n"))
        return written


def load_world(repo: DunningRepository, scenario: Scenario) -> None:
    """Write a scenario's starting data (not its timeline) through the same operations the API will use."""
    start = scenario.simulate.start
    settings = scenario.tenant_settings()
    admin.update_settings(repo, settings)
    for definition in scenario.templates:
        admin.define_template(repo, definition, start)
    for customer in scenario.customers:
        admin.put_customer(repo, _customer(customer))
    for agreement in scenario.agreements:
        admin.create_agreement(repo, agreement.id, agreement.customer, agreement.template, settings)
    for invoice in scenario.invoices:
        admin.create_invoice(repo, invoice.id, invoice.agreement, invoice.amount, invoice.issued, invoice.due, settings)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


def _write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def simulate(
    scenario: Scenario,
    options: SimulationOptions | None = None,
    on_day: Callable[[DayResult], None] | None = None,
) -> list[Effect]:
    """Run the whole scenario; returns every effect (with bookkeeping fields) in output order."""
    options = options or SimulationOptions()
    every: list[Effect] = []
    with LocalStack(scenario.tenant) as stack:
        simulation = Simulation(scenario, stack, options)
        simulation.load()
        for day in _days(scenario.simulate.start, scenario.simulate.end):
            result = simulation.run_day(day)
            every.extend(result.effects)
            if on_day is not None:
                on_day(result)
    return every


def effect_line(effect: Effect) -> str:
    return json.dumps(public(effect), ensure_ascii=False)
