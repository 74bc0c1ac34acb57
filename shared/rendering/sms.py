"""The reminder SMS, its segment count, and phone-number normalisation.

Segment counting is hand-written. PyPI has GSM 03.38 *codecs* (e.g. ``gsm0338``), which
turn text into septets but do not split messages, and the packages that do split
(``smsutil``, last released 2020; ``sms-counter``, a lone 0.0.1) are unmaintained or
unproven. The rules are small and stable (3GPP TS 23.038 and 23.040), so they live here,
under test, instead of behind a dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from shared.rendering.content import ReminderContent
from shared.rendering.formatting import Language, format_money
from shared.rendering.variables import tenant_text, text_variables

if TYPE_CHECKING:  # Jinja2 and phonenumbers are imported where they are used, not at import
    from jinja2.sandbox import ImmutableSandboxedEnvironment

SmsEncodingName = Literal["GSM-7", "UCS-2"]

# The GSM 03.38 default alphabet, row by row as in TS 23.038 (0x1B, the escape to the
# extension table, is left out: it is not a character of its own).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + character, two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[]~|€")

GSM7_SINGLE_SEGMENT = 160
GSM7_CONCATENATED_SEGMENT = 153  # 7 septets go to the concatenation header (UDH)
UCS2_SINGLE_SEGMENT = 70
UCS2_CONCATENATED_SEGMENT = 67

# A reminder should cost at most this many segments; past it the invoice numbers are dropped.
MAX_REMINDER_SEGMENTS = 2


@dataclass(frozen=True, slots=True)
class SmsEncoding:
    """How a text travels as SMS.

    ``characters`` is in the encoding's units: septets for GSM-7 (an extension character
    counts 2), UTF-16 code units for UCS-2 (a character outside the BMP, e.g. most emoji,
    counts 2).
    """

    encoding: SmsEncodingName
    characters: int
    segments: int


@dataclass(frozen=True, slots=True)
class RenderedSms:
    """A reminder SMS ready to hand to the SMS service, with what it will cost."""

    text: str
    encoding: SmsEncodingName
    segments: int
    characters: int


def _gsm7_costs(text: str) -> list[int] | None:
    """Septets per character, or None when a character has no GSM-7 form."""
    costs = []
    for char in text:
        if char in GSM7_BASIC:
            costs.append(1)
        elif char in GSM7_EXTENSION:
            costs.append(2)
        else:
            return None
    return costs


def _pack(costs: list[int], per_segment: int) -> int:
    """Segments needed when no character may straddle two segments.

    An ESC + character pair split across segments, or half a UTF-16 surrogate pair,
    arrives as garbage, so a 2-unit character that does not fit opens a new segment.
    """
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_segment:
            segments, used = segments + 1, 0
        used += cost
    return segments


def count_segments(text: str) -> SmsEncoding:
    """Encoding, length and segment count of ``text`` sent as one (possibly concatenated) SMS.

    GSM-7 when every character is in the default alphabet or its extension table, else
    UCS-2. One segment holds 160 septets or 70 UTF-16 units; once concatenated, each holds
    153 or 67. An empty text still takes one segment.
    """
    costs = _gsm7_costs(text)
    encoding: SmsEncodingName
    if costs is not None:
        encoding, single, concatenated = "GSM-7", GSM7_SINGLE_SEGMENT, GSM7_CONCATENATED_SEGMENT
    else:
        encoding, single, concatenated = "UCS-2", UCS2_SINGLE_SEGMENT, UCS2_CONCATENATED_SEGMENT
        costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
    characters = sum(costs)
    segments = 1 if characters <= single else _pack(costs, concatenated)
    return SmsEncoding(encoding=encoding, characters=characters, segments=segments)


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    # SMS is plain text: nothing to escape. Sandboxed because tenants will edit the wording.
    from jinja2 import PackageLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(
        loader=PackageLoader("shared", "templates"),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


SMS_WAYS: dict[str, dict[str, str]] = {
    "da": {"link": " på {}", "mobilepay": " med MobilePay {}", "bank": " til {}", "fi": " med indbetalingskort {}"},
    "en": {
        "link": " at {}",
        "mobilepay": " by MobilePay {}",
        "bank": " to Danish bank {}",
        "fi": " by FI payment slip {}",
    },
}


def sms_way(language: Language, payment: dict[str, str | None]) -> str:
    """The one way to pay an SMS names: the pay link, else MobilePay, else the bank account, else FI."""
    for way in ("link", "mobilepay", "bank", "fi"):
        if value := payment.get(way):
            return SMS_WAYS[language][way].format(value)
    return ""


_SMS_CHARGES: dict[str, dict[str, str]] = {
    "da": {"fee": "rykkergebyr", "interest": "morarente", "compensation": "kompensationsbeløb", "and": "og"},
    "en": {"fee": "reminder fee", "interest": "interest", "compensation": "compensation", "and": "and"},
}


def charges_line(content: ReminderContent) -> str | None:
    """What the step puts on the next invoice, in one sentence: ``Rykkergebyr 100,00 kr. kommer på din
    næste faktura.``; interest and the B2B compensation are named with it. None when nothing."""
    language = content.language
    words = _SMS_CHARGES[language]
    charges = [("fee", content.fee)] if content.has_fee and content.fee is not None else []
    charges += content.step_charges
    if not charges:
        return None
    items = [f"{words[kind]} {format_money(amount, language, content.currency)}" for kind, amount in charges]
    listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {words['and']} {items[-1]}"
    if language == "da":
        sentence = f"{listed} kommer på din næste faktura."
    else:
        sentence = f"{listed} {'comes' if len(items) == 1 else 'come'} on your next invoice."
    return sentence[0].upper() + sentence[1:]


def _sms_context(content: ReminderContent, *, with_invoice_ids: bool) -> dict[str, Any]:
    variables = text_variables(content)
    return variables | {
        "invoice_count": len(content.invoices),
        "invoice_ids": ", ".join(line.invoice_id for line in content.invoices) if with_invoice_ids else "",
        "is_first": content.step_number == 1 and not content.is_warning,
        "is_warning": content.is_warning,
        "after_warning": content.after_warning,
        "way": sms_way(content.language, variables["payment"]),
        "charges": charges_line(content),
    }


def _mandatory_parts(content: ReminderContent, text: str) -> list[str]:
    """What a tenant's own SMS left out of what every reminder SMS says: the amount and pay-by
    date with a way to pay, the reference, the fee statement, the warning's consequence."""
    variables = text_variables(content)
    da = content.language == "da"
    parts = []
    way = sms_way(content.language, variables["payment"])
    if variables["total"] not in text or (way and way.split()[-1] not in text):
        pay = "Betal {} senest {}{}." if da else "Please pay {} by {}{}."
        parts.append(pay.format(variables["total"], variables["deadline"], way))
    if variables["reference"] and variables["reference"] not in text:
        parts.append(f"Ref. {variables['reference']}.")
    amounts = [variables["fee"]] if variables["fee"] else []
    amounts += [format_money(amount, content.language, content.currency) for _, amount in content.step_charges]
    if any(amount not in text for amount in amounts):
        parts.append(charges_line(content) or "")
    if content.is_warning and variables["deadline"] not in text:
        warning = (
            "Betales beløbet ikke senest {}, går kravet til inkasso med ekstra omkostninger."
            if da
            else "If unpaid by {}, the claim goes to debt collection at extra cost."
        )
        parts.append(warning.format(variables["deadline"]))
    return parts


