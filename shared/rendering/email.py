"""The reminder e-mail: subject, HTML part and plain-text part.

Templates live in ``shared/templates/email`` as package data, one set per language.
They are rendered in Jinja2's immutable sandbox because tenants will later be able to
edit the wording: a template may read the values it is given, never call into Python.
Templates only place values; every amount and date arrives already formatted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from jinja2 import PackageLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment

from shared.rendering.content import ReminderContent
from shared.rendering.formatting import format_date, format_money


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """A reminder e-mail ready to hand to the mail service."""

    subject: str
    html: str
    text: str


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    # Built on first use and kept for the life of the container; loading the templates
    # at import would make every importer pay for it.
    return ImmutableSandboxedEnvironment(
        loader=PackageLoader("shared", "templates"),
        # Only HTML is escaped: the subject and text part are plain text, where "&amp;"
        # would show up literally.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _single_line(text: str) -> str:
    # Collapses every kind of whitespace, so a newline in a tenant-supplied step name can
    # neither break the subject nor inject a mail header.
    return " ".join(text.split())


def _email_context(content: ReminderContent) -> dict[str, Any]:
    """The values the e-mail templates see: plain strings and numbers, all formatted."""
    language = content.language
    fee = content.fee if content.has_fee else None

    def money(amount: Decimal) -> str:
        return format_money(amount, language, content.currency)

    return {
        "lang": language,
        "tenant_name": content.tenant_name,
        "customer_name": content.customer_name,
        "step_name": content.step_name,
        "reminder_date": format_date(content.reminder_date, language),
        "invoice_count": len(content.invoices),
        "invoices": [
            {
                "invoice_id": line.invoice_id,
                "issued": format_date(line.issued, language),
                "due": format_date(line.due, language),
                "amount": money(line.amount),
                "open_amount": money(line.open_amount),
            }
            for line in content.invoices
        ],
        "open_total": money(content.open_total),
        "fee": money(fee) if fee is not None else None,
        "is_last_step": content.is_last_step,
        "warning_deadline": format_date(content.warning_deadline, language) if content.warning_deadline else None,
    }


def render_email(content: ReminderContent) -> RenderedEmail:
    """Render the reminder e-mail in the customer's language.

    The subject is always a single line. The HTML part escapes every value, so names
    and invoice numbers can never inject markup.
    """
    env = _environment()
    context = _email_context(content)
    subject = _single_line(env.get_template(f"email/subject_{content.language}.txt.j2").render(context))
    html = env.get_template(f"email/reminder_{content.language}.html.j2").render(context, subject=subject)
    text = env.get_template(f"email/reminder_{content.language}.txt.j2").render(context)
    return RenderedEmail(subject=subject, html=html + "\n", text=text + "\n")
