"""Settings: the switch, default template, Betalingsservice, respite, de-minimis, approval, checks,
report addresses, sender and ways to pay (C1–C3, O4–O12)."""

from __future__ import annotations

from typing import Any

from shared.console import services
from shared.console.app import Page, router
from shared.console.forms import form_amount
from shared.console.http import Response
from shared.console.refusals import danish_reason
from shared.errors import DunningError, Invalid

# A refusal's field (the settings' name, as the services give it) → the form's input, its label,
# what it expects. The longest matching prefix wins (``payment.bank.reg`` before ``payment.bank``).
FIELDS: dict[str, tuple[str, str, str | None]] = {
    "min_overdue_amount": ("min_overdue_amount", "settings.de_minimis", "expect.amount"),
    "write_off_below": ("write_off_below", "settings.write_off_below", "expect.amount"),
    "min_days_between_reminders": ("min_days_between_reminders", "settings.respite", "expect.days"),
    "default_template": ("default_template", "settings.default_template", "expect.template"),
    "status_report_to": ("status_report_to", "settings.status_report_to", "expect.email"),
    "notify_to": ("notify_to", "settings.notify_to", "expect.email"),
    "collection.partner_email": ("collection_partner", "settings.collection_partner", "expect.email"),
    "collection.after_days": ("collection_after_days", "settings.collection_after_days", "expect.days"),
    "bs.creditor_number": ("bs_creditor_number", "settings.bs_creditor", "expect.digits8"),
    "bs.cvr": ("bs_cvr", "settings.bs_cvr", "expect.digits8"),
    "bs.debtor_group": ("bs_debtor_group", "settings.bs_debtor_group", "expect.digits5"),
    "sender.name": ("sender_name", "settings.sender_name", None),
    "sender.cvr": ("sender_cvr", "settings.sender_cvr", "expect.digits8"),
    "sender.email": ("sender_email", "settings.sender_email", "expect.email"),
    "sender.phone": ("sender_phone", "settings.sender_phone", "expect.phone"),
    "payment.bank": ("bank_reg", "settings.bank_reg", "expect.bank"),
    "payment.bank.reg": ("bank_reg", "settings.bank_reg", "expect.digits4"),
    "payment.bank.account": ("bank_account", "settings.bank_account", "expect.account"),
    "payment.mobilepay": ("mobilepay", "settings.mobilepay", "expect.mobilepay"),
    "excluded_customers": ("excluded_customers", "settings.excluded", None),
    "check_journals": ("check_journals", "settings.check_journals", None),
}


@router.get("/settings")
def settings(page: Page) -> Response:
    current = page.settings
    templates = sorted(services.list_templates(page.repo))
    return page.render("settings.html.j2", settings=current, templates=templates, message=page.request.query.get("msg"))


def refused(page: Page, error: DunningError) -> Response:
    """The settings form again, as the operator filled it in, with the refused field named and marked."""
    field = error.field or ""
    found = max((name for name in FIELDS if field == name or field.startswith(name + ".")), key=len, default=None)
    invalid, label, expected = FIELDS[found] if found else (None, None, None)
    reason = page.t(expected) if expected else danish_reason(error, page.lang)
    return page.render(
        "settings.html.j2",
        code=422,
        settings=page.settings,
        templates=sorted(services.list_templates(page.repo)),
        form={name: values[0] for name, values in page.request.form.items() if values},
        invalid=invalid,
        problem=f"{page.t(label) if label else field or page.t('error')}: {reason}. {page.t('settings.refused')}",
    )


def _text(page: Page, name: str) -> str | None:
    value = page.request.value(name).strip()
    return value or None


def _days(page: Page, name: str, field: str, default: int) -> int:
    text = page.request.value(name).strip()
    if not text:
        return default
    if not text.isdigit():
        raise Invalid(f"expected a whole number of days, got {text!r}", field)
    return int(text)


