"""No console page or action is reachable without a login (every route of the router is tried)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

from shared.console.app import router
from shared.console.pages import register
from tests.browser.conftest import Stack

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/login/new-password"), ("GET", "/static/<name>")}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _status(url: str, method: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, method=method, data=b"csrf=x" if method == "POST" else None)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def test_no_page_or_action_is_reachable_without_login(stack: Stack) -> None:
    register()  # every page module's routes
    routes = [(route.method, route.pattern.pattern) for route in router.routes]
    assert len(routes) > 20
    checked = 0
    for method, pattern in routes:
        # A sample path for the pattern: every named part becomes "X1"
        path = re.sub(r"\(\?P<[a-z_]+>\[\^/\]\+\)", "X1", pattern.strip("^$"))
        template = re.sub(r"\(\?P<([a-z_]+)>\[\^/\]\+\)", r"<\1>", pattern.strip("^$"))
        if (method, template) in PUBLIC:
            continue
        status, location = _status(stack.url + path, method)
        # Then a page sends to the login page, an action is refused; nothing is shown or done
        if method == "GET":
            assert (status, location.split("?")[0]) == (303, "/login"), (method, path, status)
        else:
            assert status == 401, (method, path, status)
        checked += 1
    assert checked == len(routes) - len(PUBLIC)


def test_the_local_machine_api_refuses_a_cross_site_post(stack: Stack) -> None:
    # Given a page elsewhere that posts to the local API as a plain form (no JSON, no preflight)
    request = urllib.request.Request(
        f"{stack.url}/api/runs", data=b"{}", method="POST", headers={"Content-Type": "text/plain"}
    )
    # Then it is refused, and so is a request for another host name (DNS rebinding)
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("a text/plain POST started something")
    except urllib.error.HTTPError as error:
        assert error.code == 415
    rebound = urllib.request.Request(f"{stack.url}/api/settings", headers={"Host": "evil.example"})
    try:
        urllib.request.urlopen(rebound, timeout=30)
        raise AssertionError("another host name was answered")
    except urllib.error.HTTPError as error:
        assert error.code == 421
