"""Betalingsservice: Leverance 0601 deliveries of reminder payment slips (section 0117, code 0285).

Pure Python, no AWS: :func:`build_delivery` turns a header and slips into a
delivery's records; :func:`parse_delivery` reads one back and reconciles its
totals; :mod:`~shared.betalingsservice.bankdays` knows the Danish bank days
behind the due-date rule. See docs/betalingsservice.md.
"""

from shared.betalingsservice.bankdays import add_bank_days, is_bank_day, next_bank_day
from shared.betalingsservice.reader import DeliveryFormatError, ParsedDelivery, ParsedSection, parse_delivery
from shared.betalingsservice.records import FieldError
from shared.betalingsservice.writer import (
    BsSlip,
    Delivery,
    DeliveryHeader,
    DueDateTooEarlyError,
    DuplicatePaymentError,
    build_delivery,
    earliest_due_date,
    reminder_text_lines,
)

__all__ = [
    "BsSlip",
    "Delivery",
    "DeliveryFormatError",
    "DeliveryHeader",
    "DueDateTooEarlyError",
    "DuplicatePaymentError",
    "FieldError",
    "ParsedDelivery",
    "ParsedSection",
    "add_bank_days",
    "build_delivery",
    "earliest_due_date",
    "is_bank_day",
    "next_bank_day",
    "parse_delivery",
    "reminder_text_lines",
]
