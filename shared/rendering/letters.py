"""Every letter of one reminder, rendered in one place: the e-mail, the SMS and the BS slip's text.

:func:`render_reminder` is what the consumers (and the operator's preview) call. The letters are
written from one :class:`~shared.rendering.content.ReminderContent`, so the amount, the pay-by
date, the reference and the fee statement agree across channels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from shared.domain.settings import TenantSettings
from shared.domain.templates import StepTexts
from shared.messages import ActionMessage
from shared.rendering.content import ClaimLine, ReminderContent
from shared.rendering.email import RenderedEmail, render_email
from shared.rendering.formatting import Language
from shared.rendering.sms import RenderedSms, render_sms
from shared.rendering.variables import text_variables

__all__ = ["RenderedReminder", "reminder_content", "render_reminder", "text_variables"]


class Addressee(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def language(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RenderedReminder:
    """One reminder as the debtor gets it on each channel."""

    email: RenderedEmail
    sms: RenderedSms
    slip_lines: list[str]


def reminder_content(
    message: ActionMessage,
    customer: Addressee,
    settings: TenantSettings,
    texts: Mapping[Language, StepTexts] | None = None,
    charged_before: list[ClaimLine] | None = None,
) -> ReminderContent:
    """The facts of the reminder ``message`` stands for, in the customer's language, with the
    tenant's sender and ways to pay and the step's own texts in that language (if any)."""
    language: Language = "en" if customer.language == "en" else "da"
    return ReminderContent.from_action(
        message,
        tenant_name=settings.display_name,
        customer_name=customer.name,
        language=language,
        sender=settings.sender,
        payment=settings.payment,
        texts=(texts or {}).get(language),
        charged_before=charged_before,
    )


def render_reminder(
    message: ActionMessage,
    customer: Addressee,
    settings: TenantSettings,
    texts: Mapping[Language, StepTexts] | None = None,
    charged_before: list[ClaimLine] | None = None,
) -> RenderedReminder:
    """Render all of a reminder's letters: e-mail (subject, HTML, text, Reply-To), SMS, BS slip lines.

    ``texts`` are the step's own texts by language (``template.step(n).texts``); ``charged_before``
    the fees, interest and compensation already on the billing queue for the reminder's invoices
    (listed in a collection warning's claim).
    """
    from shared.services.bs_delivery import slip_text  # the slip's layout lives with the 0601 delivery

    content = reminder_content(message, customer, settings, texts, charged_before)
    return RenderedReminder(
        email=render_email(content),
        sms=render_sms(content),
        slip_lines=slip_text(message, settings.display_name, charged_before or (), content.language),
    )
