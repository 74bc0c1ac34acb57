"""Rendering a tenant's text in the sandbox, streaming it within its part's limit, and a step's
own texts as a letter uses them (subject on one line, body as text and HTML, SMS)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2.exceptions import SecurityError, TemplateError, UndefinedError

from shared.domain.templates import StepTexts
from shared.rendering.texts.limits import (
    CURRENT_BUDGET,
    MAX_BODY_CHARS,
    PART_LIMITS,
    RenderBudget,
    TextRenderError,
    given_containers,
)
from shared.rendering.texts.sandbox import DOCS, compiled


def render_tenant_text(source: str, variables: Mapping[str, Any], *, html: bool, limit: int = MAX_BODY_CHARS) -> str:
    """Render a tenant's text with ``variables`` (see :data:`TEXT_VARIABLES`) in the sandbox.

    Plain text, at most ``limit`` characters (:data:`PART_LIMITS`). With ``html`` the whole
    rendered text is HTML-escaped — the values and the tenant's own words alike, so neither a
    customer's name nor the text itself can carry markup; :func:`text_to_html` (or the letter's
    layout) then makes paragraphs of it. Raises :class:`TextRenderError` for a text that does not
    compile, reads an unknown variable, reaches for internals, or passes a limit — never anything else.
    """
    template = compiled(source)
    token = CURRENT_BUDGET.set(RenderBudget(given=frozenset(given_containers(variables, set()))))
    try:
        chunks: list[str] = []
        size = 0
        for chunk in template.generate(dict(variables)):
            size += len(chunk)
            if size > limit:
                raise TextRenderError(f"the text renders to more than {limit:,} characters", "limit")
            chunks.append(chunk)
    except TextRenderError:
        raise
    except SecurityError as error:
        raise TextRenderError(
            f"the text tries to reach Python internals ({error.message}); a text may only read the "
            f"documented variables ({DOCS})",
            "internals",
        ) from None
    except UndefinedError as error:
        raise TextRenderError(
            f"unknown variable or attribute: {error.message}; expected the documented variables ({DOCS})",
            "variable",
        ) from None
    except TemplateError as error:
        raise TextRenderError(f"the text cannot be rendered: {error.message}", "failure") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as error:
        # The tenant's own expression failed ({{ 1 / 0 }}, {{ invoices[9] }}): its fault, said plainly.
        raise TextRenderError(f"the text cannot be rendered: {type(error).__name__}: {error}", "failure") from None
    finally:
        CURRENT_BUDGET.reset(token)
    text = "".join(chunks)
    return html_lib.escape(text) if html else text


_PARAGRAPH_BREAK = re.compile(r"\n(?:[ \t]*\n)+")


def text_to_html(text: str) -> str:
    """A plain text (a rendered body) as HTML: every character escaped, paragraphs (split at blank
    lines) in ``<p>``, single line breaks as ``<br>``."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(normalised) if p.strip()]
    return "\n".join(
        '<p style="margin:0 0 16px;">' + "<br>\n".join(html_lib.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def one_line(text: str) -> str:
    """Whitespace (line breaks too) collapsed to single spaces: a subject never breaks a header."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class RenderedStepTexts:
    """A step's own texts in one language, rendered; None where the tenant gave no text."""

    subject: str | None
    body_text: str | None
    body_html: str | None
    sms: str | None


def render_step_texts(texts: StepTexts | None, variables: Mapping[str, Any]) -> RenderedStepTexts:
    """Render each part a tenant gave (subject on one line, body as text and as HTML, SMS)."""
    if texts is None:
        return RenderedStepTexts(None, None, None, None)
    subject = body_text = body_html = sms = None
    if texts.subject is not None:
        subject = one_line(render_tenant_text(texts.subject, variables, html=False, limit=PART_LIMITS["subject"]))
    if texts.body is not None:
        body_text = render_tenant_text(texts.body, variables, html=False, limit=PART_LIMITS["body"])
        body_html = text_to_html(body_text)
    if texts.sms is not None:
        sms = render_tenant_text(texts.sms, variables, html=False, limit=PART_LIMITS["sms"])
    return RenderedStepTexts(subject, body_text, body_html, sms)
