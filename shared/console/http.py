"""The console's own small HTTP shapes: one request and one response type for both doors
(API Gateway in AWS, ``http.server`` on the local stack), and a router of path patterns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    """Names in lower case."""

    def value(self, name: str, default: str = "") -> str:
        """A form field (first value), else a query parameter."""
        values = self.form.get(name)
        return values[0] if values else self.query.get(name, default)

    def values(self, name: str) -> list[str]:
        return [v for v in self.form.get(name, []) if v]


@dataclass
class Response:
    status: int = 200
    body: str | bytes = ""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    cookies: list[str] = field(default_factory=list)

    @property
    def bytes(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


def redirect(location: str, status: int = 303) -> Response:
    return Response(status=status, headers={"Location": location, "Content-Type": "text/plain"}, body="")


def parse_form(body: str) -> dict[str, list[str]]:
    return parse_qs(body, keep_blank_values=True)


def quoted(text: str) -> str:
    return quote(text, safe="")


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    public: bool


class Router:
    """``@router.get("/runs/<run_id>")``: the named parts become keyword arguments (URL-decoded)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def _add(self, method: str, path: str, public: bool) -> Callable[[Handler], Handler]:
        regex = re.sub(r"<([a-z_]+)>", r"(?P<\1>[^/]+)", path)

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, re.compile(f"^{regex}$"), handler, public))
            return handler

        return register

    def get(self, path: str, public: bool = False) -> Callable[[Handler], Handler]:
        return self._add("GET", path, public)

    def post(self, path: str, public: bool = False) -> Callable[[Handler], Handler]:
        return self._add("POST", path, public)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, Any]] | bool | None:
        """(route, arguments); False when the path exists under another method; None when it does not."""
        known = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
            known = True
        return False if known else None
