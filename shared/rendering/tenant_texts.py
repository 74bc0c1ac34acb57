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
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import pass_context, pass_environment
from jinja2.visitor import NodeTransformer

from shared.domain.reference import fi_code_line, payment_id
from shared.domain.templates import Step, StepTexts
from shared.rendering.formatting import Language, format_date, format_money

if TYPE_CHECKING:  # sms.py renders tenant SMS texts with this module: import it only where used
    from shared.rendering.sms import SmsEncoding, SmsEncodingName

TEXT_VARIABLES: frozenset[str] = frozenset(
    {"customer", "invoices", "total", "fee", "deadline", "reference", "payment", "sender", "step"}
)
"""The names a text may read (docs/texts.md; the shape is in :func:`sample_variables`)."""

Part = Literal["subject", "body", "sms"]
PARTS: tuple[Part, ...] = ("subject", "body", "sms")

MAX_BODY_CHARS = 20_000
MAX_LINE_CHARS = 1_000
PART_LIMITS: dict[Part, int] = {"subject": MAX_LINE_CHARS, "body": MAX_BODY_CHARS, "sms": MAX_LINE_CHARS}
"""The longest rendered text of each part, in characters (before a body is turned into HTML)."""

MAX_VALUE_CHARS = MAX_BODY_CHARS
"""The largest value a text may build: characters of a string, items of a list."""
MAX_NUMBER_BITS = 256
MAX_EXPONENT = 64
MAX_BUILT_ITEMS = 1_000
"""The most items of a list, tuple or dict a text writes (``[a, b]``) or repeats, nested ones counted."""
MAX_WORK = 1_000_000
"""The work of one render — a unit per loop turn, call, filter, operator, and per character or item
built or compared: far above any letter, far below a hang (well under a second)."""

SAFE_FILTERS: frozenset[str] = frozenset(
    {
        "abs",
        "capitalize",
        "count",
        "d",
        "default",
        "first",
        "float",
        "int",
        "join",
        "last",
        "length",
        "list",
        "lower",
        "map",
        "max",
        "min",
        "reject",
        "rejectattr",
        "reverse",
        "round",
        "select",
        "selectattr",
        "sort",
        "string",
        "title",
        "trim",
        "truncate",
        "unique",
        "upper",
        "wordcount",
    }
)
"""The filters a text may use. Left out: those that build text from a number (``center``,
``indent``, ``wordwrap``, ``format``, ``batch``, ``replace``) and those that mean nothing in plain
text (``escape``, ``safe``, ``urlize``, ``xmlattr``, ``tojson``)."""
TEXT_FILTERS: frozenset[str] = frozenset(
    {"capitalize", "lower", "string", "title", "trim", "truncate", "upper", "wordcount"}
)
"""The filters that turn any value into text first."""

SAFE_STR_METHODS: frozenset[str] = frozenset(
    {
        "capitalize",
        "casefold",
        "count",
        "endswith",
        "find",
        "isalnum",
        "isalpha",
        "isdigit",
        "islower",
        "isnumeric",
        "isspace",
        "istitle",
        "isupper",
        "lower",
        "lstrip",
        "rfind",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
    }
)
"""Methods of a string a text may call; the rest can build large strings from a number
(``center``, ``ljust``, ``zfill``, ``expandtabs``, ``replace``, ``join``) or format (``format``)."""

REFUSED_CONSTRUCTS: dict[type[nodes.Node], str] = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.AssignBlock: "{% set %}…{% endset %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.Extends: "{% extends %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
}

_LOOP_GUARD = "_tenant_loop_guard"
_CONCAT_GUARD = "_tenant_concat_guard"
_BUILT_GUARD = "_tenant_built_guard"
_COMPARED_GUARD = "_tenant_compared_guard"
_DOCS = "see docs/texts.md"

ErrorKind = Literal["syntax", "variable", "construct", "internals", "limit", "line_break", "failure"]


class TextRenderError(ValueError):
    """A tenant text that cannot be rendered; the message says why and what was expected.

    ``kind``: ``syntax`` (does not compile), ``variable`` (an unknown variable or attribute),
    ``construct`` (a tag or method a text may not use), ``internals`` (an attempt to reach Python
    internals), ``limit`` (too large or too much work), ``failure`` (anything else it raised).
    """

    def __init__(self, message: str, kind: ErrorKind) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind


class TextError(ValueError):
    """A step text refused at definition: ``field`` is its path, e.g.
    ``templates[0].steps[1].texts.da.body``; ``expected`` says what is wrong and what was expected."""

    def __init__(self, field: str, expected: str, kind: ErrorKind = "failure") -> None:
        super().__init__(f"{field}: {expected}")
        self.field = field
        self.expected = expected
        self.kind: ErrorKind = kind