def render_sms(content: ReminderContent) -> RenderedSms:
    """Render the reminder SMS in the customer's language.

    The text is one line. Invoice numbers are listed when the message still fits in
    :data:`MAX_REMINDER_SEGMENTS` segments; otherwise only their count is given. A text
    that does not fit even then (a very long tenant or step name) is returned as it is;
    ``segments`` tells the caller what it costs.
    """
    with_ids = _render_sms(content, with_invoice_ids=True)
    if with_ids.segments <= MAX_REMINDER_SEGMENTS:
        return with_ids
    return _render_sms(content, with_invoice_ids=False)


def _render_sms(content: ReminderContent, *, with_invoice_ids: bool) -> RenderedSms:
    own = tenant_text(content.texts.sms if content.texts else None, text_variables(content), html=False)
    if own is not None:
        rendered = " ".join([own, *_mandatory_parts(content, own)])
    else:
        template = _environment().get_template(f"sms/reminder_{content.language}.txt.j2")
        rendered = template.render(_sms_context(content, with_invoice_ids=with_invoice_ids))
    # One line: the template's line breaks are for its editors, and a newline in a
    # tenant-supplied name would otherwise reach the handset.
    text = " ".join(rendered.split())
    counted = count_segments(text)
    return RenderedSms(text=text, encoding=counted.encoding, segments=counted.segments, characters=counted.characters)


