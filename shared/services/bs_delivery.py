"""The tenant's daily Betalingsservice delivery: the day's BS reminders as one 0601 file (C3).

The BS consumer stores one record per BS reminder under ``BS#<date>`` (see
:func:`shared.services.booking.record_bs_reminder`), already holding what its
payment slip needs: name and address, amount (the open total; a fee goes on the
next invoice, never on the slip), the slip's text lines and a reference. Late in the day
:func:`deliver_bs` turns that day's records into one Leverance 0601 (section
0117 per debtor group), stores the file and records one ``bs_delivery``
effect. See docs/betalingsservice.md.

Every record reaches a file: the consumer also files each record under
``BS_PENDING`` (``<due day>#<key>``), and a day's delivery first moves every
waiting record due on or before that day into its manifest (``BS_FILED#<day>``),
then seals it, builds the file from the manifest alone, writes it once
(a conditional put) and records the effect. A record that arrives after its
day's delivery was sealed waits for the next delivery, which lists it under
``late``. A retry after a crash at any point repeats only what is missing and
never writes a day's file twice.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from shared.betalingsservice import (
    BsSlip,
    Delivery,
    DeliveryHeader,
    build_delivery,
    earliest_due_date,
    next_bank_day,
    parse_delivery,
    reminder_text_lines,
)
from shared.betalingsservice.writer import ADDRESS_WIDTH, DENMARK
from shared.domain.money import money_text
from shared.domain.settings import TenantSettings
from shared.messages import ActionMessage
from shared.rendering.formatting import Language, format_date, format_money, format_short_date
from shared.services.scheduling import TenantNotConfigured
from shared.storage.protocols import Store
from shared.storage.records import BsRecord

KIND = "bs_delivery"
RUN_TAG = "~bs-delivery"
"""The effect's ``_run``: sorts after every run of the day, so the delivery is printed last."""
PAYMENT_DAYS = 10
"""A slip is due this many days after the delivery (rolled to a bank day), and never before BS allows."""
DELIVERY_NUMBER_EPOCH = date(2000, 1, 1)
FEE_LAW = "renteloven § 9 b"


class DeliveryStore(Protocol):
    """Where delivery files are kept (S3 in Lambda and on the local stack)."""

    def put_new(self, key: str, body: bytes) -> bool:
        """Write ``key`` only if it does not exist (False when it did): a delivery is written once."""
        ...

    def get(self, key: str) -> bytes | None: ...


# ----------------------------------------------------------------- names and numbers


def delivery_file(tenant: str, on: date) -> str:
    """The delivery's path below the ``bs/`` prefix (and below ``--out DIR``): ``<day>/bs0601-<tenant>-<day>.txt``."""
    return f"{on.isoformat()}/bs0601-{tenant}-{on.isoformat()}.txt"


def delivery_key(tenant: str, on: date) -> str:
    """The delivery's object key in the delivery bucket."""
    return f"bs/{delivery_file(tenant, on)}"


def delivery_number(on: date) -> int:
    """The delivery's running number: days since 2000-01-01, so one a day, rising, and the same on a rerun."""
    return (on - DELIVERY_NUMBER_EPOCH).days


def slip_due_date(on: date) -> date:
    """Due date of the slips delivered on ``on``: ten days later on a bank day, and at least BS' two bank days."""
    return next_bank_day(max(on + timedelta(days=PAYMENT_DAYS), earliest_due_date(on)))


def slip_reference(*keys: str) -> str:
    """A short stable reference (9 characters, A-Z and 2-7) of the reminder(s) a slip carries; 0602 returns it."""
    digest = hashlib.sha256("\x1f".join(sorted(keys)).encode()).digest()
    return base64.b32encode(digest).decode()[:9]


def _digest(keys: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(keys)).encode()).hexdigest()[:32]


# ----------------------------------------------------------------- one reminder's slip


def slip_amount(message: ActionMessage) -> Decimal:
    """What the slip collects: the open total of the reminder's invoices — never the fee, which is
    charged once, on the customer's next invoice (C7)."""
    return message.open_total