# ----------------------------------------------------------------- the variables


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
            "bank": "reg. 1234 konto 0001234567",
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


# ----------------------------------------------------------------- the sandbox


@dataclass
class _Budget:
    """The work of one render, and which containers are the caller's variables (not built here)."""

    work: int = 0
    given: frozenset[int] = frozenset()


_BUDGET: ContextVar[_Budget | None] = ContextVar("tenant_text_budget", default=None)


def _spend(units: int = 1) -> None:
    budget = _BUDGET.get()
    if budget is None:  # outside a render (Jinja folding constants while compiling): sizes still count
        return
    budget.work += units
    if budget.work > MAX_WORK:
        raise TextRenderError(
            f"the text does too much work (more than {MAX_WORK:,} loop turns, calls, operations and "
            "characters built); expected a text that places values",
            "limit",
        )


def _given_containers(value: Any, found: set[int]) -> set[int]:
    if isinstance(value, Mapping):
        found.add(id(value))
        for item in value.values():
            _given_containers(item, found)
    elif isinstance(value, list | tuple):
        found.add(id(value))
        for item in value:
            _given_containers(item, found)
    return found


def _too_large(what: str, size: int, limit: int = MAX_VALUE_CHARS) -> TextRenderError:
    return TextRenderError(
        f"{what} would build a value of {size:,} characters or items; at most {limit:,} are allowed", "limit"
    )


