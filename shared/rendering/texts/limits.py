"""The bounds on a tenant's text: the size of each rendered part and of every value it builds,
the work one render may do (a budget kept per render), and the error a text that passes them
(or cannot render at all) raises. See :mod:`shared.rendering.tenant_texts`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

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


@dataclass
class RenderBudget:
    """The work of one render, and which containers are the caller's variables (not built here)."""

    work: int = 0
    given: frozenset[int] = frozenset()


CURRENT_BUDGET: ContextVar[RenderBudget | None] = ContextVar("tenant_text_budget", default=None)


def spend(units: int = 1) -> None:
    budget = CURRENT_BUDGET.get()
    if budget is None:  # outside a render (Jinja folding constants while compiling): sizes still count
        return
    budget.work += units
    if budget.work > MAX_WORK:
        raise TextRenderError(
            f"the text does too much work (more than {MAX_WORK:,} loop turns, calls, operations and "
            "characters built); expected a text that places values",
            "limit",
        )


def given_containers(value: Any, found: set[int]) -> set[int]:
    if isinstance(value, Mapping):
        found.add(id(value))
        for item in value.values():
            given_containers(item, found)
    elif isinstance(value, list | tuple):
        found.add(id(value))
        for item in value:
            given_containers(item, found)
    return found


def too_large(what: str, size: int, limit: int = MAX_VALUE_CHARS) -> TextRenderError:
    return TextRenderError(
        f"{what} would build a value of {size:,} characters or items; at most {limit:,} are allowed", "limit"
    )


def text_size(value: Any, limit: int = MAX_VALUE_CHARS) -> int:
    """About the length of ``str(value)``, found without building it; stops counting past ``limit``."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        total = 2
        for item in value:
            total += text_size(item, limit - total) + 2
            if total > limit:
                break
        return total
    return 32


def built_items(value: Any, limit: int = MAX_BUILT_ITEMS) -> int:
    """Items of a list, tuple, dict or set a text built, counted through nested ones — a container
    the caller gave counts 1, however large — stopping past ``limit``. Bounding this keeps a
    ``[a, a]`` nested forty times from becoming 2**40 items to print or compare."""
    budget = CURRENT_BUDGET.get()
    if not isinstance(value, list | tuple | dict | set | frozenset) or (budget and id(value) in budget.given):
        return 1
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    total = 1
    for item in items:
        total += built_items(item, limit - total)
        if total > limit:
            break
    return total


def checked(value: Any, what: str) -> Any:
    """A value an operator, filter or call produced: within the limits, and paid for by its size."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_NUMBER_BITS:
        raise TextRenderError(f"{what} would build a number over {MAX_NUMBER_BITS} bits", "limit")
    if isinstance(value, str | list | tuple | dict | set | frozenset):
        if len(value) > MAX_VALUE_CHARS:
            raise too_large(what, len(value))
        spend(len(value))
    return value


def check_numbers(what: str, values: Iterable[Any]) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE_CHARS:
            raise TextRenderError(
                f"{what} was given the number {value}; numbers given to filters and methods are at most "
                f"{MAX_VALUE_CHARS:,}",
                "limit",
            )