class PhoneProblem(ValueError):
    """Why a phone number cannot be used: the English text, a stable ``code`` (the status report
    says it in the tenant's language, ``shared/rendering/reasons.py``) and the number's country
    calling code when it was read that far."""

    def __init__(self, text: str, code: str, country: int | None = None) -> None:
        super().__init__(text)
        self.code = code
        self.country = country


@cache
def _problems() -> tuple[dict[int, tuple[str, str]], dict[int, tuple[str, str]]]:
    """Why a number cannot be parsed, and why it is not possible, by phonenumbers' codes: (code, English)."""
    from phonenumbers import NumberParseException, ValidationResult

    parse_problems = {
        NumberParseException.INVALID_COUNTRY_CODE: ("country_code", "its country code is missing or unknown"),
        NumberParseException.NOT_A_NUMBER: ("not_a_number", "it does not look like a phone number"),
        NumberParseException.TOO_SHORT_AFTER_IDD: (
            "short_after_prefix",
            "it is too short after the international prefix",
        ),
        NumberParseException.TOO_SHORT_NSN: ("too_short", "it is too short"),
        NumberParseException.TOO_LONG: ("too_long", "it is too long"),
    }
    impossible_problems = {
        ValidationResult.INVALID_COUNTRY_CODE: ("unknown_country_code", "its country code is unknown"),
        ValidationResult.TOO_SHORT: ("too_short", "it is too short"),
        ValidationResult.TOO_LONG: ("too_long", "it is too long"),
        ValidationResult.INVALID_LENGTH: ("wrong_length", "it has the wrong number of digits"),
        ValidationResult.IS_POSSIBLE_LOCAL_ONLY: ("local_only", "it can only be dialled locally"),
    }
    return parse_problems, impossible_problems


def normalize_phone(raw: str, default_region: str = "DK") -> str:
    """Return ``raw`` in E.164 form (``+4520123456``).

    A number without a country prefix is read as a number of ``default_region``.
    Raises :class:`PhoneProblem` (a ``ValueError``) saying what is wrong: unparseable, not
    possible (wrong length, unknown country code) or not valid (no such number range). The
    message never repeats the number itself, since error messages end up in logs.
    """
    import phonenumbers
    from phonenumbers import NumberParseException, ValidationResult

    parse_problems, impossible_problems = _problems()
    try:
        number = phonenumbers.parse(raw, default_region)
    except NumberParseException as error:
        code, problem = parse_problems.get(error.error_type, ("unparseable", "it cannot be parsed"))
        raise PhoneProblem(f"not a phone number: {problem}", code) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    country = number.country_code
    if reason != ValidationResult.IS_POSSIBLE:
        code, problem = impossible_problems.get(reason, ("impossible_length", "its length is not possible"))
        raise PhoneProblem(f"not a possible phone number (+{country}): {problem}", code, country)
    if not phonenumbers.is_valid_number(number):
        raise PhoneProblem(
            f"not a valid phone number (+{country}): no such number range is in use", "no_such_range", country
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
