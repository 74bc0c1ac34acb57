"""The console in-process (``shared.console.app.handle`` on the in-memory store), logged in: forms
are read from the page as a browser would send them, then posted. No browser, no stack."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape as html_unescape
from typing import Any
from urllib.parse import parse_qsl

from shared.console import security
from shared.console.app import Console, handle
from shared.console.http import Request
from shared.storage.memory import MemoryStore

KEY = b"k" * 32
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Unused:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the page does not call {name}")


class ConsoleClient:
    def __init__(self, store: MemoryStore) -> None:
        self.console = Console("jensen", lambda: store, Unused(), Unused(), KEY, KEY, clock=lambda: NOW)
        self.session, cookie = security.issue_session(KEY, "bo", "Bo", NOW)
        self.headers = {"cookie": f"{security.SESSION_COOKIE}={cookie}"}
        self.last_location = ""

    def post(self, path: str, **fields: str) -> tuple[int, str]:
        """Post ``fields`` (and the session's CSRF token) to ``path``, as a stale or hand-made form would."""
        form = {name: [value] for name, value in fields.items()} | {security.CSRF_FIELD: [self.session.csrf_token(KEY)]}
        answer = handle(self.console, Request("POST", path, form=form, headers=self.headers))
        self.last_location = answer.headers.get("Location", "")
        return answer.status, answer.body if isinstance(answer.body, str) else answer.body.decode()

    def get(self, path: str) -> tuple[int, str]:
        route, _, query = path.partition("?")
        answer = handle(self.console, Request("GET", route, query=dict(parse_qsl(query)), headers=self.headers))
        return answer.status, answer.body if isinstance(answer.body, str) else answer.body.decode()

    def submit(self, path: str, action: str, **changed: str) -> tuple[int, str]:
        """Post the form on the page at ``path`` whose action is ``action`` as shown, with ``changed``
        fields typed over (a checkbox: "true" ticks it, "" clears it)."""
        _, page = self.get(path)
        start = page.rindex("<form", 0, page.index(f'action="{action}"'))
        html = page[start : page.index("</form>", start)]
        form: dict[str, list[str]] = {}
        for tag, body in re.findall(r"(<(?:input|select|textarea)\b[^>]*>)(?:([^<]*)</textarea>)?", html):
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name and ("checkbox" not in tag or " checked" in tag):
                shown = body if tag.startswith("<textarea") else value.group(1) if value else ""
                form[name.group(1)] = [html_unescape(shown)]
        form |= {name: [value] for name, value in changed.items()}
        action = html_unescape(re.search(r'action="([^"]+)"', html).group(1))  # type: ignore[union-attr]
        answer = handle(self.console, Request("POST", action, form=form, headers=self.headers))
        self.last_location = answer.headers.get("Location", "")
        return answer.status, answer.body if isinstance(answer.body, str) else answer.body.decode()
