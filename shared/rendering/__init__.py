"""Reminder texts: e-mail and SMS rendered from one :class:`ReminderContent`.

The names below are re-exported lazily (PEP 562): importing one submodule, e.g.
``shared.rendering.content``, must not load jinja2, babel and phonenumbers for
a consumer that never renders (a cold start cost).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.rendering.content import ReminderContent
    from shared.rendering.email import RenderedEmail, render_email
    from shared.rendering.formatting import Language, format_date, format_money
    from shared.rendering.sms import RenderedSms, SmsEncoding, count_segments, normalize_phone, render_sms

_HOME = {
    "ReminderContent": "content",
    "RenderedEmail": "email",
    "render_email": "email",
    "Language": "formatting",
    "format_date": "formatting",
    "format_money": "formatting",
    "RenderedSms": "sms",
    "SmsEncoding": "sms",
    "count_segments": "sms",
    "normalize_phone": "sms",
    "render_sms": "sms",
}

__all__ = [
    "Language",
    "ReminderContent",
    "RenderedEmail",
    "RenderedSms",
    "SmsEncoding",
    "count_segments",
    "format_date",
    "format_money",
    "normalize_phone",
    "render_email",
    "render_sms",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"shared.rendering.{_HOME[name]}"), name)
