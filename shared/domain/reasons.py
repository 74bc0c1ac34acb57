"""Why something did not happen, as a stable code with its facts — and in English.

A :class:`Reason` *is* its English text (a ``str``), so every effect keeps the
``reason`` it has always printed, while the code and parameters travel with it
to the tenant's status report and notices, which say it in the tenant's language
(``shared/rendering/reasons.py``). A reason that is a plain ``str`` still works:
it is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator


class Reason(str):
    """An English reason text that also carries ``code`` and ``params`` (amounts as Decimal, dates as date)."""

    code: str
    params: Mapping[str, Any]

    def __new__(cls, code: str, text: str, **params: Any) -> Reason:
        reason = super().__new__(cls, text)
        reason.code = code
        reason.params = params
        return reason

    def __reduce__(self) -> tuple[Any, ...]:  # copy/pickle keep the code
        return (_rebuild, (self.code, str(self), dict(self.params)))


def _rebuild(code: str, text: str, params: dict[str, Any]) -> Reason:
    return Reason(code, text, **params)


def _keep(value: Any) -> str:
    # Pydantic would turn a str subclass into a plain str and lose the code.
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty reason text")
    return value


ReasonText = Annotated[str, PlainValidator(_keep), PlainSerializer(str, return_type=str)]
"""A model field holding a reason: any non-empty text, a :class:`Reason` kept as it is."""
