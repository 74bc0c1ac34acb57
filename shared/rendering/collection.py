"""The e-mail that hands a debt-collection case to the tenant's collection partner (O14).

The service stores an approved case as a plain dict (see ``_hand_over`` in
``shared/services/approval.py``); :class:`CollectionCase` validates it. The partner gets one
e-mail per case: a summary a person can read (creditor, debtor, the invoices, each invoice's
reminder history, the total claimed and the fees charged) and, attached, the same case as
JSON for the partner's own system.

The attachment's schema, ``dunning.collection-case/1``
--------------------------------------------------------
One JSON object, UTF-8. New fields may be added under the same schema name; a field is
never renamed, removed or given another meaning without a new name (``…/2``).

- ``schema``: always ``"dunning.collection-case/1"``.
- ``case_id``: the case's unique key (string); ``tenant``: the tenant's id; ``creditor``: the
  creditor's name as its customers know it.
- ``handed_over_on``, ``proposed_on``: ISO dates (``YYYY-MM-DD``): when the case was approved
  and handed over, and when a run proposed it.
- ``run_id``: the approval that handed it over; ``partner_email``: where it was sent;
  ``template``: the reminder template version the invoices went through.
- ``debtor``: ``id`` (the creditor's customer number), ``name``, ``email``, ``phone`` (E.164),
  ``language`` (ISO 639-1), ``address``; every field but ``id`` may be ``null``. ``address`` is
  ``null`` or ``lines`` (street lines), ``postcode``, ``city``, ``country`` (ISO 3166-1 alpha-2).
- ``currency``: ISO 4217, ``"DKK"``. Every amount is a string with two decimals and a point,
  no grouping (``"1350.00"``).
- ``amount``: the claim: the sum of the invoices' ``open_amount``.
- ``fees_total``: the reminder fees charged, one per reminder (see :attr:`CollectionCase.fees_total`);
  derived, so a reader may ignore it.
- ``invoices``: ``invoice_id``, ``amount`` (as issued), ``open_amount`` (unpaid), ``issued``,
  ``due`` (ISO dates) and ``reminders``: every reminder step the invoice went through, oldest
  first: ``date``, ``step`` (the step's name), ``actions`` (``"email"``, ``"sms"``, ``"fee"``,
  ``"bs"`` for a Betalingsservice slip) and ``fee`` (the step's fee, or ``null``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.money import Money, money_text
from shared.messages import Action
from shared.rendering.email import RenderedEmail, _single_line
from shared.rendering.formatting import Language, format_date, format_money
from shared.rendering.tenant_mail import ACTION_NAMES, render_tenant_email, text_table
from shared.rendering.variables import display_phone

SCHEMA = "dunning.collection-case/1"
ATTACHMENT_TYPE = "application/json"
# What a customer id may bring into the attachment's file name; anything else becomes "_".
_FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_LOCALES: dict[Language, str] = {"da": "da_DK", "en": "en_GB"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class CaseAddress(_Frozen):
    """The debtor's postal address."""

    lines: list[str] = Field(description="Street lines, e.g. ['Eksempelvej 1']")
    postcode: str
    city: str
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class CaseDebtor(_Frozen):
    """The customer the claim is against. Only the id is certain: the rest is what the tenant stored."""

    id: str = Field(min_length=1, description="The creditor's customer number")
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    address: CaseAddress | None = None
    business: bool = False


class CaseReminder(_Frozen):
    """One reminder step an invoice went through."""

    date: dt.date
    step: str = Field(min_length=1)
    actions: list[Action]
    fee: Money | None = None


class CaseInvoice(_Frozen):
    """One invoice of the claim and its reminder history, oldest first."""

    invoice_id: str = Field(min_length=1)
    amount: Money
    open_amount: Money
    issued: dt.date
    due: dt.date
    reminders: list[CaseReminder] = Field(default_factory=list)


class CollectionCase(_Frozen):
    """A debt-collection case as the service stores it when the case is handed over."""

    case_id: str = Field(min_length=1)
    tenant: str = Field(min_length=1)
    creditor: str = Field(min_length=1)
    handed_over_on: dt.date
    proposed_on: dt.date
    run_id: str = Field(min_length=1)
    partner_email: str = Field(min_length=3)
    template: str = Field(min_length=1)
    debtor: CaseDebtor
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    amount: Money
    invoices: list[CaseInvoice] = Field(min_length=1)

    @model_validator(mode="after")
    def _amount_is_what_the_invoices_owe(self) -> CollectionCase:
        # The claim is the invoices' open amounts; a case that says otherwise must not reach the partner.
        owed = sum((invoice.open_amount for invoice in self.invoices), Decimal("0"))
        if owed != self.amount:
            raise ValueError(
                f"amount {money_text(self.amount)} differs from the invoices' open amounts {money_text(owed)}"
            )
        return self

    @property
    def fees_total(self) -> Decimal:
        """The reminder fees charged over the case's history, one per reminder.

        Each invoice's history repeats the fee of a reminder that covered several invoices
        (one fee per reminder, not per invoice), so a fee on the same date and step counts once.
        """
        charged = {
            (reminder.date, reminder.step): reminder.fee
            for invoice in self.invoices
            for reminder in invoice.reminders
            if reminder.fee is not None
        }
        return sum(charged.values(), Decimal("0.00"))


