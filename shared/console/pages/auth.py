"""Log in, choose a first password, log out, and the door signed e-mail links come through."""

from __future__ import annotations

from shared.console import security
from shared.console.app import LoginResult, Page, router
from shared.console.http import Response, redirect


def _safe_next(target: str) -> str:
    # Only a path on this console, never another site (an open redirect).
    return target if target.startswith("/") and not target.startswith("//") else "/"


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


def _logged_in(page: Page, result: LoginResult, user: str) -> Response:
    target = _safe_next(page.request.value("next", "/"))
    if result.challenge:
        return page.render("login.html.j2", next=target, failed=False, challenge=result.challenge, user=user)
    if result.user is None:
        return page.render("login.html.j2", code=401, next=target, failed=True, user=user)
    _, cookie = security.issue_session(
        page.console.session_key, result.user, result.name or result.user, int(page.now.timestamp())
    )
    response = redirect(page.url(target))
    response.cookies.append(
        security.cookie_header(cookie, security.SESSION_SECONDS, secure=page.console.secure_cookies)
    )
    return response


@router.post("/logout")
def logout(page: Page) -> Response:
    response = redirect(page.url("/login"))
    response.cookies.append(security.cookie_header("", 0, secure=page.console.secure_cookies))
    return response


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
        return page.render("message.html.j2", code=400, title=page.t(key), detail=page.t(key))
    return redirect(page.url(target))
