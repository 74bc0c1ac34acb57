"""Money is DKK as :class:`~decimal.Decimal` with two places — never a float."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
_MONEY = re.compile(r"^-?[0-9]+(\.[0-9]{2})?$")


def parse_money(value: object) -> Decimal:
    """Parse a decimal string with two places ("1250.00", or whole kroner "0"); refuse floats and ints.

    Floats are refused because ``0.1 + 0.2`` is not money; bare integers
    because the contract asks for two places and a missing ``.00`` is
    usually a typo for something else.
    """
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f'expected a decimal string with two places like "100.00", got {value!r}')
    if not _MONEY.match(value.strip()):
        raise ValueError(f'expected a decimal string with two places like "100.00", got {value!r}')
    return Decimal(value.strip())


def money_text(amount: Decimal) -> str:
    """The contract's text form: two places, no grouping ("1250.00")."""
    return f"{amount.quantize(CENT):.2f}"


Money = Annotated[Decimal, BeforeValidator(parse_money), PlainSerializer(money_text, return_type=str)]
"""A pydantic field type for DKK amounts given as strings with two places."""
