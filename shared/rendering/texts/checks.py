"""A tenant's texts checked when their template is defined: each part compiled, then rendered with
realistic sample values (the full and the sparsest shape), so a bad text is refused naming its
field and what was expected — before any customer could receive it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.reference import fi_code_line, payment_id
from shared.domain.templates import Step, StepTexts
from shared.rendering.formatting import Language, format_date, format_money
from shared.rendering.texts.limits import PART_LIMITS, PARTS, ErrorKind, Part, TextRenderError
from shared.rendering.texts.render import render_tenant_text
from shared.rendering.texts.sandbox import compiled
from shared.rendering.variables import display_bank_account


class TextError(ValueError):
    """A step text refused at definition: ``field`` is its path, e.g.
    ``templates[0].steps[1].texts.da.body``; ``expected`` says what is wrong and what was expected."""

    def __init__(self, field: str, expected: str, kind: ErrorKind = "failure") -> None:
        super().__init__(f"{field}: {expected}")
        self.field = field
        self.expected = expected
        self.kind: ErrorKind = kind


def _money(amount: str, language: Language) -> str:
    return format_money(Decimal(amount), language)


def sample_variables(language: Language, *, minimal: bool = False) -> dict[str, Any]:
    """A realistic set of the variables, in exactly the shape the real ones have (docs/texts.md).

    ``minimal``: the sparsest real shape — one invoice, no fee, no deadline, no ways to pay, a
    sender with a name only — so a text that only works when a value is given is caught too.
    """
    reference = payment_id(1234)
    invoices = [
        {
            "id": "F-2026-0117",
            "issued": format_date(date(2026, 1, 2), language),
            "due": format_date(date(2026, 1, 16), language),
            "amount": _money("1250.00", language),
            "open_amount": _money("1250.00", language),
        },
        {
            "id": "F-2026-0142",
            "issued": format_date(date(2026, 1, 9), language),
            "due": format_date(date(2026, 1, 23), language),
            "amount": _money("3480.50", language),
            "open_amount": _money("2480.50", language),
        },
    ]
    if minimal:
        return {
            "customer": {"id": "K1001", "name": "Jensen & Søn ApS"},
            "invoices": invoices[:1],
            "total": _money("1250.00", language),
            "fee": None,
            "deadline": None,
            "reference": reference,
            "payment": dict.fromkeys(("bank", "iban", "bic", "fi", "mobilepay", "link")),
            "sender": {"name": "Fjernvarme Demo A/S", "cvr": None, "address": None, "phone": None, "email": None},
            "step": {"name": "Rykker 1", "number": 1, "count": 3},
        }
    return {
        "customer": {"id": "K1001", "name": "Jensen & Søn ApS"},
        "invoices": invoices,
        "total": _money("3730.50", language),
        "fee": _money("100.00", language),
        "deadline": format_date(date(2026, 2, 17), language),
        "reference": reference,
        "payment": {
            "bank": display_bank_account("1234", "0001234567", language),
            "iban": "DK50 0040 0440 1162 43",
            "bic": "DABADKKK",
            "fi": fi_code_line(reference, "87654321"),
            "mobilepay": "12345",
            "link": f"https://betal.example/{reference}",
        },
        "sender": {
            "name": "Fjernvarme Demo A/S",
            "cvr": "12345678",
            "address": "Industrivej 4, 7100 Vejle",
            "phone": "+45 70 10 10 10",
            "email": "bogholderi@fjernvarme.example",
        },
        "step": {"name": "Rykker 2", "number": 2, "count": 3},
    }


def validate_step_texts(texts: Mapping[Language, StepTexts] | None, path: str) -> None:
    """Refuse a step's texts at definition, naming the field (``{path}.da.body``) and what was
    expected: a text that does not compile, reads an unknown variable or attribute, reaches for
    Python internals, uses a refused tag, filter or method, passes a size limit, or (a subject)
    has a line break. Each text is rendered with the full and the sparsest sample values."""
    for language, parts in (texts or {}).items():
        for part in PARTS:
            source = getattr(parts, part)
            if source is not None:
                _validate_part(part, source, language, f"{path}.{language}.{part}")


def _validate_part(part: Part, source: str, language: Language, field: str) -> None:
    if part == "subject" and ("\n" in source or "\r" in source):
        raise TextError(field, "one line: a subject has no line break", "line_break")
    try:
        compiled(source)
    except TextRenderError as error:
        raise TextError(field, str(error), error.kind) from None
    for minimal in (False, True):
        try:
            text = render_tenant_text(
                source, sample_variables(language, minimal=minimal), html=False, limit=PART_LIMITS[part]
            )
        except TextRenderError as error:
            raise TextError(field, f"{error} (found rendering the sample values)", error.kind) from None
        if part == "subject" and ("\n" in text or "\r" in text):
            raise TextError(field, "one line: the subject renders with a line break", "line_break")


def validate_template_texts(steps: Sequence[Step], prefix: str = "") -> None:
    """:func:`validate_step_texts` for every step: fields ``{prefix}steps[j].texts.da.body``."""
    for index, step in enumerate(steps):
        validate_step_texts(step.texts, f"{prefix}steps[{index}].texts")