# The slip's words in the debtor's language (the e-mail's language): a debtor with language "en"
# and no e-mail (demo K027) has the slip as the only letter. A charge already on the billing queue
# is named as in the e-mail's claim.
_SLIP_WORDS: dict[Language, dict[str, str]] = {
    "da": {
        "invoice": "faktura",
        "invoices": "fakturaer",
        "from": "Fra {}",
        "owed": "Skyldigt beløb {}",
        "fee": f"Rykkergebyr ({FEE_LAW}) {{}}",
        "fee_note": "Gebyret opkræves på næste faktura, ikke her.",
        "interest": "Morarente (renteloven § 5) {}",
        "compensation": "Kompensationsbeløb (renteloven § 9 a) {}",
        "one_note": "Beløbet opkræves på næste faktura, ikke her.",
        "more_note": "Beløbene opkræves på næste faktura, ikke her.",
        "claim": "Samlet krav {}",
        "warning": "Betales senest {}, ellers overgives kravet til inkasso.",
    },
    "en": {
        "invoice": "invoice",
        "invoices": "invoices",
        "from": "From {}",
        "owed": "Amount owed {}",
        "fee": "Reminder fee (Danish Interest Act, s. 9 b) {}",
        "fee_note": "The fee comes on your next invoice, not on this slip.",
        "interest": "Late-payment interest (Interest Act s. 5) {}",
        "compensation": "Fixed compensation (Interest Act s. 9 a) {}",
        "one_note": "It comes on your next invoice, not on this slip.",
        "more_note": "These come on your next invoice, not on this slip.",
        "claim": "Total claim {}",
        "warning": "Pay by {}, or the claim goes to debt collection.",
    },
}
_CHARGED: dict[Language, dict[str, str]] = {
    "da": {"fee": "Tidligere rykkergebyr", "interest": "Morarente", "compensation": "Kompensationsbeløb"},
    "en": {"fee": "Earlier reminder fee", "interest": "Late-payment interest", "compensation": "Fixed compensation"},
}


def _slip_date(day: date, language: Language) -> str:
    # Danish slips keep the short numeric date; "26.03.2026" is not how an English reader writes a date.
    return format_short_date(day) if language == "da" else format_date(day, language)


def _slip_heading(message: ActionMessage, language: Language) -> str:
    """The tenant's step name to a Danish reader; an English reader gets the e-mail's English heading."""
    if language == "da":
        return message.step_name
    from shared.rendering.email import HEADINGS

    headings = HEADINGS["en"]
    if message.warning_deadline is not None:
        return headings["warning"]
    return headings["first"] if message.step_number == 1 else headings["later"]


def slip_text(
    message: ActionMessage,
    sender_name: str | None = None,
    charged_before: Sequence[Any] = (),
    language: Language = "da",
) -> list[str]:
    """The slip's text in the debtor's language, at most 60 characters a line: step and invoices,
    who sends it, the payment reference, the amount, what the step bills on the next invoice (fee,
    interest, compensation), the collection warning.

    A collection warning's slip lists every item of the claim as its e-mail does: ``charged_before``
    (:class:`~shared.rendering.content.ClaimLine`: fees, interest, compensation already on the
    billing queue for its invoices), this step's fee, interest and compensation, and the whole claim
    when it is more than the invoices — for a debtor whose only letter is the slip."""
    words = _SLIP_WORDS[language]
    word = words["invoice"] if len(message.invoices) == 1 else words["invoices"]
    paragraphs = [f"{_slip_heading(message, language).upper()} - {word} {', '.join(message.invoice_ids)}"]
    if sender_name:
        paragraphs.append(words["from"].format(sender_name))
    if message.reference:
        paragraphs.append(f"Reference {message.reference}")
    paragraphs.append(words["owed"].format(format_money(message.open_total, language)))
    charges = [
        (kind, amount)
        for kind, amount in (
            ("fee", message.step_fee),
            ("interest", message.step_interest),
            ("compensation", message.step_compensation),
        )
        if amount
    ]
    for kind, amount in charges:
        paragraphs.append(words[kind].format(format_money(amount, language)))
    if charges:
        only_fee = [kind for kind, _ in charges] == ["fee"]
        paragraphs.append(words["fee_note" if only_fee else "one_note" if len(charges) == 1 else "more_note"])
    if message.warning_deadline is not None:
        claim = message.open_total + sum((amount for _, amount in charges), Decimal("0"))
        for charge in charged_before:
            label = _CHARGED[language].get(charge.kind, charge.kind)
            on = _slip_date(charge.created_on, language)
            paragraphs.append(f"{label} {on} {format_money(charge.amount, language)}")
            claim += charge.amount
        if claim != message.open_total:
            paragraphs.append(words["claim"].format(format_money(claim, language)))
        paragraphs.append(words["warning"].format(_slip_date(message.warning_deadline, language)))
    return reminder_text_lines("\n".join(paragraphs))


