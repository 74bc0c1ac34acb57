"""What a step's own SMS text costs: its encoding and segments, rendered with the sample values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.domain.templates import Step
from shared.rendering.formatting import Language
from shared.rendering.texts.checks import sample_variables
from shared.rendering.texts.limits import MAX_LINE_CHARS
from shared.rendering.texts.render import render_tenant_text

if TYPE_CHECKING:  # sms.py renders tenant SMS texts through these modules: import it only where used
    from shared.rendering.sms import SmsEncoding, SmsEncodingName


@dataclass(frozen=True, slots=True)
class SmsSegments:
    """What one step's own SMS text costs in one language, rendered with the sample values."""

    step: int
    step_name: str
    language: Language
    encoding: SmsEncodingName
    characters: int
    segments: int


def sms_segments(source: str, language: Language) -> SmsEncoding:
    """Encoding and segment count of an SMS text rendered with :func:`sample_variables`."""
    from shared.rendering.sms import count_segments

    return count_segments(render_tenant_text(source, sample_variables(language), html=False, limit=MAX_LINE_CHARS))


def template_sms_segments(steps: Sequence[Step]) -> list[SmsSegments]:
    """Each step's SMS segment count for each language that has an ``sms`` text (steps 1-based)."""
    found = []
    for number, step in enumerate(steps, 1):
        languages: tuple[Language, ...] = ("da", "en")
        for language in languages:
            texts = (step.texts or {}).get(language)
            if texts is not None and texts.sms is not None:
                counted = sms_segments(texts.sms, language)
                found.append(
                    SmsSegments(
                        step=number,
                        step_name=step.name,
                        language=language,
                        encoding=counted.encoding,
                        characters=counted.characters,
                        segments=counted.segments,
                    )
                )
    return found
