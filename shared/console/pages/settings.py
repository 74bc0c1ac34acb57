"""Settings: the switch, default template, Betalingsservice, respite, de-minimis, approval, checks,
report addresses, sender and ways to pay (C1–C3, O4–O12)."""

from __future__ import annotations

from typing import Any

from shared.console import services
from shared.console.app import Page, router
from shared.console.http import Response


@router.get("/settings")
def settings(page: Page) -> Response:
    current = page.settings
    templates = sorted(services.list_templates(page.repo))
    return page.render("settings.html.j2", settings=current, templates=templates, message=page.request.query.get("msg"))


def _text(page: Page, name: str) -> str | None:
    value = page.request.value(name).strip()
    return value or None


def changes_from(page: Page, current: Any) -> dict[str, Any]:
    """The settings form as a partial update: empty fields mean "none"; the services validate the whole."""
    form = page.request
    changes: dict[str, Any] = {
        "reminders_enabled": form.value("reminders_enabled") == "true",
        "default_template": _text(page, "default_template"),
        "min_days_between_reminders": int(form.value("min_days_between_reminders") or 0),
        "min_overdue_amount": form.value("min_overdue_amount").replace(",", ".").strip() or "0.00",
        # A list of step names (approval for some steps only) stays as it is while the box stays ticked.
        "approval_required": (current.approval_required if isinstance(current.approval_required, list) else True)
        if form.value("approval_required") == "true"
        else False,
        "excluded_customers": [c.strip() for c in form.value("excluded_customers").split(",") if c.strip()],
        "settle_open_items": form.value("settle_open_items") == "true",
        "reverse_fees_when_paid": form.value("reverse_fees_when_paid") == "true",
        "write_off_below": form.value("write_off_below").replace(",", ".").strip() or None,
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
        {"after_days": int(form.value("collection_after_days") or 14), "partner_email": partner} if partner else None
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


@router.post("/settings")
def save(page: Page) -> Response:
    current = page.settings
    services.change_settings(page.repo, page.console.tenant, changes_from(page, current), page.actor)
    return page.back("/settings", page.t("settings.saved"))
