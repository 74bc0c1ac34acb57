"""Why an invoice was or was not reminded, in words a bookkeeper reads: paid, disputed, the customer
excluded, below the de-minimis threshold, reminders switched off, a proposal waiting for approval,
no steps left, or the date of its next step (which respite may have pushed)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from shared.console.texts import Lang
from shared.domain.planning import InvoiceState, next_step_on
from shared.domain.settings import TenantSettings
from shared.rendering.formatting import format_date, format_money
from shared.storage.protocols import Store

if TYPE_CHECKING:
    from shared.services.approval import Proposal

UNTIL_RESOLVED = 9999


def why_not(
    repo: Store, settings: TenantSettings, invoice: InvoiceState, status: str, now: datetime, lang: Lang
) -> list[str]:
    """Every reason that holds today, most decisive first."""
    da = lang == "da"
    today = now.astimezone(settings.zone).date()
    reasons: list[str] = []
    if invoice.is_paid or status in ("paid", "closed", "settled", "written_off"):
        return ["Fakturaen er betalt – der rykkes ikke mere." if da else "The invoice is paid: no more reminders."]
    if not settings.reminders_enabled:
        reasons.append("»Afsend rykkere« er slået fra." if da else "'Send reminders' is switched off.")
    if invoice.disputed_until is not None and invoice.disputed_until >= today:
        if invoice.disputed_until.year == UNTIL_RESOLVED:
            reasons.append("Kunden gør indsigelse (indtil den er afklaret)." if da else "Disputed until resolved.")
        else:
            until = format_date(invoice.disputed_until, lang)
            reasons.append(f"Kunden gør indsigelse til {until}." if da else f"Disputed until {until}.")
    if invoice.customer_id in settings.excluded_customers:
        reasons.append("Kunden er undtaget fra rykkere." if da else "The customer is excluded from reminders.")
    customer_open = sum((i.open_amount for i in repo.open_invoices(invoice.customer_id)), Decimal("0"))
    if settings.min_overdue_amount > 0 and customer_open < settings.min_overdue_amount:
        limit = format_money(settings.min_overdue_amount, lang)
        reasons.append(
            f"Kundens forfaldne beløb er under bagatelgrænsen ({limit})."
            if da
            else f"The customer's overdue total is below the de-minimis threshold ({limit})."
        )
    waiting = _proposal_of(repo, invoice.invoice_id)
    if waiting is not None:
        since = format_date(date.fromisoformat(waiting.proposed_on[:10]), lang)
        what = waiting.step if waiting.kind != "collection" else ("inkassosagen" if da else "the collection case")
        reasons.append(
            f"{what} er foreslået {since} og venter på godkendelse (Godkendelse)."
            if da
            else f"{what} was proposed on {since} and waits for approval (Approval)."
        )
        return reasons
    template = repo.get_template(invoice.template_version)
    collection_days = settings.collection.after_days if settings.collection else None
    upcoming = next_step_on(invoice, template, settings.min_days_between_reminders, collection_days)
    if upcoming is None:
        reasons.append("Alle rykkertrin er sendt." if da else "Every step of its template has been sent.")
    else:
        step = min(invoice.steps_done + 1, template.step_count)
        when = format_date(upcoming, lang)
        respite = (
            f" (mindst {settings.min_days_between_reminders} dages respit)"
            if da and settings.min_days_between_reminders and invoice.steps_done
            else ""
        )
        if upcoming > today:
            reasons.append(
                f"Næste trin ({step}) er tidligst {when}{respite}." if da else f"Next step ({step}) is due {when}."
            )
        elif not reasons:
            reasons.append(
                f"Trin {step} er forfaldent siden {when} og sendes ved næste kørsel."
                if da
                else f"Step {step} is due since {when}: the next run sends it."
            )
    return reasons


def _proposal_of(repo: Store, invoice_id: str) -> Proposal | None:
    """The pending proposal (a reminder or a collection case) the invoice is part of, if any."""
    from shared.services import approval

    return next((p for p in approval.list_proposals(repo) if invoice_id in p.invoices), None)
