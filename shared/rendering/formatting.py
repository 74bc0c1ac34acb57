"""Money and dates as a Danish business writes them to its customers.

Danish texts follow Danish convention: ``1.250,00 kr.`` and ``15. januar 2026``.

English texts are for customers who asked for English, often living abroad. They
get English digit grouping and the ISO code in front, ``DKK 1,250.00``: "kr." is
also the Swedish, Norwegian and Icelandic krone, and an English reader expects
``1,250.00`` rather than ``1.250,00``. Dates are British day-month-year,
``15 January 2026``, so ``05/06`` can never be misread as 6 May.

Amounts are :class:`~decimal.Decimal` only; a float is rejected rather than
rounded, because a float amount is already a bug upstream.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Language = Literal["da", "en"]

_LOCALES: dict[Language, str] = {"da": "da_DK", "en": "en_GB"}
# Danish: Babel's own pattern for da_DK ("1.250,00 kr.").
# English: the ISO code before the amount, with an explicit minus sign first.
_MONEY_PATTERNS: dict[Language, str | None] = {"da": None, "en": "¤¤ #,##0.00;-¤¤ #,##0.00"}
_DATE_PATTERNS: dict[Language, str] = {"da": "d. MMMM y", "en": "d MMMM y"}
_CENT = Decimal("0.01")


def _locale(language: Language) -> str:
    try:
        return _LOCALES[language]
    except KeyError:
        raise ValueError(f"unsupported language {language!r}; expected one of {sorted(_LOCALES)}") from None


def format_money(amount: Decimal, language: Language, currency: str = "DKK") -> str:
    """Format an amount for a customer-facing text, e.g. ``1.250,00 kr.`` or ``DKK 1,250.00``.

    The amount is rounded half-up to øre (Danish commercial rounding; Babel's default is
    half-even). The space between number and currency is a plain space, not Babel's
    no-break space: U+00A0 is outside the GSM-7 alphabet and would turn an SMS into UCS-2.
    """
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError("amount must be a finite number")
    locale = _locale(language)
    rounded = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    from babel.numbers import format_currency  # Babel where a text is formatted, not at import

    text = format_currency(rounded, currency, format=_MONEY_PATTERNS[language], locale=locale)
    return text.replace("\xa0", " ")


def format_date(day: date, language: Language) -> str:
    """Format a date in long form: ``15. januar 2026`` (da) or ``15 January 2026`` (en)."""
    locale = _locale(language)
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, _DATE_PATTERNS[language], locale=locale)


def format_short_date(day: date) -> str:
    """A date in Danish numeric form, ``15.01.2026`` — where space is short (a Betalingsservice slip line)."""
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, "dd.MM.y", locale=_LOCALES["da"])
