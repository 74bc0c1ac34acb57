"""The sandbox a tenant's text runs in: an immutable Jinja2 environment without globals, a short
list of guarded filters, every operator, call, loop, ``~``, written list and comparison paid for
on the render's budget, and the tags and names a text may not use refused before it runs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import pass_context, pass_environment
from jinja2.visitor import NodeTransformer

from shared.rendering.texts.limits import (
    MAX_BUILT_ITEMS,
    MAX_EXPONENT,
    MAX_VALUE_CHARS,
    TextRenderError,
    built_items,
    check_numbers,
    checked,
    spend,
    text_size,
    too_large,
)

TEXT_VARIABLES: frozenset[str] = frozenset(
    {"customer", "invoices", "total", "fee", "deadline", "reference", "payment", "sender", "step"}
)
"""The names a text may read (docs/texts.md; the shape is in :func:`sample_variables`)."""

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
DOCS = "see docs/texts.md"

DOCS = "see docs/texts.md"


def _guard_filter(name: str, function: Any) -> Any:
    """``function`` with the budget, a check of its arguments and a check of its result."""
    pass_arg = getattr(function, "jinja_pass_arg", None)
    value_at = 1 if pass_arg is not None else 0  # after the environment/context, the filtered value

    def guarded(*args: Any, **kwargs: Any) -> Any:
        spend()
        # The TEXT_FILTERS turn any value into text first: a huge list is refused before it is printed.
        size = text_size(args[value_at], MAX_VALUE_CHARS + 1) if name in TEXT_FILTERS and len(args) > value_at else 0
        if size > MAX_VALUE_CHARS:
            raise too_large(f"the filter {name}", size)
        check_numbers(f"the filter {name}", [*args[value_at + 1 :], *kwargs.values()])
        return checked(function(*args, **kwargs), f"the filter {name}")

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
        size += text_size(item, MAX_VALUE_CHARS - size + 1) + (len(separator) if index else 0)
        if size > MAX_VALUE_CHARS:
            raise too_large("the filter join", size)
        parts.append(str(item))
    return separator.join(parts)


@pass_context
def _loop_guard(context: Context, iterable: Any) -> Iterator[Any]:
    """Every ``{% for %}`` iterates through this: each turn is work on the budget."""
    for item in iterable:
        spend()
        yield item


@pass_context
def _concat_guard(context: Context, operands: Sequence[Any]) -> str:
    """``a ~ b ~ c`` without building more than :data:`MAX_VALUE_CHARS` characters."""
    size = 0
    for operand in operands:
        size += text_size(operand, MAX_VALUE_CHARS - size + 1)
        if size > MAX_VALUE_CHARS:
            raise too_large("the operator ~", size)
    spend(size)
    return "".join(str(operand) for operand in operands)


@pass_context
def _built_guard(context: Context, value: Any) -> Any:
    """A list, tuple or dict written in the text (``[a, b]``): at most :data:`MAX_BUILT_ITEMS` items."""
    size = built_items(value, MAX_BUILT_ITEMS + 1)
    if size > MAX_BUILT_ITEMS:
        raise too_large("a list or dict written in the text", size, MAX_BUILT_ITEMS)
    spend(size)
    return value


@pass_context
def _compared_guard(context: Context, value: Any) -> Any:
    """An operand of ``==``, ``<``, ``in`` …: comparing costs its size, so it is paid for."""
    spend(len(value) if isinstance(value, str) else built_items(value, MAX_VALUE_CHARS))
    return value


def _finalize(value: Any) -> Any:
    """Applied to every ``{{ … }}`` before it becomes text: a huge list is refused, not printed."""
    size = text_size(value, MAX_VALUE_CHARS + 1)
    if size > MAX_VALUE_CHARS:
        raise too_large("printing a value", size)
    return value


def _planned_size(operator: str, left: Any, right: Any) -> tuple[int, int] | None:
    """The size ``left <operator> right`` would have, and its limit, where it repeats or joins."""
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(times, int) and isinstance(sequence, str):
                return len(sequence) * times, MAX_VALUE_CHARS
            if isinstance(times, int) and isinstance(sequence, list | tuple):
                return built_items(sequence) * times, MAX_BUILT_ITEMS
    if operator == "+" and isinstance(left, str) and isinstance(right, str):
        return len(left) + len(right), MAX_VALUE_CHARS
    if operator == "+" and isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return built_items(left) + built_items(right), MAX_BUILT_ITEMS
    return None


def _refuse_format(*args: Any, **kwargs: Any) -> str:
    raise TextRenderError("str.format is not available in a text; place values with {{ … }}", "construct")


class _TenantSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every operator, call and ``str.format`` guarded."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        spend()
        what = f"the operator {operator}"
        if operator == "**" and (not isinstance(right, int | float) or abs(right) > MAX_EXPONENT):
            raise TextRenderError(f"{what} takes an exponent of at most {MAX_EXPONENT}", "limit")
        if operator == "%" and isinstance(left, str):
            raise TextRenderError("%-formatting is not available in a text; place values with {{ … }}", "construct")
        planned = _planned_size(operator, left, right)
        if planned is not None and planned[0] > planned[1]:
            raise too_large(what, *planned)
        return checked(super().call_binop(context, operator, left, right), what)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        spend()
        name = getattr(__obj, "__name__", type(__obj).__name__)
        if isinstance(getattr(__obj, "__self__", None), str) and name not in SAFE_STR_METHODS:
            raise TextRenderError(f"the method .{name}() is not available in a text ({DOCS})", "construct")
        check_numbers(f"{name}()", [*args, *kwargs.values()])
        return checked(super().call(__context, __obj, *args, **kwargs), f"{name}()")

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
            return TextRenderError(f"{tag} is not available in a text ({DOCS})", "construct")
    for loop in tree.find_all(nodes.For):
        if loop.recursive:
            return TextRenderError(f"a recursive loop is not available in a text ({DOCS})", "construct")
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
def compiled(source: str) -> Any:
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
