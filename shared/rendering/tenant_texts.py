"""A tenant's own step texts, rendered in Jinja2's sandbox (minimal version; helper "texts" owns
the full module: validation at definition, the sample variables, size limits).

The variables a text sees are documented in docs (TEXT_VARIABLES); every value arrives formatted.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

TEXT_VARIABLES = ("customer", "invoices", "total", "fee", "deadline", "reference", "payment", "sender", "step")


@cache
def _environment(html: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=html, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_tenant_text(source: str, variables: dict[str, Any], *, html: bool) -> str:
    """Render a tenant's text with ``variables``; HTML-escaped when ``html`` (the e-mail's HTML part)."""
    return _environment(html).from_string(source).render(variables)
