"""A tenant's own texts for a step: the variables they see, the sandbox they run in, and the
checks that refuse a bad text when its template is defined.

A text is a Jinja2 template (``Kære {{ customer.name }}``) that reads the documented variables
(:data:`TEXT_VARIABLES`, docs/texts.md) and nothing else. It runs in an immutable
:class:`~jinja2.sandbox.SandboxedEnvironment` with no globals (no ``range``, ``lipsum``,
``cycler``, ``joiner``, ``namespace``, ``dict``), a short list of filters, and bounds on what
it may build, so whatever a tenant writes either renders a bounded text or fails fast:

- every value it builds (``'x' * n``, ``a ~ b``, a joined list, a method's result) is at most
  :data:`MAX_VALUE_CHARS` characters, a list or dict it writes at most :data:`MAX_BUILT_ITEMS`
  items (nested ones counted), and every number at most :data:`MAX_NUMBER_BITS` bits — checked
  *before* the value is built where it could be large;
- the work of one render (loop turns, calls, filters, operators, characters built or compared)
  is at most :data:`MAX_WORK`;
- the output of a part is at most :data:`PART_LIMITS` characters, counted while it streams;
- macros, call blocks, ``{% set %}…{% endset %}`` and ``{% filter %}`` blocks, includes,
  imports, ``extends`` and recursive loops are refused: each would let output pile up out of
  sight of the streaming limit, or reach other templates.

A body is plain text. In the HTML part of the e-mail it is escaped as a whole (markup a tenant
writes shows as written, ``<script>`` in a customer name is inert: ``render_tenant_text(…,
html=True)``), blank lines separate paragraphs (``<p>``) and a single line break becomes
``<br>``: :func:`text_to_html`.

The parts live in :mod:`shared.rendering.texts`: ``limits`` (the bounds and the render's budget),
``sandbox`` (the environment and its guards), ``render`` (rendering a text and a step's texts),
``checks`` (the refusals at definition, with the sample values) and ``segments`` (an SMS text's
cost). This module is their public face.
"""

from shared.rendering.texts.checks import TextError, sample_variables, validate_step_texts, validate_template_texts
from shared.rendering.texts.limits import (
    MAX_BODY_CHARS,
    MAX_BUILT_ITEMS,
    MAX_LINE_CHARS,
    MAX_NUMBER_BITS,
    MAX_VALUE_CHARS,
    MAX_WORK,
    PART_LIMITS,
    PARTS,
    ErrorKind,
    Part,
    TextRenderError,
)
from shared.rendering.texts.render import (
    RenderedStepTexts,
    one_line,
    render_step_texts,
    render_tenant_text,
    text_to_html,
)
from shared.rendering.texts.sandbox import REFUSED_CONSTRUCTS, SAFE_FILTERS, SAFE_STR_METHODS, TEXT_VARIABLES
from shared.rendering.texts.segments import SmsSegments, sms_segments, template_sms_segments

__all__ = [
    "MAX_BODY_CHARS",
    "MAX_BUILT_ITEMS",
    "MAX_LINE_CHARS",
    "MAX_NUMBER_BITS",
    "MAX_VALUE_CHARS",
    "MAX_WORK",
    "PARTS",
    "PART_LIMITS",
    "REFUSED_CONSTRUCTS",
    "SAFE_FILTERS",
    "SAFE_STR_METHODS",
    "TEXT_VARIABLES",
    "ErrorKind",
    "Part",
    "RenderedStepTexts",
    "SmsSegments",
    "TextError",
    "TextRenderError",
    "one_line",
    "render_step_texts",
    "render_tenant_text",
    "sample_variables",
    "sms_segments",
    "template_sms_segments",
    "text_to_html",
    "validate_step_texts",
    "validate_template_texts",
]
