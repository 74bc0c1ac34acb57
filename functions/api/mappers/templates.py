"""Template versions, what defining one did, and a step's preview as the API answers them."""

from __future__ import annotations

from dataclasses import asdict

from shared.api.models.templates import (
    DefineOut,
    EmailPreviewOut,
    PreviewOut,
    SmsPreviewOut,
    SmsSegmentsOut,
    StepOut,
    TemplateOut,
    VersionOut,
)
from shared.domain.templates import TemplateVersion
from shared.services.preview import StepPreview
from shared.services.tenant.templates import DefineResult, VersionView


def version_out(version: TemplateVersion, created_on: str) -> VersionOut:
    return VersionOut(
        version_id=version.version_id,
        name=version.name,
        number=version.number,
        used=version.used,
        created_on=created_on,
        steps=[StepOut.model_validate(step.model_dump(mode="json")) for step in version.steps],
    )


def template_out(name: str, views: list[VersionView]) -> TemplateOut:
    versions = [version_out(v.version, v.created_on) for v in views]
    return TemplateOut(name=name, latest=versions[-1].version_id, versions=versions)


def define_out(result: DefineResult, stored: VersionView) -> DefineOut:
    """What defining a version did, the version as stored, and what each step's SMS costs."""
    return DefineOut(
        outcome=result.outcome,
        version=version_out(stored.version, stored.created_on),
        sms=[SmsSegmentsOut.model_validate(asdict(counted)) for counted in result.sms],
    )


def preview_out(shown: StepPreview) -> PreviewOut:
    return PreviewOut(
        version_id=shown.version_id,
        step=shown.step_number,
        step_name=shown.step_name,
        actions=shown.actions,
        language=shown.language,
        customer=shown.customer.customer_id,
        sample_customer=shown.sample_customer,
        sample_invoices=shown.sample_invoices,
        invoices=shown.message.invoice_ids,
        email=EmailPreviewOut(subject=shown.email.subject, html=shown.email.html, text=shown.email.text),
        sms=SmsPreviewOut(
            text=shown.sms.text,
            encoding=shown.sms.encoding,
            characters=shown.sms.characters,
            segments=shown.sms.segments,
        ),
        bs_text_lines=shown.slip_lines,
    )
