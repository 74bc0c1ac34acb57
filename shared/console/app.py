"""The operator console: one request in, one page out, the same code in AWS and on the local stack.

Every route but login, the signed-link door's login redirect and the static files needs a
session; every POST needs the session's CSRF token (a form field, or the ``X-CSRF-Token``
header htmx sends). Pages are rendered on the server and read without JavaScript; htmx only
refreshes the robot status and submits forms in place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlencode

from shared.console import security, services
from shared.console.http import Request, Response, Router, quoted, redirect
from shared.console.pages import pages_for, register
from shared.console.refusals import refusal_text
from shared.console.texts import TEXTS, Lang, reason_text, say
from shared.domain.settings import TenantSettings
from shared.errors import DunningError
from shared.rendering.formatting import format_money, format_short_date
from shared.storage.protocols import Store

if TYPE_CHECKING:  # Jinja2 is imported where a page is first rendered (a redirect renders none)
    from jinja2 import Environment

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
HTMX = "htmx-2.0.4.min.js"
router = Router()


@dataclass(frozen=True)
class LoginResult:
    """``user`` and ``name`` when logged in; else ``challenge`` (the login's session at Cognito) when
    a step is left: a new password first (``mfa`` None), the authenticator app to set up
    (``mfa="setup"``, with its ``secret``), or its code to give (``mfa="code"``). ``wrong_code``:
    the code given was not the app's."""

    user: str | None = None
    name: str | None = None
    challenge: str | None = None
    mfa: Literal["setup", "code"] | None = None
    secret: str | None = None
    wrong_code: bool = False


class Authenticator(Protocol):
    """Checks an operator's credentials: Cognito in AWS (a password, then a code from an
    authenticator app), the printed local password on the local stack."""

    def login(self, user: str, password: str) -> LoginResult: ...

    def new_password(self, user: str, challenge: str, password: str) -> LoginResult: ...

    def mfa_code(self, user: str, challenge: str, code: str, secret: str | None) -> LoginResult:
        """The app's code: to finish setting the app up (``secret`` given) or to log in."""
        ...


class Scheduler(Protocol):
    def start(self, event: dict[str, Any]) -> None: ...

    def call(self, event: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class Console:
    """One tenant's console: where its data is, who may log in, the keys, the clock."""

    tenant: str
    repo: Callable[[], Store]
    scheduler: Scheduler
    authenticator: Authenticator
    session_key: bytes
    link_key: bytes
    run_schedule: str = "cron(0 6 * * ? *)"
    runs_enabled: bool = True
    base_path: str = ""
    secure_cookies: bool = True
    clock: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())


@dataclass
class Page:
    """What a page handler gets: the request, the console, the operator, the language, a renderer."""

    request: Request
    console: Console
    session: security.Session | None
    lang: Lang
    now: datetime

    @property
    def repo(self) -> Store:
        return self.console.repo()

    @property
    def actor(self) -> str:
        return self.session.user if self.session else "anonymous"

    def t(self, key: str, **values: object) -> str:
        return say(key, self.lang, **values)

    def url(self, path: str) -> str:
        return self.console.base_path + path

    def render(self, template: str, code: int = 200, **context: Any) -> Response:
        csrf = self.session.csrf_token(self.console.session_key) if self.session else ""
        html = (
            _templates()
            .get_template(template)
            .render(
                t=self.t,
                url=self.url,
                lang=self.lang,
                session=self.session,
                csrf=csrf,
                csrf_field=security.CSRF_FIELD,
                htmx=self.url(f"/static/{HTMX}"),
                path=self.request.path,
                tenant=self.console.tenant,
                money=self.money,
                day=self.day,
                when=self.when,
                who=self.who,
                kind=self.kind,
                action=self.action,
                reason=self.reason,
                tenant_name=self.tenant_name,
                **context,
            )
        )
        return Response(status=code, body=html)

    def money(self, value: object) -> str:
        return "" if value in (None, "") else format_money(Decimal(str(value)), self.lang)

    def day(self, value: object) -> str:
        if value in (None, ""):
            return ""
        found = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return format_short_date(found)

    def kind(self, name: str) -> str:
        """An effect's kind in words (``email`` → "E-mail", ``settlement`` → "Afregning")."""
        return say(f"effect.{name}", self.lang) if f"effect.{name}" in TEXTS else name

    def action(self, name: str) -> str:
        return say(f"action.{name}", self.lang) if f"action.{name}" in TEXTS else name

    def reason(self, text: str | None) -> str:
        return reason_text(text, self.lang)

    def who(self, value: object) -> str:
        """Who did something, as a person reads it: a console user's e-mail as it is; an operator
        who used the API or the CLI by the name of their IAM identity (``arn:aws:iam::…:user/bo``
        → "bo (CLI/API)"; an assumed role's session name likewise)."""
        text = str(value or "")
        if not text.startswith("arn:aws:"):
            return text
        resource = text.split(":", 5)[-1]  # user/bo, assumed-role/Operators/bo, role/Scheduler
        return f"{resource.rsplit('/', 1)[-1]} ({say('actor.iam', self.lang)})"

    def when(self, value: object) -> str:
        """A run id or ISO time as the tenant's local date and time (``01.12.2026 kl. 06:00``)."""
        text = str(value or "").split("~")[0].replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return str(value or "")
        if moment.tzinfo is None:
            return self.day(moment.date())
        zone = self.settings.zone
        return moment.astimezone(zone).strftime("%d.%m.%Y kl. %H:%M" if self.lang == "da" else "%d.%m.%Y %H:%M")

    @cached_property
    def settings(self) -> TenantSettings:
        """The tenant's settings, read once per request."""
        return services.current_settings(self.repo, self.console.tenant)

    @property
    def tenant_name(self) -> str:
        settings = self.settings
        return settings.tenant_name or (settings.sender.name if settings.sender else self.console.tenant)

    def back(self, path: str, message: str | None = None) -> Response:
        """After a POST: see the page again (post/redirect/get), with a one-line message."""
        joiner = "&" if "?" in path else "?"
        return redirect(self.url(path) + (f"{joiner}msg={quoted(message)}" if message else ""))


_environment: Environment | None = None


def _templates() -> Environment:
    global _environment
    if _environment is None:
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        _environment = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html", "j2"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _environment


def warm_templates() -> None:
    """Compile every page template now (at start), so the first page does not pay for it."""
    environment = _templates()
    for name in environment.list_templates():
        environment.get_template(name)


def _language(request: Request) -> Lang:
    chosen = request.query.get("lang") or _cookie(request, "lang")
    return "en" if chosen == "en" else "da"


def _cookie(request: Request, name: str) -> str | None:
    for part in request.headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def handle(console: Console, request: Request) -> Response:
    """Route one request: static files, login, and — with a session — every page and action."""
    register(pages_for(request.path))  # the page modules this path can match (each imported once)
    now = console.clock()
    epoch = int(now.timestamp())
    session = security.read_session(console.session_key, security.session_cookie(request.headers.get("cookie")), epoch)
    found = router.match(request.method, request.path)
    # A valid cookie of a session that ended (log-out on another device, an administrator's
    # sign-out) is no session: one strongly consistent read, not for static files and login.
    public = isinstance(found, tuple) and found[0].public
    if (
        session is not None
        and not public
        and not services.session_open(console.repo(), session.user, session.issued_ms)
    ):
        session = None
    page = Page(request, console, session, _language(request), now)
    if found is None:
        detail = page.t("not_found.detail", path=request.path)
        return page.render("message.html.j2", code=404, title=page.t("not_found"), detail=detail)
    if found is False:  # a button's address typed or reloaded as a page (or a page's posted to)
        response = page.render("message.html.j2", code=405, title=page.t("error"), detail=page.t("not_a_page"))
        response.headers["Allow"] = "POST" if request.method == "GET" else "GET"
        return response
    assert not isinstance(found, bool)
    route, arguments = found
    if not route.public and session is None:
        if request.method == "GET":
            target = request.path + (("?" + _query_text(request.query)) if request.query else "")
            return redirect(page.url("/login") + "?next=" + quoted(target))
        return page.render("message.html.j2", code=401, title=page.t("login.again"), detail=page.t("login.ended"))
    if request.method == "POST" and not route.public:
        assert session is not None
        given = request.value(security.CSRF_FIELD) or request.headers.get(security.CSRF_HEADER)
        if not security.csrf_ok(console.session_key, session, given):
            return page.render("message.html.j2", code=403, title=page.t("error"), detail=page.t("forbidden.csrf"))
    started = time.perf_counter()
    try:
        response = route.handler(page, **arguments)
    except DunningError as error:
        status = {"not_found": 404, "conflict": 409}.get(error.code, 422)
        detail = refusal_text(error, page.lang)
        response = page.render("message.html.j2", code=status, title=page.t("error"), detail=detail)
    response.headers.setdefault("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}")
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    )
    if "lang" in request.query:
        response.cookies.append(f"lang={page.lang}; Path=/; Max-Age=31536000; SameSite=Lax")
    return response


def _query_text(query: dict[str, str]) -> str:
    return urlencode(query)


def static_file(name: str) -> Response:
    """A file shipped with the console (htmx, its licence, the style sheet); immutable by name."""
    path = STATIC / name
    if "/" in name or not path.is_file():
        return Response(status=404, body="not found", headers={"Content-Type": "text/plain"})
    kind = {".js": "text/javascript", ".css": "text/css", ".txt": "text/plain; charset=utf-8"}.get(path.suffix)
    return Response(
        body=path.read_bytes(),
        headers={"Content-Type": kind or "application/octet-stream", "Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/<name>", public=True)
def _static(page: Page, name: str) -> Response:
    return static_file(name)
