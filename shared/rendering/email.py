"""The reminder e-mail: subject, HTML part and plain-text part.

Templates live in ``shared/templates/email`` as package data, one set per language.
They are rendered in Jinja2's immutable sandbox because tenants will later be able to
edit the wording: a template may read the values it is given, never call into Python.
Templates only place values; every amount and date arrives already formatted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from shared.rendering.content import ReminderContent
from shared.rendering.formatting import Language, format_date, format_money
from shared.rendering.variables import claim_lines, tenant_text, text_variables

if TYPE_CHECKING:  # Jinja2 is imported where a letter is rendered: an importer that never renders does not pay for it
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from markupsafe import Markup


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """A reminder e-mail ready to hand to the mail service."""

    subject: str
    html: str
    text: str
    reply_to: str | None = None


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    # Built on first use and kept for the life of the container; loading the templates
    # at import would make every importer pay for it.
    from jinja2 import PackageLoader, StrictUndefined, select_autoescape
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        loader=PackageLoader("shared", "templates"),
        # Only HTML is escaped: the subject and text part are plain text, where "&amp;"
        # would show up literally.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["whole"] = whole
    return env


def whole(value: str) -> Markup:
    """An amount or date kept on one line in HTML ("1.250,00 kr.", "26. marts 2026"): a phone would
    otherwise break "kr." or "marts 2026" onto the next line. The value is escaped."""
    from markupsafe import Markup

    return Markup('<span style="white-space:nowrap;">{}</span>').format(value)


def _single_line(text: str) -> str:
    # Collapses every kind of whitespace, so a newline in a tenant-supplied step name can
    # neither break the subject nor inject a mail header.
    return " ".join(text.split())


PAY_LABELS: dict[str, dict[str, str]] = {
    "da": {
        "bank": "Bankoverførsel",
        "bank_note": "skriv referencen {reference} i tekstfeltet",
        "iban": "Fra udlandet",
        "fi": "Indbetalingskort",
        "fi_note": "indtast kodelinjen under indbetalingskort i din netbank",
        "mobilepay": "MobilePay",
        "mobilepay_note": "skriv referencen {reference} i kommentarfeltet",
        "link": "Betal online",
        "reference": "Reference",
        "reference_note": "oplys den, når du betaler",
    },
    "en": {
        "bank": "Bank transfer (Denmark)",
        "bank_note": "write the reference {reference} in the transfer text",
        "iban": "From abroad",
        "fi": "Payment slip (FI)",
        "fi_note": "enter the code line in your online bank",
        "mobilepay": "MobilePay",
        "mobilepay_note": "write the reference {reference} in the comment",
        "link": "Pay online",
        "reference": "Reference",
        "reference_note": "please quote it when you pay",
    },
}
HEADINGS: dict[str, dict[str, str]] = {
    "da": {"warning": "Inkassovarsel", "first": "Påmindelse om betaling"},
    "en": {"warning": "Debt collection warning", "first": "Payment reminder", "later": "Reminder"},
}


CHARGE_WORDS: dict[str, dict[str, str]] = {
    "da": {
        "interest": "morarente på {} (renteloven § 5)",
        "compensation": "et kompensationsbeløb på {} (renteloven § 9 a, stk. 3)",
        "and": " og ",
        "lead": "For den forsinkede betaling opkræver vi {}.",
        "lead_after_fee": "For den forsinkede betaling opkræver vi desuden {}.",
        "one": "Beløbet skal ikke betales nu – det kommer på din næste faktura.",
        "more": "Beløbene skal ikke betales nu – de kommer på din næste faktura.",
    },
    "en": {
        "interest": "late-payment interest of {} (Danish Interest Act, section 5)",
        "compensation": "a fixed compensation of {} (Danish Interest Act, section 9 a(3))",
        "and": " and ",
        "lead": "For the late payment we charge {}.",
        "lead_after_fee": "For the late payment we also charge {}.",
        "one": "It is not to be paid now – it will be added to your next invoice.",
        "more": "They are not to be paid now – they will be added to your next invoice.",
    },
}


def charges_sentence(content: ReminderContent, *, html: bool = False) -> str | Markup | None:
    """What this step bills besides the fee (interest, the B2B compensation), with the law and that it
    comes on the next invoice; None when it bills nothing more. The fee has its own sentence."""
    words = CHARGE_WORDS[content.language]
    items = [
        _keep(words[kind], format_money(amount, content.language, content.currency), html)
        for kind, amount in content.step_charges
    ]
    if not items:
        return None
    lead = words["lead_after_fee"] if content.has_fee else words["lead"]
    tail = words["one"] if len(items) == 1 else words["more"]
    if html:  # each amount kept whole (see whole()); the words are the product's own
        from markupsafe import Markup

        return Markup(f"{lead} {tail}").format(Markup(words["and"]).join(items))
    return f"{lead.format(words['and'].join(items))} {tail}"


def _keep(pattern: str, amount: str, html: bool) -> str:
    if html:
        from markupsafe import Markup

        return Markup(pattern).format(whole(amount))
    return pattern.format(amount)


def pay_rows(language: Language, payment: dict[str, str | None], reference: str) -> list[dict[str, Any]]:
    """Each way to pay the tenant gives, as label/value/note rows (the reference always last)."""
    labels = PAY_LABELS[language]
    rows: list[dict[str, Any]] = []
    if payment["bank"]:
        rows.append(
            {"label": labels["bank"], "value": payment["bank"], "note": labels["bank_note"].format(reference=reference)}
        )
    if payment["iban"]:
        # The BIC under the IBAN: on one line they broke apart on a phone ("BIC" / "DABADKKK").
        rows.append({"label": labels["iban"], "value": f"IBAN {payment['iban']}", "note": f"BIC {payment['bic']}"})
    if payment["fi"]:
        rows.append({"label": labels["fi"], "value": payment["fi"], "note": labels["fi_note"], "mono": True})
    if payment["mobilepay"]:
        rows.append(
            {
                "label": labels["mobilepay"],
                "value": payment["mobilepay"],
                "note": labels["mobilepay_note"].format(reference=reference),
            }
        )
    if payment["link"]:
        rows.append({"label": labels["link"], "value": payment["link"], "note": None, "href": payment["link"]})
    rows.append({"label": labels["reference"], "value": reference, "note": labels["reference_note"], "mono": True})
    return [{"note": None, "href": None, "mono": False} | row for row in rows]


def _paragraphs_html(html: str) -> Markup:
    from markupsafe import Markup

    """A tenant's (already escaped) text as HTML paragraphs: blank lines part them, a line break stays one."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", html.replace("\r\n", "\n")) if part.strip()]
    return Markup("\n".join(f'<p style="margin:0 0 16px;">{part.replace(chr(10), "<br>")}</p>' for part in paragraphs))