def _text_size(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """About the length of ``str(value)``, found without building it; stops counting past ``limit``."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        total = 2
        for item in value:
            total += _text_size(item, limit - total) + 2
            if total > limit:
                break
        return total
    return 32


def _built_items(value: Any, limit: int = MAX_BUILT_ITEMS) -> int:
    """Items of a list, tuple, dict or set a text built, counted through nested ones — a container
    the caller gave counts 1, however large — stopping past ``limit``. Bounding this keeps a
    ``[a, a]`` nested forty times from becoming 2**40 items to print or compare."""
    budget = _BUDGET.get()
    if not isinstance(value, list | tuple | dict | set | frozenset) or (budget and id(value) in budget.given):
        return 1
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    total = 1
    for item in items:
        total += _built_items(item, limit - total)
        if total > limit:
            break
    return total


def _checked(value: Any, what: str) -> Any:
    """A value an operator, filter or call produced: within the limits, and paid for by its size."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_NUMBER_BITS:
        raise TextRenderError(f"{what} would build a number over {MAX_NUMBER_BITS} bits", "limit")
    if isinstance(value, str | list | tuple | dict | set | frozenset):
        if len(value) > MAX_VALUE_CHARS:
            raise _too_large(what, len(value))
        _spend(len(value))
    return value


def _check_numbers(what: str, values: Iterable[Any]) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE_CHARS:
            raise TextRenderError(
                f"{what} was given the number {value}; numbers given to filters and methods are at most "
                f"{MAX_VALUE_CHARS:,}",
                "limit",
            )


def _guard_filter(name: str, function: Any) -> Any:
    """``function`` with the budget, a check of its arguments and a check of its result."""
    pass_arg = getattr(function, "jinja_pass_arg", None)
    value_at = 1 if pass_arg is not None else 0  # after the environment/context, the filtered value

    def guarded(*args: Any, **kwargs: Any) -> Any:
        _spend()
        # The TEXT_FILTERS turn any value into text first: a huge list is refused before it is printed.
        size = _text_size(args[value_at], MAX_VALUE_CHARS + 1) if name in TEXT_FILTERS and len(args) > value_at else 0
        if size > MAX_VALUE_CHARS:
            raise _too_large(f"the filter {name}", size)
        _check_numbers(f"the filter {name}", [*args[value_at + 1 :], *kwargs.values()])
        return _checked(function(*args, **kwargs), f"the filter {name}")

    if pass_arg is not None:
        guarded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    return guarded


@pass_environment
def _join(environment: Any, value: Iterable[Any], d: str = "", attribute: str | int | None = None) -> str:
    """``join`` that stops before the joined text would pass :data:`MAX_VALUE_CHARS`."""
    separator = str(d)
    items = map(make_attrgetter(environment, attribute), value) if attribute is not None else value
    parts: list[str] = []
    size = 0
    for index, item in enumerate(items):
        size += _text_size(item, MAX_VALUE_CHARS - size + 1) + (len(separator) if index else 0)
        if size > MAX_VALUE_CHARS:
            raise _too_large("the filter join", size)
        parts.append(str(item))
    return separator.join(parts)


@pass_context
def _loop_guard(context: Context, iterable: Any) -> Iterator[Any]:
    """Every ``{% for %}`` iterates through this: each turn is work on the budget."""
    for item in iterable:
        _spend()
        yield item


@pass_context
def _concat_guard(context: Context, operands: Sequence[Any]) -> str:
    """``a ~ b ~ c`` without building more than :data:`MAX_VALUE_CHARS` characters."""
    size = 0
    for operand in operands:
        size += _text_size(operand, MAX_VALUE_CHARS - size + 1)
        if size > MAX_VALUE_CHARS:
            raise _too_large("the operator ~", size)
    _spend(size)
    return "".join(str(operand) for operand in operands)


@pass_context
def _built_guard(context: Context, value: Any) -> Any:
    """A list, tuple or dict written in the text (``[a, b]``): at most :data:`MAX_BUILT_ITEMS` items."""
    size = _built_items(value, MAX_BUILT_ITEMS + 1)
    if size > MAX_BUILT_ITEMS:
        raise _too_large("a list or dict written in the text", size, MAX_BUILT_ITEMS)
    _spend(size)
    return value


@pass_context
def _compared_guard(context: Context, value: Any) -> Any:
    """An operand of ``==``, ``<``, ``in`` …: comparing costs its size, so it is paid for."""
    _spend(len(value) if isinstance(value, str) else _built_items(value, MAX_VALUE_CHARS))
    return value


def _finalize(value: Any) -> Any:
    """Applied to every ``{{ … }}`` before it becomes text: a huge list is refused, not printed."""
    size = _text_size(value, MAX_VALUE_CHARS + 1)
    if size > MAX_VALUE_CHARS:
        raise _too_large("printing a value", size)
    return value


def _planned_size(operator: str, left: Any, right: Any) -> tuple[int, int] | None:
    """The size ``left <operator> right`` would have, and its limit, where it repeats or joins."""
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(times, int) and isinstance(sequence, str):
                return len(sequence) * times, MAX_VALUE_CHARS
            if isinstance(times, int) and isinstance(sequence, list | tuple):
                return _built_items(sequence) * times, MAX_BUILT_ITEMS
    if operator == "+" and isinstance(left, str) and isinstance(right, str):
        return len(left) + len(right), MAX_VALUE_CHARS
    if operator == "+" and isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return _built_items(left) + _built_items(right), MAX_BUILT_ITEMS
    return None


def _refuse_format(*args: Any, **kwargs: Any) -> str:
    raise TextRenderError("str.format is not available in a text; place values with {{ … }}", "construct")


class _TenantSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every operator, call and ``str.format`` guarded."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _spend()
        what = f"the operator {operator}"
        if operator == "**" and (not isinstance(right, int | float) or abs(right) > MAX_EXPONENT):
            raise TextRenderError(f"{what} takes an exponent of at most {MAX_EXPONENT}", "limit")
        if operator == "%" and isinstance(left, str):
            raise TextRenderError("%-formatting is not available in a text; place values with {{ … }}", "construct")
        planned = _planned_size(operator, left, right)
        if planned is not None and planned[0] > planned[1]:
            raise _too_large(what, *planned)
        return _checked(super().call_binop(context, operator, left, right), what)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend()
        name = getattr(__obj, "__name__", type(__obj).__name__)
        if isinstance(getattr(__obj, "__self__", None), str) and name not in SAFE_STR_METHODS:
            raise TextRenderError(f"the method .{name}() is not available in a text ({_DOCS})", "construct")
        _check_numbers(f"{name}()", [*args, *kwargs.values()])
        return _checked(super().call(__context, __obj, *args, **kwargs), f"{name}()")

    def wrap_str_format(self, value: Any) -> Any:
        if super().wrap_str_format(value) is None:
            return None
        return _refuse_format


def _guarded(node: nodes.Node, guard: str) -> nodes.Filter:
    return nodes.Filter(node, guard, [], [], None, None, lineno=node.lineno)


class _Guard(NodeTransformer):
    """Routes every loop, ``~``, written list or dict, and comparison through the guards above."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _guarded(node.iter, _LOOP_GUARD)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _guarded(nodes.List(list(node.nodes), lineno=node.lineno), _CONCAT_GUARD)

    def _built(self, node: nodes.List | nodes.Tuple | nodes.Dict) -> nodes.Node:
        self.generic_visit(node)
        if isinstance(node, nodes.Tuple) and node.ctx != "load":  # a target: {% for k, v in … %}
            return node
        return _guarded(node, _BUILT_GUARD)

    visit_List = visit_Tuple = visit_Dict = _built

    def visit_Compare(self, node: nodes.Compare) -> nodes.Node:
        self.generic_visit(node)
        node.expr = _guarded(node.expr, _COMPARED_GUARD)
        for operand in node.ops:
            operand.expr = _guarded(operand.expr, _COMPARED_GUARD)
        return node


@lru_cache(maxsize=1)
def _environment() -> _TenantSandbox:
    # Built on first use and kept for the life of the container. autoescape is off: a text is
    # plain text, and the HTML part escapes the whole rendered text at once (text_to_html).
    env = _TenantSandbox(undefined=StrictUndefined, autoescape=False, finalize=_finalize)
    env.globals.clear()
    env.filters = {name: _guard_filter(name, env.filters[name]) for name in SAFE_FILTERS if name != "join"}
    env.filters["join"] = _guard_filter("join", _join)
    env.filters.update(
        {
            _LOOP_GUARD: _loop_guard,
            _CONCAT_GUARD: _concat_guard,
            _BUILT_GUARD: _built_guard,
            _COMPARED_GUARD: _compared_guard,
        }
    )
    return env


def _static_problem(tree: nodes.Template) -> TextRenderError | None:
    """What a text may not contain, found without running it: unknown names, refused tags."""
    for node_type, tag in REFUSED_CONSTRUCTS.items():
        if tree.find(node_type) is not None:
            return TextRenderError(f"{tag} is not available in a text ({_DOCS})", "construct")
    for loop in tree.find_all(nodes.For):
        if loop.recursive:
            return TextRenderError(f"a recursive loop is not available in a text ({_DOCS})", "construct")
    names = set(meta.find_undeclared_variables(tree))
    # `self` is Jinja's own reference to the template; find_undeclared_variables never reports it.
    names |= {n.name for n in tree.find_all(nodes.Name) if n.name == "self" and n.ctx == "load"}
    unknown = sorted(names - TEXT_VARIABLES)
    if unknown:
        return TextRenderError(
            f"unknown variable {unknown[0]!r}; expected one of {', '.join(sorted(TEXT_VARIABLES))}", "variable"
        )
    return None


def _syntax(error: TemplateSyntaxError) -> str:
    return f"{(error.message or 'a syntax error').rstrip('.')} (line {error.lineno})"


@lru_cache(maxsize=512)
def _compiled(source: str) -> Any:
    """Parse, check and compile a text once (cached by its source); raises :class:`TextRenderError`."""
    env = _environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as error:
        raise TextRenderError(
            f"does not compile: {_syntax(error)}; expected a Jinja2 text such as 'Kære {{{{ customer.name }}}}'",
            "syntax",
        ) from None
    try:
        if problem := _static_problem(tree):
            raise problem
        guarded = _Guard().visit(tree)
        guarded.set_environment(env)
        return env.from_string(guarded)
    except TemplateSyntaxError as error:  # e.g. an unknown filter, found while compiling
        raise TextRenderError(
            f"does not compile: {_syntax(error)}; the filters a text may use are {', '.join(sorted(SAFE_FILTERS))}",
            "syntax",
        ) from None


def render_tenant_text(source: str, variables: Mapping[str, Any], *, html: bool, limit: int = MAX_BODY_CHARS) -> str:
    """Render a tenant's text with ``variables`` (see :data:`TEXT_VARIABLES`) in the sandbox.

    Plain text, at most ``limit`` characters (:data:`PART_LIMITS`). With ``html`` the whole
    rendered text is HTML-escaped — the values and the tenant's own words alike, so neither a
    customer's name nor the text itself can carry markup; :func:`text_to_html` (or the letter's
    layout) then makes paragraphs of it. Raises :class:`TextRenderError` for a text that does not
    compile, reads an unknown variable, reaches for internals, or passes a limit — never anything else.
    """
    template = _compiled(source)
    token = _BUDGET.set(_Budget(given=frozenset(_given_containers(variables, set()))))
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
            f"documented variables ({_DOCS})",
            "internals",
        ) from None
    except UndefinedError as error:
        raise TextRenderError(
            f"unknown variable or attribute: {error.message}; expected the documented variables ({_DOCS})",
            "variable",
        ) from None
    except TemplateError as error:
        raise TextRenderError(f"the text cannot be rendered: {error.message}", "failure") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as error:
        # The tenant's own expression failed ({{ 1 / 0 }}, {{ invoices[9] }}): its fault, said plainly.
        raise TextRenderError(f"the text cannot be rendered: {type(error).__name__}: {error}", "failure") from None
    finally:
        _BUDGET.reset(token)
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


# ----------------------------------------------------------------- a step's texts


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
        _compiled(source)
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


# ----------------------------------------------------------------- SMS segments


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
