"""Rykker > Konfiguration: every template and version, which agreements and invoices use it, a new
version with its texts, and a step previewed for a customer (C5, C8)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import ValidationError

from shared.console import services
from shared.console.app import Page, router
from shared.console.forms import form_amount
from shared.console.http import Response, quoted
from shared.console.refusals import text_problem
from shared.domain.templates import Step, TemplateDefinition
from shared.errors import DunningError, Invalid

SIMPLE_ACTIONS = ("email", "sms", "statement", "bs")


@router.get("/templates")
def templates(page: Page) -> Response:
    found = services.list_templates(page.repo)
    return page.render("templates.html.j2", templates=sorted(found.items()))


@router.get("/templates/<name>")
def template(page: Page, name: str) -> Response:
    return _template_page(page, name)


def _template_page(
    page: Page, name: str, rows: list[dict[str, Any]] | None = None, problem: str | None = None, code: int = 200
) -> Response:
    """The template's page; after a refused new version, with the form's ``rows`` as typed and the ``problem``."""
    versions = services.get_template(page.repo, name)
    usage = {u.version_id: u for u in services.template_usage(page.repo, name)}
    latest = versions[-1].version
    preview = None
    if page.request.query.get("step"):
        shown = services.preview.preview_step(
            page.repo,
            page.settings,
            page.request.query.get("version") or latest.version_id,
            _step_number(page.request.query["step"]),
            page.now.date(),
            page.request.query.get("customer") or None,
            _language(page.request.query.get("language")),
        )
        preview = shown
    customers = sorted(c.customer_id for c in page.repo.list_customers())
    return page.render(
        "template.html.j2",
        name=name,
        versions=list(reversed(versions)),
        usage=usage,
        latest=latest,
        rows=rows if rows is not None else [*_rows(latest.steps), _empty_row()],
        problem=problem,
        code=code,
        preview=preview,
        customers=customers,
        request_language=page.request.query.get("language", ""),
        message=page.request.query.get("msg"),
    )


def _step_number(text: str) -> int:
    """The preview's ``step`` as a number (an address typed by hand may hold anything)."""
    try:
        return int(text)
    except ValueError:
        raise Invalid(f"expected a step number, got {text!r}", "step") from None


def _language(chosen: str | None) -> Literal["da", "en"] | None:
    """The language asked for, or None: the customer's own."""
    return "en" if chosen == "en" else "da" if chosen == "da" else None


def _empty_row() -> dict[str, Any]:
    return {"name": "", "days": "", "actions": [], "fee": "", "subject": "", "body": ""}


def _rows(steps: Sequence[Any]) -> list[dict[str, Any]]:
    rows = []
    for step in steps:
        texts = (step.texts or {}).get("da")
        rows.append(
            {
                "name": step.name,
                "days": step.days,
                "actions": step.action_kinds,
                "fee": "" if step.fee is None else f"{step.fee:.2f}".replace(".", ","),
                "subject": (texts.subject if texts else None) or "",
                "body": (texts.body if texts else None) or "",
            }
        )
    return rows


def _unshown_parts(step: Step) -> dict[str, Any]:
    """What the form does not show of a step, kept as it is in the next version: the collection
    warning, interest and compensation, the English texts, the Danish SMS text."""
    dumped = step.model_dump(mode="json", exclude_none=True)
    parts: dict[str, Any] = {}
    if step.inkassovarsel:
        parts["inkassovarsel"] = True
    parts["actions"] = [a for a in dumped["actions"] if isinstance(a, dict) and "fee" not in a]
    texts = dumped.get("texts") or {}
    kept = {k: v for k, v in texts.items() if k != "da"} | (
        {"da": {"sms": texts["da"]["sms"]}} if texts.get("da", {}).get("sms") else {}
    )
    if kept:
        parts["texts"] = kept
    return parts


