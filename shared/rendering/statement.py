"""The statement of account (kontoudtog) as an e-mail: subject, HTML part and plain-text part.

Rendered like the reminder e-mail, in the same sandboxed environment and page layout
(``shared/templates/email/statement_*``), in the customer's language. The templates only
place values: amounts and dates arrive formatted, the plain-text table arrives aligned.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared.domain.money import ZERO
from shared.domain.settings import SenderSettings
from shared.domain.statement import Statement
from shared.rendering.email import RenderedEmail, _environment, _single_line
from shared.rendering.formatting import Language, format_date, format_money
from shared.rendering.tenant_mail import text_table
from shared.rendering.variables import sender_variables

# What each kind of open item is called in the letter.
_KINDS: dict[Language, dict[str, str]] = {
    "da": {
        "invoice": "Faktura",
        "credit_note": "Kreditnota",
        "payment": "Indbetaling på konto",
        "fee": "Rykkergebyr",
        "interest": "Morarente",
        "compensation": "Kompensationsbeløb",
    },
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "payment": "Payment on account",
        "fee": "Reminder fee",
        "interest": "Late-payment interest",
        "compensation": "Fixed compensation",
    },
}


_CHARGES = frozenset({"fee", "interest", "compensation"})


@dataclass(frozen=True)
class StatementLetter:
    """A statement and who it is from and for."""

    statement: Statement
    tenant_name: str
    customer_name: str
    language: Language = "da"
    sender: SenderSettings | None = None  # shown at the foot, as on every reminder; its e-mail is the Reply-To


def _context(letter: StatementLetter) -> dict[str, Any]:
    language = letter.language
    statement = letter.statement

    def money(amount: Decimal) -> str:
        return format_money(amount, language)

    rows = [
        {
            "kind": item.kind,
            "label": _KINDS[language][item.kind],
            "reference": _single_line(item.reference) or "–",
            "date": format_date(item.on, language),
            "due": format_date(item.due, language) if item.due else "",
            "amount": money(item.amount) if item.amount is not None else "",
            "open_amount": money(item.open_amount),
        }
        for item in statement.items
    ]
    return {
        "lang": language,
        "tenant_name": letter.tenant_name,
        "customer_name": letter.customer_name,
        "customer_id": statement.customer_id,
        "statement_date": format_date(statement.on, language),
        "rows": rows,
        "item_count": len(rows),
        "balance": money(statement.balance),
        "balance_is_credit": statement.balance < ZERO,
        # Said only when true of this statement: the minus sign explained where a credit is listed,
        # where fees/interest/compensation are charged only where the statement lists any.
        "has_credits": any(item.open_amount < ZERO for item in statement.items),
        "has_charges": any(item.kind in _CHARGES for item in statement.items),
        "credit_balance": money(-statement.balance),
        "owed": money(statement.owed),
        "credited": money(statement.credited),
        "columns": text_table,
        "sender": sender_variables(letter.sender, letter.tenant_name, language),
    }


def render_statement(letter: StatementLetter) -> RenderedEmail:
    """Render the statement of account in the customer's language; every value is escaped in the HTML."""
    env = _environment()
    context = _context(letter)
    language = letter.language
    subject = _single_line(env.get_template(f"email/statement_subject_{language}.txt.j2").render(context))
    html = env.get_template(f"email/statement_{language}.html.j2").render(context, subject=subject)
    text = env.get_template(f"email/statement_{language}.txt.j2").render(context)
    reply_to = letter.sender.email if letter.sender is not None else None
    return RenderedEmail(subject=subject, html=html.rstrip() + "\n", text=text.rstrip() + "\n", reply_to=reply_to)