def _address(address: dict[str, Any] | None) -> tuple[list[str], str | None, str]:
    """Address lines, postcode and country of a slip. BS prints the town from a Danish postcode itself;
    abroad, "postcode town" becomes the last address line."""
    if not address:
        return [], None, DENMARK
    lines = [str(line) for line in address.get("lines") or []]
    country = str(address.get("country") or DENMARK).upper()
    postcode = str(address.get("postcode") or "")
    if country == DENMARK:
        return lines, postcode, country
    return [*lines, f"{postcode} {address.get('city') or ''}".strip()], None, country


def slip_from_record(customer_id: str, key: str, data: dict[str, Any], due_date: date) -> BsSlip:
    """The payment slip of one stored BS reminder (raises ``FieldError`` for what does not fit)."""
    lines, postcode, country = _address(data.get("address"))
    amount = data.get("slip_amount") or data["amount"]
    text_lines = data.get("text_lines") or reminder_text_lines(
        f"{str(data['step']).upper()} - faktura {', '.join(data['invoices'])}"
    )
    return BsSlip(
        customer_number=customer_id,
        # BS prints 35 characters of a name; a longer name is cut rather than the reminder lost.
        name=str(data["customer_name"])[:ADDRESS_WIDTH].rstrip(),
        address_lines=lines,
        postcode=postcode,
        country=country,
        due_date=due_date,
        amount=Decimal(amount),
        text_lines=list(text_lines),
        reference=data.get("reference") or slip_reference(key),
        debtor_group=data.get("debtor_group"),
    )


# ----------------------------------------------------------------- the day's delivery


def _merge(slips: Sequence[tuple[str, BsSlip]], default_group: str) -> list[BsSlip]:
    """One slip per customer, due date and debtor group (BS takes one payment per customer per date per section).

    Two reminders of one customer on one day (two template versions, or invoices at different steps)
    become one slip: the amounts are added, the texts follow each other with an empty line between.
    """
    groups: dict[tuple[str, str, date], list[tuple[str, BsSlip]]] = {}
    for key, slip in slips:
        section = slip.debtor_group or default_group
        groups.setdefault((section, slip.customer_number, slip.due_date), []).append((key, slip))
    merged = []
    for group in groups.values():
        (_, first), *rest = group
        if not rest:
            merged.append(first)
            continue
        texts: list[str] = list(first.text_lines)
        for _, slip in rest:
            texts += ["", *slip.text_lines]
        merged.append(
            BsSlip(
                customer_number=first.customer_number,
                name=first.name,
                address_lines=first.address_lines,
                postcode=first.postcode,
                country=first.country,
                due_date=first.due_date,
                amount=sum((slip.amount for _, slip in group), Decimal("0")),
                text_lines=texts,
                reference=slip_reference(*(key for key, _ in group)),
                debtor_group=first.debtor_group,
            )
        )
    return merged


def build_day_delivery(records: Sequence[BsRecord], settings: TenantSettings, on: date, delivery_id: int) -> Delivery:
    """The 0601 delivery of one day's BS records (plain Python: records in, the delivery out)."""
    creditors = sorted({record.creditor_number for record in records})
    if len(creditors) != 1:
        raise ValueError(f"the BS records of {on.isoformat()} name {len(creditors)} creditor numbers: {creditors}")
    due = slip_due_date(on)
    ordered = sorted(records, key=lambda record: record.key)
    slips = _merge(
        [(r.key, slip_from_record(r.customer_id, r.key, dict(r.data), due)) for r in ordered],
        settings.bs.debtor_group,
    )
    header = DeliveryHeader(
        cvr=settings.bs.cvr,
        creditor_number=creditors[0],
        debtor_group=settings.bs.debtor_group,
        delivery_id=delivery_id,
        created=on,
    )
    return build_delivery(header, slips)


