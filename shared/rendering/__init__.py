"""Reminder texts: e-mail and SMS rendered from one :class:`ReminderContent`."""

from shared.rendering.content import ReminderContent
from shared.rendering.email import RenderedEmail, render_email
from shared.rendering.formatting import Language, format_date, format_money
from shared.rendering.sms import RenderedSms, SmsEncoding, count_segments, normalize_phone, render_sms

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