def definition_from(page: Page, name: str) -> TemplateDefinition:
    """The new-version form as a definition: one row per step, empty rows left out. A row that
    stands for a step of the latest version keeps what the form does not show of it."""
    form = page.request
    latest = page.repo.latest_template(name)
    shown_steps = list(latest.steps) if latest is not None else []
    steps = []
    for index in range(int(form.value("rows") or 0)):
        step_name = form.value(f"name_{index}").strip()
        if not step_name:
            continue
        actions: list[Any] = [a for a in SIMPLE_ACTIONS if form.value(f"{a}_{index}") == "true"]
        fee = form_amount(form.value(f"fee_{index}"))
        if fee:
            try:
                actions.append({"fee": str(Decimal(fee).quantize(Decimal("0.01")))})
            except InvalidOperation:
                raise Invalid(f"expected an amount such as 100,00, got {fee!r}", f"steps[{index}].fee") from None
        unshown = _unshown_parts(shown_steps[index]) if index < len(shown_steps) else {}
        actions += unshown.pop("actions", [])
        step: dict[str, Any] = {"name": step_name, "days": int(form.value(f"days_{index}") or 0), "actions": actions}
        step |= unshown
        texts = {k: form.value(f"{k}_{index}").strip() for k in ("subject", "body")}
        if any(texts.values()):
            step_texts = step.setdefault("texts", {})
            step_texts["da"] = step_texts.get("da", {}) | {k: v for k, v in texts.items() if v}
        steps.append(step)
    try:
        return TemplateDefinition.model_validate({"name": name, "steps": steps})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Invalid(str(first["msg"]), where or "steps") from None


def _typed_rows(page: Page) -> list[dict[str, Any]]:
    """The new-version form's rows as the operator typed them (to show a refused form again)."""
    form = page.request
    return [
        {
            "name": form.value(f"name_{index}"),
            "days": form.value(f"days_{index}"),
            "actions": [a for a in SIMPLE_ACTIONS if form.value(f"{a}_{index}") == "true"],
            "fee": form.value(f"fee_{index}"),
            "subject": form.value(f"subject_{index}"),
            "body": form.value(f"body_{index}"),
        }
        for index in range(int(form.value("rows") or 0))
    ]


# A refused step's field → the form's label; the law's refusals in the operator's words.
_STEP_FIELDS = {
    "name": "template.step_name",
    "days": "template.days",
    "fee": "template.fee",
    "actions": "template.actions",
    "texts.da.subject": "template.subject_da",
    "texts.da.body": "template.body_da",
}
_EXPECTED = {"fee": "expect.amount", "days": "expect.days", "actions": "expect.action", "name": "expect.step_name"}


def _problem(page: Page, error: DunningError) -> str:
    """``Trin 2, Gebyr (kr.): <what is wrong>. Intet er gemt …`` — the step as the form numbers it.

    The services name a step ``steps[1].actions``, the form's own check ``steps.1.actions``."""
    field = error.field or ""
    found = re.fullmatch(r"steps(?:\[(\d+)\]|\.(\d+))\.?(.*)", field)
    part = found.group(3) if found else ""
    law = error.code == "refused_by_law"
    where = field or page.t("error")
    if found:
        label = "template.fee" if law else _STEP_FIELDS.get(part)
        number = int(found.group(1) or found.group(2)) + 1
        where = f"{page.t('proposal.step')} {number}" + (f", {page.t(label)}" if label else "")
    elif field == "steps":
        where = page.t("template.steps")
    if law:
        reason = page.t("template.fee_cap" if found else "template.fee_count")
    elif part in _EXPECTED:
        reason = page.t(_EXPECTED[part])
    elif field == "steps":
        reason = page.t("expect.steps")
    else:
        reason = text_problem(error.reason.removeprefix("Value error, "), page.lang)
    return f"{where}: {reason}. {page.t('settings.refused')}"


@router.post("/templates/<name>/versions")
def define(page: Page, name: str) -> Response:
    settings = page.settings
    try:
        result = services.define_template(
            page.repo, definition_from(page, name), page.now.date(), settings.b2b_contractual_fees, actor=page.actor
        )
    except DunningError as error:  # nothing was defined: the form again, as typed
        return _template_page(page, name, _typed_rows(page), _problem(page, error), code=422)
    message = page.t("template.defined", version=result.version.version_id, outcome=page.t(f"outcome.{result.outcome}"))
    return page.back(f"/templates/{quoted(name)}", message)
