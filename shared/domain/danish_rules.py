"""Danish limits on reminder fees, the B2B compensation and the collection warning.

Plain Python: what has been charged so far in, a decision out. The scheduler
asks these functions at commit time, once per consolidated reminder, whether
the reminder may carry its fee or compensation; a refused fee becomes a
``skipped`` effect with ``action: fee`` and :attr:`FeeDecision.reason`.

The rules and how this module reads them:

* **Reminder fee (renteloven § 9 b, stk. 2).** At most 100.00 kr per reminder;
  a template whose step asks for more (unless the tenant has agreed higher
  fees with businesses, ``b2b_contractual_fees``) or where more than 3 steps
  carry a fee is refused when it is defined (:func:`template_fee_problem`).
  At send time (:func:`fee_decision`) a consolidated reminder's one fee is
  charged only if, for *every* invoice it covers:

  - the invoice has never been disputed (a reminder sent after a reasonable
    objection is not sent "med rimelig grund", § 9 b, stk. 1);
  - fewer than 3 fees have been charged for it ("samme ydelse");
  - fewer than 3 fees have been charged during the current unbroken arrears
    period of its agreement — a consolidated fee covering several invoices of
    one agreement counts once ("sammenhængende periode ... samme skyldforhold");
  - at least 10 days have passed since the last fee charged for it.

  These counts hold for business customers too, even with
  ``b2b_contractual_fees``: that setting only lifts the 100.00 cap, and only
  for business customers.

* **Unbroken arrears period.** An agreement is in arrears while at least one
  of its invoices is overdue; the period ends when a payment, credit note,
  settlement or write-off leaves it with nothing overdue. The agreement's item
  counts the fees and compensation of its current period; they are updated in
  the same transaction as the reminder and reset when the period ends
  (``shared/services/housekeeping.py`` :func:`set_balance`).

* **B2B compensation (renteloven § 9 a, stk. 3).** 310.00 kr, business
  customers only. The law gives one per overdue invoice, and one per
  continuous arrears in an ongoing relationship; this engine treats every
  agreement as an ongoing relationship, so :func:`compensation_due` charges
  310.00 once per agreement per unbroken arrears period, and never again for
  an invoice that has been compensated once (even in a later period). A
  dispute does not change the compensation: the contract ties only fees to
  disputes.

The collection warning (inkassoloven § 10) is a step-timing rule and lives
with the others in ``shared/domain/planning.py`` (:func:`next_step_on`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.domain.money import ZERO, money_text
from shared.domain.reasons import Reason

MAX_REMINDER_FEE = Decimal("100.00")
MAX_FEE_REMINDERS = 3
MIN_DAYS_BETWEEN_FEES = 10
B2B_COMPENSATION = Decimal("310.00")

_FEE_LAW = "renteloven § 9 b, stk. 2"


# --- templates ---------------------------------------------------------------


def template_fee_problem(fees_by_step: Sequence[tuple[str, Decimal | None]], b2b_contractual_fees: bool) -> str | None:
    """Why a template's fees break § 9 b, or None when they are fine.

    ``fees_by_step`` is ``(step name, fee or None)`` in step order, e.g.
    ``[(step.name, step.fee) for step in definition.steps]``.
    """
    if not b2b_contractual_fees:
        for name, fee in fees_by_step:
            if fee is not None and fee > MAX_REMINDER_FEE:
                return (
                    f"step {name!r} charges a fee of {money_text(fee)}; a reminder fee may be at most "
                    f"{money_text(MAX_REMINDER_FEE)} ({_FEE_LAW})"
                )
    with_fee = [name for name, fee in fees_by_step if fee is not None and fee > ZERO]
    if len(with_fee) > MAX_FEE_REMINDERS:
        return (
            f"{len(with_fee)} steps carry a fee ({', '.join(with_fee)}); at most {MAX_FEE_REMINDERS} "
            f"reminders may carry a fee ({_FEE_LAW})"
        )
    return None


# --- what has been charged -------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFeeHistory:
    """One invoice a reminder covers, with what has been charged for it so far.

    ``fee_dates`` holds the date of every reminder fee charged for the invoice
    (a consolidated fee appears on each invoice it covered). ``disputed_ever``
    is true once the customer has disputed the invoice, resolved or not.
    ``compensated`` is true once a B2B compensation has covered the invoice.
    """

    invoice_id: str
    agreement_id: str
    fee_dates: tuple[date, ...] = ()
    disputed_ever: bool = False
    compensated: bool = False

    @property
    def last_fee_on(self) -> date | None:
        return max(self.fee_dates, default=None)


@dataclass(frozen=True)
class AgreementArrears:
    """An agreement's current unbroken arrears period and what was charged in it.

    ``since`` is the first day of the period, None when nothing of the
    agreement is overdue. ``fees_in_period`` counts fee charges (a fee that
    covered several invoices of the agreement counts once); ``last_fee_on``
    is informative — the 10-day rule is per invoice (see the module doc).
    """

    agreement_id: str
    since: date | None
    fees_in_period: int = 0
    last_fee_on: date | None = None
    compensated: bool = False


# --- fees at send time -------------------------------------------------------------


@dataclass(frozen=True)
class FeeDecision:
    """Whether a consolidated reminder may carry its fee; ``reason`` says why not."""

    allowed: bool
    reason: str | None = None


def fee_decision(
    on: date,
    invoices: Sequence[InvoiceFeeHistory],
    agreements: Mapping[str, AgreementArrears],
    business_customer: bool,
    b2b_contractual_fees: bool,
    *,
    fee: Decimal | None = None,
) -> FeeDecision:
    """May a reminder sent on ``on`` for ``invoices`` carry a fee? (renteloven § 9 b).

    ``agreements`` maps agreement id to its current arrears (an agreement
    missing from it has no fees in its period). ``fee``, when given, is also
    checked against the 100.00 cap, which ``b2b_contractual_fees`` lifts for
    business customers only — so a template with a higher B2B fee never
    charges it to a consumer. The first rule that fails, in the order
    dispute, 3 per invoice, 3 per arrears period, 10 days, amount, gives the
    reason; invoices are looked at in id order.
    """
    if not invoices:
        raise ValueError("a fee decision needs at least one invoice")
    ordered = sorted(invoices, key=lambda invoice: invoice.invoice_id)

    for invoice in ordered:
        if invoice.disputed_ever:
            return FeeDecision(
                False,
                Reason(
                    "fee.disputed",
                    f"{invoice.invoice_id} has been disputed; reminders after a dispute carry no fee "
                    "(renteloven § 9 b, stk. 1)",
                    invoice=invoice.invoice_id,
                ),
            )
    for invoice in ordered:
        if len(invoice.fee_dates) >= MAX_FEE_REMINDERS:
            return FeeDecision(
                False,
                Reason(
                    "fee.max_per_invoice",
                    f"{len(invoice.fee_dates)} fees have already been charged for {invoice.invoice_id}, "
                    f"at most {MAX_FEE_REMINDERS} per claim ({_FEE_LAW})",
                    count=len(invoice.fee_dates),
                    invoice=invoice.invoice_id,
                    most=MAX_FEE_REMINDERS,
                ),
            )
    for agreement_id in sorted({invoice.agreement_id for invoice in ordered}):
        arrears = agreements.get(agreement_id)
        if arrears is not None and arrears.fees_in_period >= MAX_FEE_REMINDERS:
            since = f" since {arrears.since.isoformat()}" if arrears.since else ""
            return FeeDecision(
                False,
                Reason(
                    "fee.max_per_period",
                    f"{arrears.fees_in_period} fees have already been charged for agreement {agreement_id} in its "
                    f"arrears period{since}, at most {MAX_FEE_REMINDERS} per unbroken period ({_FEE_LAW})",
                    count=arrears.fees_in_period,
                    agreement=agreement_id,
                    since=arrears.since,
                    most=MAX_FEE_REMINDERS,
                ),
            )
    fee_days = [invoice.last_fee_on for invoice in ordered if invoice.last_fee_on is not None]
    if fee_days:
        last_on = max(fee_days)
        if on - last_on < timedelta(days=MIN_DAYS_BETWEEN_FEES):
            invoice_id = next(invoice.invoice_id for invoice in ordered if invoice.last_fee_on == last_on)
            return FeeDecision(
                False,
                Reason(
                    "fee.too_soon",
                    f"last fee for {invoice_id} was charged on {last_on.isoformat()}, less than "
                    f"{MIN_DAYS_BETWEEN_FEES} days ago ({_FEE_LAW})",
                    invoice=invoice_id,
                    last_on=last_on,
                    days=MIN_DAYS_BETWEEN_FEES,
                ),
            )
    if fee is not None and fee > MAX_REMINDER_FEE and not (business_customer and b2b_contractual_fees):
        who = "a business customer without agreed higher fees" if business_customer else "a consumer"
        return FeeDecision(
            False,
            Reason(
                "fee.over_cap",
                f"fee {money_text(fee)} exceeds the {money_text(MAX_REMINDER_FEE)} maximum for {who} ({_FEE_LAW})",
                fee=fee,
                most=MAX_REMINDER_FEE,
                business=business_customer,
            ),
        )
    return FeeDecision(True)


# --- B2B compensation --------------------------------------------------------------


@dataclass(frozen=True)
class CompensationItem:
    """310.00 for one agreement's arrears period, and the invoices it covers."""

    agreement_id: str
    invoice_ids: tuple[str, ...]
    amount: Decimal = B2B_COMPENSATION