def _email_context(content: ReminderContent) -> dict[str, Any]:
    """The values the e-mail templates see: the tenant texts' variables plus the letter's own."""
    language = content.language
    variables = text_variables(content)
    claim, claim_total = claim_lines(content)
    is_first = content.step_number == 1 and not content.is_warning
    headings = HEADINGS[language]
    heading = (
        headings["warning"]
        if content.is_warning
        else headings["first"]
        if is_first
        else headings.get("later", content.step_name)
    )
    context = variables | {
        "lang": language,
        "heading": heading,
        "reminder_date": format_date(content.reminder_date, language),
        "invoice_count": len(content.invoices),
        "rows": [
            {
                "invoice_id": row["id"],
                "issued": row["issued"],
                "due": row["due"],
                "amount": row["amount"],
                "open_amount": row["open_amount"],
            }
            for row in variables["invoices"]
        ],
        "is_first": is_first,
        "is_warning": content.is_warning,
        "after_warning": content.after_warning,
        "is_last_step": content.is_last_step,
        "claim": claim,
        "claim_total": claim_total,
        "claim_has_charges": bool(content.charged_before) or content.has_fee or bool(content.step_charges),
        "charges": charges_sentence(content),
        "charges_html": charges_sentence(content, html=True),
        "pay_rows": pay_rows(language, variables["payment"], variables["reference"]),
        "intro_html": None,
        "intro_text": None,
    }
    body = content.texts.body if content.texts is not None else None
    intro_text = tenant_text(body, variables, html=False)
    intro_html = tenant_text(body, variables, html=True)
    if intro_text is not None and intro_html is not None:
        context["intro_text"] = intro_text.strip()
        context["intro_html"] = _paragraphs_html(intro_html)
    return context


def render_email(content: ReminderContent) -> RenderedEmail:
    """Render the reminder e-mail in the customer's language.

    The subject is always a single line. The HTML part escapes every value, so names
    and invoice numbers can never inject markup.
    """
    env = _environment()
    context = _email_context(content)
    own = tenant_text(content.texts.subject if content.texts else None, text_variables(content), html=False)
    if own is not None and own.strip():
        subject = _single_line(own)
    else:
        subject = _single_line(env.get_template(f"email/subject_{content.language}.txt.j2").render(context))
    html = env.get_template(f"email/reminder_{content.language}.html.j2").render(context, subject=subject)
    text = env.get_template(f"email/reminder_{content.language}.txt.j2").render(context)
    reply_to = content.sender.email if content.sender is not None else None
    return RenderedEmail(subject=subject, html=html + "\n", text=text.rstrip("\n") + "\n", reply_to=reply_to)
