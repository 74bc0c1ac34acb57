"""Payment references: one numeric reference per reminder, written as an FI-kort +71 payment id.

The FI rule (Fællesindbetalingskort, card type 71): a 15-digit payment id whose last digit is a
modulus-10 check digit — weights 2, 1, 2, 1 … from the right of the id without its check digit,
the digits of each product summed, check digit = (10 − sum mod 10) mod 10. The same number is the
reference a bank transfer, MobilePay or a pay link carries, so an incoming payment can be matched
to the reminder (and so its customer and invoices) whichever way it was paid.
"""

from __future__ import annotations

PAYMENT_ID_DIGITS = 15
MAX_REFERENCE_NUMBER = 10 ** (PAYMENT_ID_DIGITS - 1) - 1


def mod10_check_digit(digits: str) -> str:
    """The FI modulus-10 check digit of ``digits`` (the payment id without its check digit)."""
    if not digits.isdigit() or not digits.isascii():
        raise ValueError("expected digits only")
    total = 0
    for position, char in enumerate(reversed(digits)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def payment_id(number: int) -> str:
    """The 15-digit +71 payment id of reference ``number``: zero-padded, check digit last.

    ``payment_id(2) == "000000000000026"``.
    """
    if not 1 <= number <= MAX_REFERENCE_NUMBER:
        raise ValueError(f"a reference number is 1..{MAX_REFERENCE_NUMBER}, not {number}")
    body = str(number).zfill(PAYMENT_ID_DIGITS - 1)
    return body + mod10_check_digit(body)


def is_valid_payment_id(value: str) -> bool:
    """Whether ``value`` is a 15-digit payment id with a correct check digit."""
    return (
        len(value) == PAYMENT_ID_DIGITS
        and value.isascii()
        and value.isdigit()
        and mod10_check_digit(value[:-1]) == value[-1]
    )


def fi_code_line(reference: str, creditor: str) -> str:
    """The code line of an FI-kort +71: ``+71<payment id+creditor number<``."""
    return f"+71<{reference}+{creditor}<"
