"""The one place the API's error body becomes sentences for a person at a terminal.

The API refuses with ``{"error", "field", "reason", "errors"}``; ``reason`` may be pydantic's
wording ("Input should be a valid string"), and a value that fits none of a union's forms
comes back as one error per form ("actions[0].literal['email','sms']", "actions[0].FeeIn.fee").
Here that becomes ``field: what was expected`` — no HTTP status, no Python reprs, one line per
field.
"""

from __future__ import annotations

import re
from typing import Any

# pydantic's phrasing, to the operator's: the first match wins.
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"^Field required$", "is required"),
    (r"^Extra inputs are not permitted$", "is not a known field"),
    (r"^Input should be a valid string$", "expected text"),
    (r"^Input should be a valid integer.*$", "expected a whole number"),
    (r"^Input should be a valid boolean.*$", "expected true or false"),
    (r"^Input should be a valid (date|datetime).*$", "expected a date YYYY-MM-DD"),
    (r"^Input should be a valid (list|array)$", "expected a list"),
    (r"^Input should be a valid (dictionary|object).*$", "expected an object"),
    (r"^Input should be a valid decimal$", "expected an amount like 100.00"),
    (r"^String should match pattern '\^\[0-9\]\{(\d+)\}\$'$", r"expected \1 digits"),
    (r"^String should match pattern '(.*)'$", r"expected text of the form \1"),
    (r"^(?:Input|String|List|Value|Decimal|Date) should (?:be|have) (.*)$", r"expected \1"),
    (r"^Value error, (.*)$", r"\1"),
    (r"^Assertion failed, (.*)$", r"\1"),
)
# A union member's tag in a field path: literal['a','b'], function-after[...], list[str], bool, or a
# model's class name — never a field with an index (steps[0]).
_UNION_TAG = re.compile(
    r"^(literal\[.*\]|[a-z]+(-[a-z]+)+(\[.*\])?|(list|dict|set|tuple)\[\D.*\]|str|int|bool|float|date|decimal"
    r"|[A-Z][A-Za-z0-9]*)$"
)
# The API's patterns, in words.
_PATTERNS = {
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "an e-mail address like name@example.dk",
    r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$": "letters, digits and _ . : / - (starting with a letter or digit)",
    r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$": "letters, digits, spaces and _ . - (starting with a letter or digit)",
    r"^\+?[0-9 ]{4,19}$": "a phone number like +4520123456",
    r"^[0-9]{4}-(0[1-9]|1[0-2])$": "a month YYYY-MM",
    r"^[0-9][0-9TZ:.+-]*(~[a-z]+)?$": "a run id like 2026-01-29T05:00:00Z~manual (dunning runs lists them)",
    r"^[A-Za-z0-9][A-Za-z0-9 -]*$": "letters, digits, spaces and - (a postcode like 8000 or 211 34)",
    r"^[A-Z]{2}$": "a two-letter country code like DK or SE",
}


def plain(reason: Any) -> str:
    """One reason in the operator's words."""
    text = str(reason).strip()
    for regex, words in _PATTERNS.items():
        text = text.replace(f"String should match pattern '{regex}'", f"expected {words}")
    for pattern, replacement in _PHRASES:
        if re.match(pattern, text):
            return re.sub(pattern, replacement, text)
    return text


def _split_union(field: str) -> tuple[str, str | None, str | None]:
    """``actions[0].FeeIn.fee`` -> (``actions[0]``, ``FeeIn``, ``fee``); no union tag: (field, None, None)."""
    parts = _path_parts(field)
    for index, part in enumerate(parts):
        if _UNION_TAG.match(part):
            rest = ".".join(parts[index + 1 :]) or None
            return _join(parts[:index]), part, rest
    return field, None, None


def _path_parts(field: str) -> list[str]:
    # split on dots outside brackets; keep [n] indexes with their name
    parts, depth, current = [], 0, ""
    for char in field:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p]


def _join(parts: list[str]) -> str:
    return ".".join(parts)


def _union_sentence(alternatives: list[tuple[str, str | None, str]]) -> str:
    """What the forms of a union accept: each plain form, and the objects by their first field."""
    words: list[str] = []
    objects: list[str] = []
    for tag, inner, reason in alternatives:
        if tag[0].isupper():  # a model: FeeIn, or FeeIn.fee when the object was there but wrong
            name = inner.split(".")[0] if inner else tag.removesuffix("In")[:1].lower() + tag.removesuffix("In")[1:]
            objects.append(name)
        else:
            words.append(plain(reason).removeprefix("expected "))
    said = " or ".join(dict.fromkeys(w for w in words if w))
    if objects:
        said = (said + ", or " if said else "") + "an object with " + " / ".join(dict.fromkeys(objects))
    return "expected " + (said or "one of the allowed forms")


def field_lines(errors: list[dict[str, Any]]) -> list[str]:
    """``field: reason`` per field; a union's alternatives folded into one line."""
    lines: list[str] = []
    unions: dict[str, list[tuple[str, str | None, str]]] = {}
    for error in errors:
        field = str(error.get("field") or "")
        reason = error.get("reason", "")
        where = error.get("index")
        base, tag, inner = _split_union(field)
        if tag is not None:
            unions.setdefault(base, []).append((tag, inner, str(reason)))
            continue
        prefix = f"row {int(where) + 1}: " if isinstance(where, int) else ""
        lines.append(f"{prefix}{field}: {plain(reason)}" if field else f"{prefix}{plain(reason)}")
    for base, alternatives in unions.items():
        lines.append(f"{base}: {_union_sentence(alternatives)}")
    return list(dict.fromkeys(lines))


def describe_refusal(body: Any) -> list[str]:
    """The API's error body as lines: the first says what was refused, the rest list each bad field or row."""
    if not isinstance(body, dict):
        return [plain(body) if body else "the API refused the request without a reason"]
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    reason = body.get("reason") or body.get("message") or "the API refused the request"
    field = body.get("field")
    head = f"{field}: {plain(reason)}" if field and field not in ("body", "path") else plain(reason)
    if errors:
        lines = field_lines(errors)
        return lines if body.get("error") == "validation_error" else [head, *lines]
    return [head]
