"""Reading and checking a scenario file for ``dunning simulate``.

The whole file is validated before anything runs — types (``scenario_model.py``), then every
reference in timeline order — so a bad file is refused with one clear message
(``file: path: what was expected``) and nothing is half-run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dunning.scenario_model import AgreementIn, CustomersChoice, Scenario, TimelineEntry
from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateDefinition, split_version_id
from shared.services.tenant.templates import definition_problem

__all__ = ["Scenario", "ScenarioError", "TimelineEntry", "load_scenario"]


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is reported at its field, not by the parser."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)  # type: ignore[type-var]


class ScenarioError(ValueError):
    """A scenario that cannot run; the message names the file, the field and what was expected."""


def _path(loc: tuple[int | str, ...]) -> str:
    """('invoices', 3, 'due') -> 'invoices[3].due'; drops pydantic's union-member tags."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[a-z_][a-z0-9_]*", part):
            text += f".{part}" if text else part
    return text or "(top level)"


def _first_error(error: ValidationError, prefix: tuple[int | str, ...] = ()) -> str:
    problem = error.errors()[0]
    message = problem["msg"].removeprefix("Value error, ")
    if problem["type"] == "extra_forbidden":
        message = "unknown field (not in the scenario format)"
    elif "actions" in problem["loc"] and problem["type"] in {"literal_error", "model_type", "dict_type"}:
        # instead of one error per union member
        message = 'expected one of email, sms, bs, {fee: "100.00"}, {interest: true} or {compensation: true}'
    return f"{_path(prefix + tuple(problem['loc']))}: {message}"