@dataclass(frozen=True)
class CompensationDue:
    """The compensation a reminder may add: one item per agreement not yet compensated."""

    items: tuple[CompensationItem, ...] = ()

    @property
    def amount(self) -> Decimal:
        return sum((item.amount for item in self.items), ZERO)

    @property
    def invoice_ids(self) -> list[str]:
        return sorted(invoice_id for item in self.items for invoice_id in item.invoice_ids)


def compensation_due(
    business_customer: bool,
    invoices: Sequence[InvoiceFeeHistory],
    agreements: Mapping[str, AgreementArrears],
) -> CompensationDue:
    """The B2B compensation (renteloven § 9 a, stk. 3) a reminder for ``invoices`` may add.

    Nothing for consumers. Per agreement: nothing when its current arrears
    period has been compensated already; otherwise 310.00 covering the
    agreement's invoices in the reminder that were never compensated —
    nothing if there are none.
    """
    if not business_customer:
        return CompensationDue()
    items: list[CompensationItem] = []
    for agreement_id in sorted({invoice.agreement_id for invoice in invoices}):
        arrears = agreements.get(agreement_id)
        if arrears is not None and arrears.compensated:
            continue
        fresh = sorted(
            invoice.invoice_id
            for invoice in invoices
            if invoice.agreement_id == agreement_id and not invoice.compensated
        )
        if fresh:
            items.append(CompensationItem(agreement_id=agreement_id, invoice_ids=tuple(fresh)))
    return CompensationDue(items=tuple(items))