def _debtor_label(debtor: CaseDebtor) -> str:
    debtor_id = _single_line(debtor.id)
    return f"{_single_line(debtor.name)} ({debtor_id})" if debtor.name else debtor_id


def _display_name(kind: str, code: str, language: Language) -> str:
    # A language or country in words ("dansk", "Danmark"); the code itself when Babel has no name.
    from babel import Locale, UnknownLocaleError

    locale = Locale.parse(_LOCALES[language])
    try:
        name = Locale.parse(code).get_display_name(locale) if kind == "language" else locale.territories.get(code)
    except (UnknownLocaleError, ValueError):
        name = None
    return name or code


def _case_context(case: CollectionCase, language: Language) -> dict[str, Any]:
    """The values the collection-case templates see: strings only, all formatted."""
    actions = ACTION_NAMES[language]

    def money(amount: Decimal) -> str:
        return format_money(amount, language, case.currency)

    debtor = case.debtor
    address = debtor.address
    # Street lines, "postcode city", country: the order of an envelope.
    address_lines = (
        [_single_line(line) for line in address.lines]
        + [_single_line(f"{address.postcode} {address.city}"), _display_name("country", address.country, language)]
        if address
        else []
    )
    filename = attachment_filename(case)
    return {
        "lang": language,
        "creditor": case.creditor,
        "case_id": case.case_id,
        "run_id": case.run_id,
        "template": case.template,
        "handed_over_on": format_date(case.handed_over_on, language),
        "proposed_on": format_date(case.proposed_on, language),
        "debtor": {
            "label": _debtor_label(debtor),
            "id": _single_line(debtor.id),
            "name": _single_line(debtor.name) if debtor.name else None,
            "address": address_lines,
            "email": _single_line(debtor.email) if debtor.email else None,
            # As a person dials it ("20 12 34 56"), not as stored (E.164, kept in the attachment).
            "phone": display_phone(_single_line(debtor.phone), language) if debtor.phone else None,
            "language": _display_name("language", debtor.language, language) if debtor.language else None,
        },
        "invoices": [
            {
                "invoice_id": _single_line(invoice.invoice_id),
                "issued": format_date(invoice.issued, language),
                "due": format_date(invoice.due, language),
                "amount": money(invoice.amount),
                "open_amount": money(invoice.open_amount),
                "reminders": [
                    {
                        "date": format_date(reminder.date, language),
                        "step": _single_line(reminder.step),
                        "channels": ", ".join(actions.get(action, action) for action in reminder.actions) or "–",
                        "fee": money(reminder.fee) if reminder.fee is not None else "–",
                    }
                    for reminder in invoice.reminders
                ],
            }
            for invoice in case.invoices
        ],
        "amount": money(case.amount),
        "fees_total": money(case.fees_total),
        "attachment_name": filename,
        "schema": SCHEMA,
        "columns": text_table,
    }


def render_collection_case(case: CollectionCase, language: Language = "da") -> RenderedEmail:
    """Render the e-mail that hands ``case`` to the collection partner, in ``language``.

    The subject names the debtor and the claim ("Inkassosag: Jens Hansen (C1) – 1.350,00 kr.").
    The body has the creditor, the debtor with address and contact details, the invoices,
    each invoice's reminder history, the total claimed and the reminder fees charged, and
    says that the attachment holds the same data machine-readably. Every value is escaped
    in the HTML part.
    """
    return render_tenant_email("collection_case", language, _case_context(case, language))


def attachment_filename(case: CollectionCase) -> str:
    """The attachment's name, e.g. ``inkassosag-C1-2026-03-02.json``: debtor and hand-over day."""
    debtor_id = _FILE_NAME_UNSAFE.sub("_", case.debtor.id).strip("._") or "debtor"
    return f"inkassosag-{debtor_id}-{case.handed_over_on.isoformat()}.json"


def case_attachment(case: CollectionCase) -> tuple[str, bytes, str]:
    """The case as a JSON attachment: (file name, UTF-8 bytes, media type).

    The document follows the schema described in this module's docstring; ``schema`` comes
    first, then the case's fields in a fixed order, then the derived ``fees_total``.
    """
    document = {"schema": SCHEMA, **case.model_dump(mode="json"), "fees_total": money_text(case.fees_total)}
    data = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return attachment_filename(case), data, ATTACHMENT_TYPE


def parse_case_attachment(data: bytes) -> CollectionCase:
    """Read a case back from the bytes :func:`case_attachment` made.

    Refuses another schema and a ``fees_total`` that does not match the history.
    """
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict):
        raise ValueError("a collection-case attachment is a JSON object")
    schema = document.pop("schema", None)
    if schema != SCHEMA:
        raise ValueError(f"expected schema {SCHEMA!r}, got {schema!r}")
    fees_total = document.pop("fees_total", None)
    case = CollectionCase.model_validate(document)
    if fees_total is not None and fees_total != money_text(case.fees_total):
        raise ValueError(f"fees_total {fees_total!r} does not match the reminder history")
    return case