def _existing_effect(repo: Store, on: date) -> dict[str, Any] | None:
    return next((effect for effect in repo.effects_on(on) if effect.get("kind") == KIND), None)


# A move of records into a delivery is one transaction: the seal's check and two items per record.
FILE_PER_TRANSACTION = 49


def deliver_bs(
    repo: Store,
    store: DeliveryStore,
    settings: TenantSettings,
    on: date,
    delivery_id: int | None = None,
) -> dict[str, Any] | None:
    """Write the day's 0601 delivery to ``store`` and record its ``bs_delivery`` effect, once per day.

    The delivery holds every BS record due on or before ``on`` that no delivery took yet, so a
    record written after its own day's delivery (a redrive, an evening approval) goes into the
    next one; the effect's ``late`` lists those by the day they were due. An earlier delivery
    that was begun but never recorded is finished first. Returns the effect when this call
    recorded it; None on a day without BS reminders and on a second call for a delivered day.
    """
    for earlier in repo.unfinished_bs_deliveries(before=on):
        _deliver_day(repo, store, settings, earlier, None)
    return _deliver_day(repo, store, settings, on, delivery_id)


def _deliver_day(
    repo: Store, store: DeliveryStore, settings: TenantSettings, on: date, delivery_id: int | None
) -> dict[str, Any] | None:
    """1. file the waiting records under the day (its manifest) and seal it; 2. build the file from
    the manifest alone and write it once; 3. record the effect. A retry after a crash anywhere
    repeats only what is missing, and builds the same file from the same manifest."""
    if _existing_effect(repo, on) is not None:
        return None
    if not repo.bs_delivery_sealed(on):
        if not repo.undelivered_bs_records(on) and not repo.filed_bs_records(on):
            return None
        repo.start_bs_delivery(on)
        _file_waiting_records(repo, on)
        repo.seal_bs_delivery(on)
    filed = repo.filed_bs_records(on)
    if not filed:  # sealed by a concurrent call that found the records taken: nothing to deliver
        repo.forget_bs_delivery(on)
        return None
    delivery = build_day_delivery(filed, settings, on, delivery_number(on) if delivery_id is None else delivery_id)
    key = delivery_key(settings.tenant, on)
    body = delivery.encode()
    if not store.put_new(key, body):  # written before (a retry): that file is the delivery of record
        body = store.get(key) or body
    written = parse_delivery(body)
    late = Counter(record.due.isoformat() for record in filed if record.due < on)
    effect: dict[str, Any] = {
        "date": on.isoformat(),
        "kind": KIND,
        "file": delivery_file(settings.tenant, on),
        "sections": len(written.sections),
        "payments": written.payments,
        "amount": money_text(written.amount),
        "_run": RUN_TAG,
        "_delivery_id": written.header().delivery_id,
        "_key": key,
        "_records": _digest(f"{record.due.isoformat()}#{record.key}" for record in filed),
    }
    if late:
        effect["late"] = [{"due": due, "reminders": count} for due, count in sorted(late.items())]
    if not repo.finish_bs_delivery(on, effect, f"bs-delivery#{on.isoformat()}"):
        return None  # a concurrent call recorded it first (from the same manifest: the same file)
    return effect


def _file_waiting_records(repo: Store, on: date) -> None:
    """Move every record waiting for a delivery into the delivery of ``on`` until none is left
    (or a concurrent call sealed it: what it did not take waits for the next delivery)."""
    while waiting := repo.undelivered_bs_records(on):
        for start in range(0, len(waiting), FILE_PER_TRANSACTION):
            if not repo.file_bs_records(on, waiting[start : start + FILE_PER_TRANSACTION]):
                if repo.bs_delivery_sealed(on):
                    return
                break  # another call took some of them meanwhile: read again


def deliver_bs_at(repo: Store, store: DeliveryStore, now: datetime) -> dict[str, Any] | None:
    """The delivery for the business day of ``now`` (the event's time, in the tenant's time zone)."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    settings = repo.get_settings()
    if settings is None:
        raise TenantNotConfigured("no tenant settings stored; load the tenant's settings first")
    return deliver_bs(repo, store, settings, now.astimezone(settings.zone).date())