def changes_from(page: Page, current: Any) -> dict[str, Any]:
    """The settings form as a partial update: empty fields mean "none"; the services validate the whole."""
    form = page.request
    changes: dict[str, Any] = {
        "reminders_enabled": form.value("reminders_enabled") == "true",
        "default_template": _text(page, "default_template"),
        "min_days_between_reminders": _days(page, "min_days_between_reminders", "min_days_between_reminders", 0),
        "min_overdue_amount": form_amount(form.value("min_overdue_amount")) or "0.00",
        # A list of step names (approval for some steps only) stays as it is while the box stays ticked.
        "approval_required": (current.approval_required if isinstance(current.approval_required, list) else True)
        if form.value("approval_required") == "true"
        else False,
        "excluded_customers": [c.strip() for c in form.value("excluded_customers").split(",") if c.strip()],
        "settle_open_items": form.value("settle_open_items") == "true",
        "reverse_fees_when_paid": form.value("reverse_fees_when_paid") == "true",
        "write_off_below": form_amount(form.value("write_off_below")),
        "check_bank_connections": form.value("check_bank_connections") == "true",
        "check_journals": [j.strip() for j in form.value("check_journals").split(",") if j.strip()],
        "status_report_to": _text(page, "status_report_to"),
        "notify_to": _text(page, "notify_to"),
        "bs": {
            "enabled": form.value("bs_enabled") == "true",
            "creditor_number": _text(page, "bs_creditor_number"),
            "cvr": _text(page, "bs_cvr") or current.bs.cvr,
            "debtor_group": _text(page, "bs_debtor_group") or current.bs.debtor_group,
        },
    }
    partner = _text(page, "collection_partner")
    changes["collection"] = (
        {"after_days": _days(page, "collection_after_days", "collection.after_days", 14), "partner_email": partner}
        if partner
        else None
    )
    sender_name = _text(page, "sender_name")
    if sender_name:
        sender = current.sender.model_dump(mode="json") if current.sender else {}
        changes["sender"] = sender | {
            "name": sender_name,
            "cvr": _text(page, "sender_cvr"),
            "email": _text(page, "sender_email"),
            "phone": _text(page, "sender_phone"),
        }
    payment = current.payment.model_dump(mode="json", exclude_none=True) if current.payment else {}
    reg, account = _text(page, "bank_reg"), _text(page, "bank_account")
    payment.pop("bank", None)
    if reg or account:
        payment["bank"] = {"reg": reg or "", "account": account or ""}
    mobilepay = _text(page, "mobilepay")
    payment.pop("mobilepay", None)
    if mobilepay:
        payment["mobilepay"] = mobilepay
    changes["payment"] = payment or None
    return changes


def _names_exist(page: Page, changes: dict[str, Any]) -> None:
    """A customer to exclude or a journal to check must exist: a typo here would abort every run
    (O4) until someone noticed — refused when typed instead, naming what was not found."""
    repo = page.repo
    for customer in changes["excluded_customers"]:
        if customer not in current_names(page, "excluded_customers") and repo.get_customer(customer) is None:
            raise Invalid(f"customer {customer!r} does not exist", "excluded_customers")
    for journal in changes["check_journals"]:
        if journal not in current_names(page, "check_journals") and not repo.journal_exists(journal):
            raise Invalid(f"journal {journal!r} does not exist", "check_journals")


def current_names(page: Page, field: str) -> list[str]:
    """What is stored already is not questioned again (a customer deleted since is the run's to report)."""
    return list(getattr(page.settings, field))


@router.post("/settings")
def save(page: Page) -> Response:
    current = page.settings
    try:
        changes = changes_from(page, current)
        _names_exist(page, changes)
        services.change_settings(page.repo, page.console.tenant, changes, page.actor)
    except DunningError as error:  # nothing was stored: the form again, with what was typed
        return refused(page, error)
    return page.back("/settings", page.t("settings.saved"))
