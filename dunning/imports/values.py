"""Cell values as accounting exports write them: Danish and ISO amounts and dates, yes/no, languages,
countries, phone numbers. Each parser returns the value or raises ``ValueError`` with what was expected."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
AMOUNT_EXPECTED = "an amount like 1.250,00 or 1250.00"
DATE_EXPECTED = "a date like 15-01-2026, 15.01.2026 or 2026-01-15"

_CURRENCY = re.compile(r"(?i)\b(dkk|kr)\b\.?")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def decimal_mark(texts: list[str]) -> str | None:
    """The decimal mark a column uses where some cell shows it unambiguously (``,05`` or ``.50``)."""
    for text in texts:
        cleaned = _SPACES.sub("", _CURRENCY.sub("", text))
        found = re.search(r"([.,])[0-9]{1,2}\)?-?$", cleaned)
        if found:
            return found.group(1)
    return None


def parse_amount(text: str, mark: str | None = None) -> Decimal:
    """``1.250,00``, ``1250.00``, ``-75,50``, ``75,50-``, ``(75,50)``, ``kr. 1.250,00``, ``1 250`` -> Decimal.

    A single separator followed by three digits (``1.250``) is a thousands separator when the
    column's other cells use the other mark (``mark``), and refused as ambiguous otherwise.
    """
    cleaned = _SPACES.sub("", _CURRENCY.sub("", text)).replace("\u2212", "-")
    whole_kroner = re.search(r"([.,])[-\u2013]$", cleaned)  # "1.250,-": whole kroner, not a minus
    if whole_kroner:
        mark, cleaned = whole_kroner.group(1), cleaned[:-2]
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if cleaned.endswith("-"):
        negative, cleaned = True, cleaned[:-1]
    if cleaned.startswith(("-", "+")):
        negative, cleaned = cleaned[0] == "-", cleaned[1:]
    if not re.fullmatch(r"[0-9][0-9.,]*", cleaned or "x"):
        raise ValueError(f"{AMOUNT_EXPECTED}, not {text!r}")
    separators = [c for c in cleaned if c in ".,"]
    if not separators:
        digits = cleaned
    elif len(set(separators)) == 2:
        decimal = separators[-1]
        whole, _, fraction = cleaned.rpartition(decimal)
        if decimal in whole.replace("." if decimal == "," else ",", ""):
            raise ValueError(f"{AMOUNT_EXPECTED}, not {text!r}")
        digits = _grouped(whole, "." if decimal == "," else ",", text) + "." + fraction
    else:
        separator = separators[0]
        whole, _, fraction = cleaned.rpartition(separator)
        if len(separators) > 1 or (len(fraction) == 3 and (mark is not None and mark != separator)):
            digits = _grouped(cleaned, separator, text)
        elif len(fraction) == 3:
            raise ValueError(
                f"{AMOUNT_EXPECTED}: is {text!r} {whole}{separator}{fraction[:2]} or {whole}{fraction}? "
                "write the decimals (1.250,00)"
            )
        else:
            digits = f"{whole}.{fraction}"
    try:
        amount = Decimal(digits)
    except InvalidOperation as error:
        raise ValueError(f"{AMOUNT_EXPECTED}, not {text!r}") from error
    if amount != amount.quantize(CENT):
        raise ValueError(f"{AMOUNT_EXPECTED} (at most 2 decimals), not {text!r}")
    return (-amount if negative else amount).quantize(CENT)


def _grouped(text: str, separator: str, original: str) -> str:
    """Digits grouped by thousands (``1.250.000``): every group after the first has three digits."""
    groups = text.split(separator)
    if not groups[0] or any(len(group) != 3 for group in groups[1:]):
        raise ValueError(f"{AMOUNT_EXPECTED}, not {original!r}")
    return "".join(groups)


_MONTHS = {
    "jan": 1, "januar": 1, "january": 1, "feb": 2, "februar": 2, "february": 2, "mar": 3, "marts": 3, "march": 3,
    "apr": 4, "april": 4, "maj": 5, "may": 5, "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oct": 10, "oktober": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_NAMED = re.compile(r"^([0-9]{1,2})\.?[ -]?([a-zæøå]+)\.?[ -]?([0-9]{4})$")
_DMY = re.compile(r"^([0-9]{1,2})[-./ ]([0-9]{1,2})[-./ ]([0-9]{4}|[0-9]{2})(?:[T ][0-9:.]+)?$")
_YMD = re.compile(r"^([0-9]{4})[-./]([0-9]{1,2})[-./]([0-9]{1,2})(?:[T ][0-9:.]+Z?)?$")


def parse_date(text: str) -> date:
    """``15-01-2026``, ``15.01.2026``, ``15/1/26``, ``2026-01-15``, ``15. jan. 2026`` (day first) -> date."""
    cleaned = text.strip()
    found = _YMD.match(cleaned)
    named = _NAMED.match(cleaned.lower())
    if found:
        year, month, day = (int(part) for part in found.groups())
    elif named and named.group(2) in _MONTHS:  # 15. jan. 2026, 15-Jan-2026
        day, month, year = int(named.group(1)), _MONTHS[named.group(2)], int(named.group(3))
    else:
        found = _DMY.match(cleaned)
        if not found:
            raise ValueError(f"{DATE_EXPECTED}, not {text!r}")
        day, month, year = (int(part) for part in found.groups())
        if year < 100:
            year += 2000
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"{DATE_EXPECTED} (day-month-year), not {text!r}: {error}") from error


_YES = {"ja", "j", "yes", "y", "true", "sand", "1", "x", "erhverv", "business", "b2b", "virksomhed", "firma"}
_NO = {"nej", "n", "no", "false", "falsk", "0", "", "privat", "private", "b2c", "person", "forbruger", "consumer"}


def parse_yes_no(text: str) -> bool:
    """ja/nej, yes/no, true/false, 1/0, x, erhverv/privat -> bool."""
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"ja or nej (yes/no, erhverv/privat), not {text!r}")


_LANGUAGES = {
    "da": "da", "dk": "da", "dansk": "da", "danish": "da", "da-dk": "da", "danmark": "da",
    "en": "en", "engelsk": "en", "english": "en", "en-gb": "en", "en-us": "en", "gb": "en", "uk": "en",
}  # fmt: skip


# Languages the engine does not write: their customers get English rather than Danish.
_OTHER_LANGUAGES = {
    "de", "sv", "no", "nb", "nn", "fi", "fr", "nl", "pl", "es", "it", "is", "fo", "kl", "de-de", "sv-se", "nb-no",
    "tysk", "svensk", "norsk", "finsk", "fransk", "hollandsk", "polsk", "spansk", "italiensk", "islandsk",
    "færøsk", "grønlandsk", "german", "deutsch", "swedish", "norwegian", "finnish", "french", "dutch", "polish",
    "spanish", "italian",
}  # fmt: skip


def parse_language(text: str) -> str:
    """da/en in any of the ways exports write them (dansk, English, DK, en-GB); another language is en."""
    key = text.strip().lower().replace("_", "-")
    value = _LANGUAGES.get(key) or ("en" if key in _OTHER_LANGUAGES else None)
    if value is None:
        raise ValueError(f"da or en (dansk/engelsk), not {text!r}")
    return value


_COUNTRIES = {
    "danmark": "DK", "denmark": "DK", "dk": "DK", "sverige": "SE", "sweden": "SE", "norge": "NO",
    "norway": "NO", "tyskland": "DE", "germany": "DE", "deutschland": "DE", "finland": "FI",
    "island": "IS", "iceland": "IS", "færøerne": "FO", "faroe islands": "FO", "grønland": "GL",
    "greenland": "GL", "storbritannien": "GB", "england": "GB", "united kingdom": "GB",
    "holland": "NL", "nederlandene": "NL", "netherlands": "NL", "frankrig": "FR", "france": "FR",
    "polen": "PL", "poland": "PL", "spanien": "ES", "spain": "ES", "italien": "IT", "italy": "IT",
    "usa": "US", "united states": "US",
}  # fmt: skip


def parse_country(text: str) -> str:
    """An ISO 3166 alpha-2 code (``DK``, ``se``) or a common Danish/English country name."""
    value = text.strip()
    if re.fullmatch(r"[A-Za-z]{2}", value):
        return value.upper()
    code = _COUNTRIES.get(value.lower())
    if code is None:
        raise ValueError(f"a country code like DK or SE (or a name like Danmark), not {text!r}")
    return code


def parse_phone(text: str) -> str:
    """``+45 20 12 34 56``, ``20-12-34-56``, ``(+45) 20123456``, ``20123456 / 70123456`` -> ``+4520123456``."""
    first = re.split(r"[/,;]| og | or ", text)[0]  # of several numbers, the first
    value = re.sub(r"[\s\u00a0().-]", "", first)
    if value.startswith("00"):
        value = "+" + value[2:]
    if not re.fullmatch(r"\+?[0-9]{4,19}", value):
        raise ValueError(f"a phone number like +45 20 12 34 56, not {text!r}")
    return value


def parse_email(text: str) -> str:
    """An e-mail address; of several (``a@x.dk; b@x.dk``) the first, the one reminders go to."""
    first = re.split(r"[;,\s]+", text.strip())[0]
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", first) or len(first) > 254:
        raise ValueError(f"an e-mail address like navn@firma.dk, not {text!r}")
    return first
