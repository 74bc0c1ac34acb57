"""The values every reminder letter is written from, formatted for the letter's language.

:func:`text_variables` builds the documented variable set a tenant's own step texts see
(``customer``, ``invoices``, ``total``, ``fee``, ``deadline``, ``reference``, ``payment``,
``sender``, ``step`` — see docs/letters.md); the product's own templates see the same values
plus a few of their own (:func:`letter_context`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.domain.reference import fi_code_line
from shared.domain.settings import PaymentSettings, SenderSettings
from shared.rendering.content import ReminderContent
from shared.rendering.formatting import Language, format_date, format_money

CLAIM_LABELS: dict[Language, dict[str, str]] = {
    "da": {"fee": "Rykkergebyr", "interest": "Morarente", "compensation": "Kompensationsbeløb"},
    "en": {"fee": "Reminder fee", "interest": "Late-payment interest", "compensation": "Fixed compensation"},
}


def tenant_text(source: str | None, variables: dict[str, Any], *, html: bool) -> str | None:
    """A tenant's own text rendered, or None when there is none — or when it cannot render: texts
    are checked when defined, and a letter in the product's own words beats no letter at all."""
    if not source:
        return None
    from jinja2 import TemplateError

    from shared.rendering.tenant_texts import render_tenant_text

    try:
        return tidy(render_tenant_text(source, variables, html=html))
    except (TemplateError, ValueError):
        return None


def tidy(text: str) -> str:
    """A Danish amount ends in "kr.": a tenant's "{{ total }}." would print "kr.."; keep one dot."""
    return text.replace("kr..", "kr.")


def display_phone(phone: str, language: Language = "da") -> str:
    """A phone number as a letter prints it: ``70 10 10 10`` to a Danish reader of a Danish number,
    else international (``+45 70 10 10 10``): an English letter's reader may be abroad."""
    import phonenumbers  # where a number is printed, not at import

    try:
        number = phonenumbers.parse(phone, "DK")
    except phonenumbers.NumberParseException:
        return phone
    style = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 45 and language == "da" else None
    return phonenumbers.format_number(number, style or phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def display_iban(iban: str) -> str:
    """An IBAN in groups of four, as printed: ``DK50 0040 0440 1162 43``."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def sender_variables(
    sender: SenderSettings | None, fallback_name: str, language: Language = "da"
) -> dict[str, str | None]:
    """``sender``: name, cvr, address (one line), phone, email; a tenant without sender settings
    still signs with its display name."""
    if sender is None:
        return {"name": fallback_name, "cvr": None, "address": None, "phone": None, "email": None}
    address = None
    if sender.address is not None:
        town = f"{sender.address.postcode} {sender.address.city}"
        parts = [*sender.address.lines, town]
        if sender.address.country != "DK":
            parts.append(sender.address.country)
        address = ", ".join(parts)
    return {
        "name": sender.name,
        "cvr": sender.cvr,
        "address": address,
        "phone": display_phone(sender.phone, language) if sender.phone else None,
        "email": sender.email,
    }


def display_bank_account(reg: str, account: str, language: Language = "da") -> str:
    """A Danish bank account as the reader's language writes it: ``reg. 1234 konto 0001234567``
    to a Danish reader, ``reg. no. 1234, account no. 0001234567`` to an English one."""
    if language == "en":
        return f"reg. no. {reg}, account no. {account}"
    return f"reg. {reg} konto {account}"


def payment_variables(
    payment: PaymentSettings | None, reference: str | None, customer_id: str | None, language: Language = "da"
) -> dict[str, str | None]:
    """``payment``: each way to pay as a display string in the letter's language, or None when the
    tenant gives none."""
    ways: dict[str, str | None] = dict.fromkeys(("bank", "iban", "bic", "fi", "mobilepay", "link"))
    if payment is None:
        return ways
    if payment.bank is not None:
        ways["bank"] = display_bank_account(payment.bank.reg, payment.bank.account, language)
    if payment.iban is not None:
        ways["iban"] = display_iban(payment.iban)
        ways["bic"] = payment.bic
    if payment.fi is not None and reference is not None:
        ways["fi"] = fi_code_line(reference, payment.fi.creditor)
    if payment.mobilepay is not None:
        ways["mobilepay"] = payment.mobilepay
    if payment.link is not None and reference is not None:
        ways["link"] = payment.link.format(customer=customer_id or "", reference=reference)
    return ways


def text_variables(content: ReminderContent) -> dict[str, Any]:
    """The variables of a tenant's step texts (the documented set), every value formatted."""
    language = content.language

    def money(amount: Decimal) -> str:
        return format_money(amount, language, content.currency)

    return {
        "customer": {"id": content.customer_id or "", "name": content.customer_name},
        "invoices": [
            {
                "id": line.invoice_id,
                "issued": format_date(line.issued, language),
                "due": format_date(line.due, language),
                "amount": money(line.amount),
                "open_amount": money(line.open_amount),
            }
            for line in content.invoices
        ],
        "total": money(content.open_total),
        "fee": money(content.fee) if content.has_fee and content.fee is not None else None,
        "deadline": format_date(content.pay_by, language),
        "reference": content.reference or "",
        "payment": payment_variables(content.payment, content.reference, content.customer_id, language),
        "sender": sender_variables(content.sender, content.tenant_name, language),
        "step": {"name": content.step_name, "number": content.step_number, "count": content.step_count},
    }


def claim_lines(content: ReminderContent) -> tuple[list[dict[str, str]], str]:
    """Every item of the claim (the collection warning): each invoice's remainder, each charge
    already on the billing queue for them, this step's fee, interest and compensation; and the
    claim's total."""
    language = content.language
    labels = CLAIM_LABELS[language]
    invoice_word = "Faktura" if language == "da" else "Invoice"
    rows = [
        {"label": f"{invoice_word} {line.invoice_id}", "amount": format_money(line.open_amount, language)}
        for line in content.invoices
    ]
    total = content.open_total
    for charge in content.charged_before:
        on = format_date(charge.created_on, language)
        rows.append(
            {"label": f"{labels.get(charge.kind, charge.kind)} ({on})", "amount": format_money(charge.amount, language)}
        )
        total += charge.amount
    this = "denne rykker" if language == "da" else "this reminder"
    if content.has_fee and content.fee is not None:
        rows.append({"label": f"{labels['fee']} ({this})", "amount": format_money(content.fee, language)})
        total += content.fee
    for kind, amount in content.step_charges:
        rows.append({"label": f"{labels[kind]} ({this})", "amount": format_money(amount, language)})
        total += amount
    return rows, format_money(total, language)
