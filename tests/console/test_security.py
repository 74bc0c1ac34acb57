"""Sessions, CSRF tokens, signed links and the authorizer's decision: plain functions, no AWS."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.console_authorizer.app import decide
from shared.console import security
from shared.console.app import LoginResult
from shared.console.schedule import next_run

KEY = b"k" * 32
NOW = 1_800_000_000
MOMENT = datetime.fromtimestamp(NOW, UTC)


def test_a_session_cookie_round_trips_until_it_expires() -> None:
    # Given a session issued now
    session, cookie = security.issue_session(KEY, "bo@jensen.example", "Bo", MOMENT)
    # Then it reads back as the same operator
    assert security.read_session(KEY, cookie, NOW + 60) == session
    # And not after it expired, nor with another key, nor edited
    assert security.read_session(KEY, cookie, NOW + security.SESSION_SECONDS + 1) is None
    assert security.read_session(b"x" * 32, cookie, NOW) is None
    version, payload, signature = cookie.split(".")
    assert security.read_session(KEY, f"{version}.{payload}x.{signature}", NOW) is None
    assert security.read_session(KEY, "garbage", NOW) is None


def test_the_csrf_token_belongs_to_one_session() -> None:
    first, _ = security.issue_session(KEY, "bo", "Bo", MOMENT)
    second, _ = security.issue_session(KEY, "bo", "Bo", MOMENT)
    # Then each session's token passes for it only, and a missing token never passes
    assert security.csrf_ok(KEY, first, first.csrf_token(KEY))
    assert not security.csrf_ok(KEY, first, second.csrf_token(KEY))
    assert not security.csrf_ok(KEY, first, None)
    assert not security.csrf_ok(KEY, first, "")


def test_the_session_cookie_is_secure_httponly_and_samesite() -> None:
    header = security.cookie_header("v", 60)
    assert {"HttpOnly", "Secure", "SameSite=Lax"} <= {part.strip() for part in header.split(";")}


def test_a_signed_link_opens_its_page_until_it_expires() -> None:
    from urllib.parse import parse_qs

    query = {k: v[0] for k, v in parse_qs(security.sign_link(KEY, "/runs/R1", NOW)).items()}
    assert query["to"] == "/runs/R1"
    assert security.verify_link(KEY, query["to"], query["exp"], query["sig"], NOW + 60) is None
    assert security.verify_link(KEY, query["to"], query["exp"], query["sig"], NOW + security.LINK_SECONDS) == "expired"
    # And another page, another expiry or another site is refused
    assert security.verify_link(KEY, "/approvals", query["exp"], query["sig"], NOW) == "forged"
    assert security.verify_link(KEY, query["to"], str(int(query["exp"]) + 1), query["sig"], NOW) == "forged"
    assert security.verify_link(KEY, "//evil.example/x", query["exp"], query["sig"], NOW) == "target"


def _authorizer_event(cookie: str | None) -> dict[str, object]:
    headers = {"Cookie": cookie} if cookie else {}
    return {"methodArn": "arn:aws:execute-api:eu-north-1:1:api/app/GET/runs", "headers": headers}


def test_the_authorizer_allows_a_session_and_nothing_else() -> None:
    _, cookie = security.issue_session(KEY, "bo@jensen.example", "Bo", MOMENT)
    # Given a request with the session cookie (among others)
    allowed = decide(_authorizer_event(f"lang=da; {security.SESSION_COOKIE}={cookie}"), KEY, NOW)
    # Then this method is allowed, named after the operator
    assert allowed["principalId"] == "bo@jensen.example"
    assert allowed["policyDocument"]["Statement"] == [
        {
            "Action": "execute-api:Invoke",
            "Effect": "Allow",
            "Resource": "arn:aws:execute-api:eu-north-1:1:api/app/GET/runs",
        }
    ]
    # And without it, or with a forged or expired one, the request is refused
    for event in (
        _authorizer_event(None),
        _authorizer_event(f"{security.SESSION_COOKIE}=v1.e30.forged"),
    ):
        with pytest.raises(PermissionError):
            decide(event, KEY, NOW)
    with pytest.raises(PermissionError):
        decide(_authorizer_event(f"{security.SESSION_COOKIE}={cookie}"), KEY, NOW + security.SESSION_SECONDS + 1)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 6 * * ? *)", "2026-12-01T01:00:00+00:00", "2026-12-01T06:00:00+01:00"),
        ("cron(0 6,14 * * ? *)", "2026-12-01T07:00:00+00:00", "2026-12-01T14:00:00+01:00"),
        ("cron(30 7 ? * MON-FRI *)", "2026-12-04T08:00:00+00:00", "2026-12-07T07:30:00+01:00"),
        ("cron(0 6 * * ? *)", "2026-06-30T05:00:00+00:00", "2026-07-01T06:00:00+02:00"),
    ],
)
def test_the_next_scheduled_run_is_read_in_the_tenant_zone(expression: str, after: str, expected: str) -> None:
    found = next_run(expression, "Europe/Copenhagen", datetime.fromisoformat(after))
    assert found is not None and found.isoformat() == expected


def test_a_rate_has_no_next_time_of_day() -> None:
    assert next_run("rate(1 hour)", "Europe/Copenhagen", datetime(2026, 12, 1, tzinfo=UTC)) is None


def test_a_session_names_when_it_was_issued_and_an_older_cookie_is_read_as_issued_at_its_start() -> None:
    # Given a session issued now (epoch ms)
    _, cookie = security.issue_session(KEY, "bo", "Bo", datetime.fromtimestamp(NOW + 0.25, UTC))
    # Then the cookie carries the moment to the millisecond
    assert security.read_session(KEY, cookie, NOW).issued_ms == NOW * 1000 + 250
    # And a cookie issued before sessions named it counts from its expiry less the session's length
    import base64
    import hashlib
    import hmac
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"u": "bo", "n": "Bo", "e": NOW + 60, "c": "x"}).encode()).rstrip(
        b"="
    )
    signature = base64.urlsafe_b64encode(hmac.new(KEY, b"session|" + payload, hashlib.sha256).digest()).rstrip(b"=")
    old = security.read_session(KEY, f"v1.{payload.decode()}.{signature.decode()}", NOW)
    assert old is not None and old.issued_ms == (NOW + 60 - security.SESSION_SECONDS) * 1000


class Accepting:
    """An authenticator that lets "bo" in."""

    def login(self, user: str, password: str) -> LoginResult:
        return LoginResult(user="bo", name="Bo")


@pytest.mark.parametrize(
    ("given", "location"),
    [
        ("/runs", "/runs"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),  # a browser reads "/\" as "//": another site
        ("/\t/evil.example", "/"),  # and drops tabs and line breaks
    ],
)
def test_after_login_the_console_goes_only_to_its_own_pages(given: str, location: str) -> None:
    # Given the login form with a "next" address (from a link, or from an attacker's page)
    from shared.console.app import handle
    from shared.console.http import Request
    from shared.storage.memory import MemoryStore
    from tests.console.harness import ConsoleClient

    client = ConsoleClient(MemoryStore())
    client.console.authenticator = Accepting()
    form = {"user": ["bo"], "password": ["x"], "next": [given]}
    # When the operator logs in
    answer = handle(client.console, Request("POST", "/login", form=form, headers={}))
    # Then the console sends them to its own page, never to another site
    assert answer.status == 303
    assert answer.headers["Location"] == location
