"""Log in, choose a first password, log out, and the door signed e-mail links come through."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from shared.console import security, services
from shared.console.app import LoginResult, Page, router
from shared.console.http import Response, redirect


def _safe_next(target: str) -> str:
    # Only a path on this console, never another site (an open redirect). A browser reads a backslash
    # in a Location as a slash ("/" + backslash + "evil.example" goes to evil.example) and drops tabs and line breaks.
    if not target.startswith("/") or target.startswith("//") or any(c == "\\" or ord(c) < 32 for c in target):
        return "/"
    return target


@router.get("/login", public=True)
def login_form(page: Page) -> Response:
    return page.render("login.html.j2", next=_safe_next(page.request.value("next", "/")), failed=False)


@router.post("/login", public=True)
def login(page: Page) -> Response:
    user = page.request.value("user").strip()
    result = page.console.authenticator.login(user, page.request.value("password"))
    return _logged_in(page, result, user)


@router.post("/login/new-password", public=True)
def new_password(page: Page) -> Response:
    user = page.request.value("user").strip()
    result = page.console.authenticator.new_password(
        user, page.request.value("challenge"), page.request.value("password")
    )
    return _logged_in(page, result, user)


@router.post("/login/mfa", public=True)
def mfa_code(page: Page) -> Response:
    """The code of the operator's authenticator app: setting the app up, or logging in with it."""
    user = page.request.value("user").strip()
    code = "".join(page.request.value("code").split())  # "123 456" as the app shows it
    secret = page.request.value("secret") or None
    result = page.console.authenticator.mfa_code(user, page.request.value("challenge"), code, secret)
    return _logged_in(page, result, user)


def _logged_in(page: Page, result: LoginResult, user: str) -> Response:
    target = _safe_next(page.request.value("next", "/"))
    if result.challenge and result.mfa:
        code = 401 if result.wrong_code else 200
        uri = otpauth_uri(page.console.tenant, user, result.secret) if result.secret else None
        return page.render(
            "login.html.j2",
            code=code,
            next=target,
            failed=False,
            challenge=result.challenge,
            user=user,
            mfa=result.mfa,
            secret=result.secret,
            secret_groups=_groups(result.secret),
            otpauth=uri,
            qr=qr_svg(uri) if uri else None,
            wrong_code=result.wrong_code,
        )
    if result.challenge:
        return page.render("login.html.j2", next=target, failed=False, challenge=result.challenge, user=user)
    if result.user is None:
        return page.render("login.html.j2", code=401, next=target, failed=True, user=user)
    _, cookie = security.issue_session(page.console.session_key, result.user, result.name or result.user, page.now)
    response = redirect(page.url(target))
    response.cookies.append(
        security.cookie_header(cookie, security.SESSION_SECONDS, secure=page.console.secure_cookies)
    )
    return response


@router.post("/logout")
def logout(page: Page) -> Response:
    """Log out on every device: the operator's sessions end in the store, not only this cookie."""
    if page.session is not None:
        services.end_sessions(page.repo, page.session.user, page.now, actor=page.actor)
    response = redirect(page.url("/login"))
    response.cookies.append(security.cookie_header("", 0, secure=page.console.secure_cookies))
    return response


def otpauth_uri(tenant: str, user: str, secret: str) -> str:
    """The key as authenticator apps take it (Google's ``otpauth://`` format: 6 digits, 30 s, SHA-1)."""
    issuer = f"Rykker {tenant}"
    return f"otpauth://totp/{quote(issuer)}:{quote(user)}?" + urlencode({"secret": secret, "issuer": issuer})


def qr_svg(uri: str) -> str:
    """``uri`` as a QR code to scan, inline SVG (segno is imported on the one page that shows one)."""
    import segno

    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#1b2733", omitsize=False))


def _groups(secret: str | None) -> str:
    """The key in groups of four, as the apps' "enter a key" field takes it."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) if secret else ""


@router.get("/link")
def follow_link(page: Page) -> Response:
    """A signed link from an e-mail (pause, abort, approval, status report): checked, then followed."""
    target = page.request.value("to")
    problem = security.verify_link(
        page.console.link_key,
        target,
        page.request.value("exp"),
        page.request.value("sig"),
        int(page.now.timestamp()),
    )
    if problem is not None:
        key = "link.expired" if problem == "expired" else "link.forged"
        return page.render("message.html.j2", code=400, title=page.t(key), detail=page.t(f"{key}_hint"))
    return redirect(page.url(target))