def load_scenario(path: Path) -> Scenario:
    """Read, validate and cross-check a scenario; raises :class:`ScenarioError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read the file: {error.strerror}") from None
    try:
        raw = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Loader)
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        raise ScenarioError(f"{path}: not valid YAML/JSON: {error}") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: expected a mapping with tenant, settings, templates, … at the top")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(f"{path}: {_first_error(error)}") from None
    try:
        settings = scenario.tenant_settings()
    except ValidationError as error:
        raise ScenarioError(f"{path}: {_first_error(error, ('settings',))}") from None
    problem = _check_references(scenario, settings)
    if problem:
        raise ScenarioError(f"{path}: {problem}")
    return scenario


def _check_references(scenario: Scenario, settings: TenantSettings) -> str | None:
    """Walk the scenario in time order and return the first dangling or duplicate reference."""
    templates: dict[str, int] = {}  # name -> versions that can exist (upper bound)
    journals = {journal.name for journal in scenario.journals}
    customers: set[str] = set()
    agreements: set[str] = set()
    invoices: set[str] = set()

    def template_known(reference: str) -> bool:
        versioned = split_version_id(reference)
        if versioned is None:
            return reference in templates
        return versioned[0] in templates and versioned[1] <= templates[versioned[0]]

    def add_template(definition: TemplateDefinition, where: str) -> str | None:
        if (problem := definition_problem(definition, settings.b2b_contractual_fees)) is not None:
            return f"{where}.{problem.field}: {problem.reason}"
        templates[definition.name] = templates.get(definition.name, 0) + 1
        return None

    def add(kind: str, seen: set[str], new_id: str, where: str) -> str | None:
        if new_id in seen:
            return f"{where}.id: duplicate {kind} id {new_id!r}"
        seen.add(new_id)
        return None

    for index, definition in enumerate(scenario.templates):
        if definition.name in templates:
            return (
                f"templates[{index}].name: template {definition.name!r} is defined twice; "
                "put later versions in the timeline"
            )
        if problem := add_template(definition, f"templates[{index}]"):
            return problem
    if settings.default_template and not template_known(settings.default_template):
        return f"settings.default_template: unknown template {settings.default_template!r}"
    for index, customer in enumerate(scenario.customers):
        if problem := add("customer", customers, customer.id, f"customers[{index}]"):
            return problem
    for index, agreement in enumerate(scenario.agreements):
        if problem := _check_agreement(
            agreement, f"agreements[{index}]", customers, template_known, settings.default_template
        ):
            return problem
        agreements.add(agreement.id)
    for index, invoice in enumerate(scenario.invoices):
        if problem := add("invoice", invoices, invoice.id, f"invoices[{index}]"):
            return problem
        if invoice.agreement not in agreements:
            return f"invoices[{index}].agreement: unknown agreement {invoice.agreement!r}"

    default = settings.default_template
    ordered = sorted(enumerate(scenario.timeline), key=lambda pair: (pair[1].date, pair[1].time or dt.time(0)))
    for index, entry in ordered:
        where = f"timeline[{index}]"
        if not scenario.simulate.start <= entry.date <= scenario.simulate.end:
            return f"{where}.date: {entry.date} is outside simulate.start … simulate.end"
        if entry.customer is not None:
            if problem := add("customer", customers, entry.customer.id, f"{where}.customer"):
                return problem
        elif entry.agreement is not None:
            if entry.agreement.id in agreements:
                return f"{where}.agreement.id: duplicate agreement id {entry.agreement.id!r}"
            if problem := _check_agreement(entry.agreement, f"{where}.agreement", customers, template_known, default):
                return problem
            agreements.add(entry.agreement.id)
        elif entry.invoice is not None:
            if problem := add("invoice", invoices, entry.invoice.id, f"{where}.invoice"):
                return problem
            if entry.invoice.agreement not in agreements:
                return f"{where}.invoice.agreement: unknown agreement {entry.invoice.agreement!r}"
        elif entry.payment is not None or entry.credit_note is not None:
            kind = "payment" if entry.payment is not None else "credit_note"
            target = entry.payment or entry.credit_note
            assert target is not None
            if target.invoice is not None and target.invoice not in invoices:
                return f"{where}.{kind}.invoice: unknown invoice {target.invoice!r}"
            if target.customer is not None and target.customer not in customers:
                return f"{where}.{kind}.customer: unknown customer {target.customer!r}"
        elif entry.journal_entry is not None:
            if entry.journal_entry.journal not in journals:
                return f"{where}.journal_entry.journal: unknown journal {entry.journal_entry.journal!r}"
            if entry.journal_entry.customer not in customers:
                return f"{where}.journal_entry.customer: unknown customer {entry.journal_entry.customer!r}"
        elif entry.post_journal is not None:
            if entry.post_journal not in journals:
                return f"{where}.post_journal: unknown journal {entry.post_journal!r}"
        elif (decision := entry.approve or entry.reject) is not None and decision != "all":
            assert isinstance(decision, CustomersChoice)
            for position, customer_id in enumerate(decision.customers):
                if customer_id not in customers:
                    return f"{where}.{entry.kind}.customers[{position}]: unknown customer {customer_id!r}"
        elif entry.template is not None:
            if problem := add_template(entry.template, f"{where}.template"):
                return problem
        elif (disputed := entry.dispute or entry.dispute_resolved) is not None:
            if disputed.invoice not in invoices:
                return f"{where}.{entry.kind}.invoice: unknown invoice {disputed.invoice!r}"
        elif entry.assign_template is not None:
            if not template_known(entry.assign_template.template):
                return f"{where}.assign_template.template: unknown template {entry.assign_template.template!r}"
            chosen = entry.assign_template.agreements
            for position, agreement_id in enumerate([] if chosen == "all" else chosen):
                if agreement_id not in agreements:
                    return f"{where}.assign_template.agreements[{position}]: unknown agreement {agreement_id!r}"
        elif entry.settings is not None:
            if "tenant" in entry.settings:
                return f"{where}.settings.tenant: the tenant id cannot change"
            try:
                settings = settings.updated(entry.settings)
            except ValidationError as error:
                return _first_error(error, ("timeline", index, "settings"))
            default = settings.default_template
            if default and not template_known(default):
                return f"{where}.settings.default_template: unknown template {default!r}"
    return None


def _check_agreement(
    agreement: AgreementIn, where: str, customers: set[str], template_known: Any, default: str | None
) -> str | None:
    if agreement.customer not in customers:
        return f"{where}.customer: unknown customer {agreement.customer!r}"
    if agreement.template is not None and not template_known(agreement.template):
        return f"{where}.template: unknown template {agreement.template!r}"
    if agreement.template is None and not default:
        return f"{where}.template: no template given and settings.default_template is not set"
    return None
