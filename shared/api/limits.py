"""Limits checked on a request body before it is parsed.

Python's JSON parser recurses once per nesting level: a body of a few
thousand ``[`` raises ``RecursionError`` inside the handler, which API
Gateway answers 502. No request of this API nests deeper than a handful of
levels, so anything beyond :data:`MAX_JSON_DEPTH` is refused up front.
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 32
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]")


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (brackets inside strings do not count)."""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    depth = deepest = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def nesting_problem(body: str | None, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why ``body`` is refused before parsing, or None."""
    if body and json_depth(body) > limit:
        return f"the JSON is nested deeper than {limit} levels"
    return None
