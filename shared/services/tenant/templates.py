"""Templates and their versions (C5, C8): list, define, replace the unused latest, and where each is used."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from shared.domain.danish_rules import template_fee_problem
from shared.domain.templates import Step, TemplateDefinition, TemplateVersion, decide_version
from shared.errors import AlreadyExists, Conflict, DunningError, Invalid, NotFound, RefusedByLaw
from shared.services.tenant.common import invalid_from, resolve_template
from shared.storage.protocols import Store

if TYPE_CHECKING:  # the text checks bring Jinja2's sandbox: imported where a definition is checked
    from shared.rendering.tenant_texts import SmsSegments


@dataclass(frozen=True)
class VersionView:
    version: TemplateVersion
    created_on: str


@dataclass(frozen=True)
class DefineResult:
    version: TemplateVersion
    outcome: Literal["created", "replaced", "unchanged"]
    sms: list[SmsSegments] = field(default_factory=list)
    """Each step's own SMS text per language: what it costs, rendered with the sample values."""


def list_templates(repo: Store) -> dict[str, list[VersionView]]:
    """Every template with all its versions (oldest first)."""
    templates: dict[str, list[VersionView]] = {}
    for version, created_on in repo.all_template_versions():
        templates.setdefault(version.name, []).append(VersionView(version, created_on))
    return templates


def get_template(repo: Store, name: str) -> list[VersionView]:
    """All versions of one template, oldest first."""
    versions = [VersionView(v, created) for v, created in repo.template_versions(name)]
    if not versions:
        raise NotFound(f"template {name!r} does not exist", "name")
    return versions


def get_version(repo: Store, name: str, number: int) -> VersionView:
    """One version of a template."""
    for view in get_template(repo, name):
        if view.version.number == number:
            return view
    raise NotFound(f"template {name!r} has no version {number}", "number")


def definition_problem(definition: TemplateDefinition, b2b_contractual_fees: bool = False) -> DunningError | None:
    """What keeps a definition from being defined, naming the field — None when nothing does.

    :class:`RefusedByLaw` (renteloven § 9 b) for a fee above 100.00 (``steps[i].actions``) unless
    the tenant has agreed higher fees with business customers, or for more than 3 steps with a
    fee (``steps``); :class:`Invalid` (``steps[j].texts.da.body``) when a step's own text does not
    compile, reads an unknown variable or passes a limit. ``dunning simulate`` checks a scenario's
    templates with it before anything runs.
    """
    fees = [(step.name, step.fee) for step in definition.steps]
    for index, fee in enumerate(fees):
        if problem := template_fee_problem([fee], b2b_contractual_fees):
            return RefusedByLaw(f"template {definition.name!r}: {problem}", f"steps[{index}].actions")
    if problem := template_fee_problem(fees, b2b_contractual_fees):
        return RefusedByLaw(f"template {definition.name!r}: {problem}", "steps")
    from shared.rendering.tenant_texts import TextError, validate_template_texts

    try:
        validate_template_texts(definition.steps)
    except TextError as error:
        return Invalid(error.expected, error.field)
    return None


def define_template(
    repo: Store,
    definition: TemplateDefinition,
    today: date,
    b2b_contractual_fees: bool = False,
    *,
    actor: str,
) -> DefineResult:
    """C8: create version 1, replace an unused latest version, or add the next version.

    Refused as :func:`definition_problem` says (fees above Danish law's caps, texts that do not compile).
    """
    if (problem := definition_problem(definition, b2b_contractual_fees)) is not None:
        raise problem
    from shared.rendering.tenant_texts import template_sms_segments

    latest = repo.latest_template(definition.name)
    decision = decide_version(definition, latest)
    if decision.unchanged and latest is not None:
        return DefineResult(latest, "unchanged", template_sms_segments(latest.steps))
    version = TemplateVersion(name=definition.name, number=decision.number, steps=tuple(definition.steps))
    try:
        repo.save_template_version(version, created_on=today, replace=not decision.creates_new_version)
    except AlreadyExists as error:  # a run used the version between our read and our write
        raise Conflict(f"{error}; send the definition again to create the next version", "steps") from error
    repo.note_actor("template", version.version_id, "defined_by", actor)
    outcome: Literal["created", "replaced"] = "created" if decision.creates_new_version else "replaced"
    return DefineResult(version, outcome, template_sms_segments(version.steps))


def replace_version(
    repo: Store,
    name: str,
    number: int,
    steps: list[Step],
    today: date,
    b2b_contractual_fees: bool = False,
    *,
    actor: str,
) -> DefineResult:
    """Edit one version in place: only the latest, and only while no reminder has used it."""
    view = get_version(repo, name, number)
    latest = get_template(repo, name)[-1].version
    if view.version.used:
        raise Conflict(
            f"{view.version.version_id} has been used by a reminder and never changes (C8); "
            f"define the template again (POST /templates) to create version {latest.number + 1}",
            "number",
        )
    if number != latest.number:
        raise Conflict(f"only the latest version ({latest.version_id}) can be replaced", "number")
    try:
        definition = TemplateDefinition(name=name, steps=steps)
    except ValidationError as error:
        raise invalid_from(error) from error
    return define_template(repo, definition, today, b2b_contractual_fees, actor=actor)


@dataclass
class VersionUsage:
    version_id: str
    used: bool
    default: bool
    agreements: list[str] = field(default_factory=list)
    sales: list[str] = field(default_factory=list)
    invoices_in_process: list[str] = field(default_factory=list)


def template_usage(repo: Store, name: str) -> list[VersionUsage]:
    """Which agreements, sales and invoices (still waiting for a step) use each version.

    Invoices come from the sparse due-index (only invoices in process are in it), so
    this reads what is running, never the whole invoice history.
    """
    versions = get_template(repo, name)
    settings = repo.get_settings()
    default_id = None
    if settings is not None and settings.default_template is not None:
        try:
            default_id = resolve_template(repo, settings.default_template)
        except Invalid:
            default_id = None
    usage = {
        v.version.version_id: VersionUsage(v.version.version_id, v.version.used, v.version.version_id == default_id)
        for v in versions
    }
    for agreement in repo.list_agreements():
        if agreement.template_version in usage:
            usage[agreement.template_version].agreements.append(agreement.agreement_id)
    for sale in repo.list_sales():
        if sale["template"] in usage:
            usage[sale["template"]].sales.append(sale["id"])
    for invoice in repo.waiting_invoices():
        if invoice.template_version in usage:
            usage[invoice.template_version].invoices_in_process.append(invoice.invoice_id)
    for entry in usage.values():
        entry.invoices_in_process.sort()
    return list(usage.values())
