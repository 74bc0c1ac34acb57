"""The console function as deployed: API Gateway events in, Cognito for the login, keys from Secrets
Manager — on moto, in-process."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from dunning.api_events import api_event
from dunning.local_stack import FakeLambdaContext, LocalStack
from shared.console.security import SESSION_COOKIE

OPERATOR = "bo@jensen.example"


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")  # moto checks the app's codes
    with LocalStack("jensen") as stack:
        idp = boto3.client("cognito-idp")
        pool = idp.create_user_pool(  # as template.yaml: an authenticator app is required
            PoolName="jensen-dunning-operators",
            UsernameAttributes=["email"],
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            MfaConfiguration="ON",
        )["UserPool"]["Id"]
        idp.set_user_pool_mfa_config(
            UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
        )
        client_id = idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="jensen-dunning-console",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        # An administrator invites the operator (a temporary password by e-mail)
        idp.admin_create_user(
            UserPoolId=pool,
            Username=OPERATOR,
            TemporaryPassword="Midlertidig-2026",
            UserAttributes=[{"Name": "email", "Value": OPERATOR}, {"Name": "email_verified", "Value": "true"}],
        )
        secrets = boto3.client("secretsmanager")
        env = {
            "TENANT_ID": "jensen",
            "TABLE_NAME": stack.env["TABLE_NAME"],
            "SCHEDULER_FUNCTION_NAME": "jensen-dunning-scheduler",
            "USER_POOL_CLIENT_ID": client_id,
            "SESSION_SECRET_ARN": secrets.create_secret(Name="session", SecretString="s" * 64)["ARN"],
            "CONSOLE_LINK_SECRET_ARN": secrets.create_secret(Name="links", SecretString="l" * 64)["ARN"],
            "POWERTOOLS_SERVICE_NAME": "console",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        yield stack


def call(method: str, path: str, form: dict[str, str] | None = None, cookie: str | None = None) -> dict[str, Any]:
    from functions.console.app import handler

    headers = {"Content-Type": "application/x-www-form-urlencoded", "Host": "console.example"}
    if cookie:
        headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
    event = api_event(method, path, headers=headers, raw_body=urlencode(form) if form is not None else None)
    return dict(handler(event, FakeLambdaContext("jensen-dunning-console")))


def _field(page: dict[str, Any], name: str) -> str:
    return str(page["body"].split(f'name="{name}" value="')[1].split('"')[0])


def app_code(key: str) -> str:
    """What the operator's authenticator app shows for ``key`` now (RFC 6238, as the apps compute it);
    never the last second of a 30-second step, so that Cognito checks it in the same step."""
    while time.time() % 30 > 28.5:
        time.sleep(0.2)
    padded = key + "=" * (-len(key) % 8)
    totp = TOTP(base64.b32decode(padded, casefold=True), 6, SHA1(), 30, enforce_key_length=False)
    return totp.generate(time.time()).decode()


def _session(response: dict[str, Any]) -> str:
    cookies = response["multiValueHeaders"]["Set-Cookie"]
    return next(c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith(SESSION_COOKIE))


def test_an_invited_operator_chooses_a_password_then_works_with_a_csrf_token(console: Any) -> None:
    # Given no session: the overview sends to the login page
    assert call("GET", "/")["headers"]["Location"].startswith("/login?next=")
    # When the invited operator logs in with the temporary password
    first = call("POST", "/login", {"user": OPERATOR, "password": "Midlertidig-2026", "next": "/settings"})
    # Then Cognito asks for their own password first
    assert first["statusCode"] == 200 and 'name="challenge"' in first["body"]
    challenge = first["body"].split('name="challenge" value="')[1].split('"')[0]
    chosen = call(
        "POST",
        "/login/new-password",
        {"user": OPERATOR, "challenge": challenge, "password": "Egen-Adgangskode-9", "next": "/settings"},
    )
    # Then they set up an authenticator app: a QR code and the key, no session yet
    assert chosen["statusCode"] == 200 and "<svg" in chosen["body"] and not chosen["multiValueHeaders"]
    key = _field(chosen, "secret")
    link = urlsplit(chosen["body"].split('href="otpauth://')[1].split('"')[0].replace("&amp;", "&"))
    assert parse_qs(link.query)["secret"] == [key] and parse_qs(link.query)["issuer"] == ["Rykker jensen"]
    form = {"user": OPERATOR, "challenge": _field(chosen, "challenge"), "secret": key, "next": "/settings"}
    # When they type a wrong code, they are asked again under the same login
    wrong = call("POST", "/login/mfa", form | {"code": "000000" if app_code(key) != "000000" else "111111"})
    assert wrong["statusCode"] == 401 and "Koden passer ikke" in wrong["body"] and not wrong["multiValueHeaders"]
    # And with the app's code, a Secure, HttpOnly session is set and the page asked for follows
    done = call("POST", "/login/mfa", form | {"challenge": _field(wrong, "challenge"), "code": app_code(key)})
    assert done["statusCode"] == 303 and done["headers"]["Location"] == "/settings"
    assert "HttpOnly" in done["multiValueHeaders"]["Set-Cookie"][0]
    assert "Secure" in done["multiValueHeaders"]["Set-Cookie"][0]
    session = _session(done)
    page = call("GET", "/settings", cookie=session)
    assert page["statusCode"] == 200 and "Afsend rykkere" in page["body"] and OPERATOR in page["body"]
    # When a state change comes without the CSRF token, it is refused
    assert call("POST", "/settings/switch", {"enabled": "false"}, cookie=session)["statusCode"] == 403
    # And with it, it is done
    token = page["body"].split('name="csrf" value="')[1].split('"')[0]
    done = call("POST", "/settings/switch", {"enabled": "false", "csrf": token}, cookie=session)
    assert done["statusCode"] == 303
    assert 'data-enabled="false"' in call("GET", "/", cookie=session)["body"]


KEYS: dict[str, str] = {}  # the operator's authenticator app: its key, once set up


def _logged_in(password: str = "Midlertidig-2026") -> str:
    """A session of the operator: choosing "Egen-Adgangskode-9" and setting up the app when Cognito
    asks, else giving the app's code."""
    answer = call("POST", "/login", {"user": OPERATOR, "password": password, "next": "/"})
    if 'action="/login/new-password"' in answer["body"]:
        form = {"user": OPERATOR, "challenge": _field(answer, "challenge"), "password": "Egen-Adgangskode-9"}
        answer = call("POST", "/login/new-password", form | {"next": "/"})
    if 'action="/login/mfa"' in answer["body"]:
        form = {"user": OPERATOR, "challenge": _field(answer, "challenge"), "next": "/"}
        if 'name="secret"' in answer["body"]:  # the first login of this test's user pool: set the app up
            KEYS[OPERATOR] = form["secret"] = _field(answer, "secret")
        answer = call("POST", "/login/mfa", form | {"code": app_code(KEYS[OPERATOR])})
    assert answer["statusCode"] == 303, answer["body"][:300]
    return _session(answer)


def test_an_operator_logs_in_with_the_password_and_the_apps_code(console: Any) -> None:
    # Given an operator who chose a password and set up the app
    _logged_in()
    # When they log in again: the password alone gives no session, the app's code is asked for
    answer = call("POST", "/login", {"user": OPERATOR, "password": "Egen-Adgangskode-9", "next": "/runs"})
    assert answer["statusCode"] == 200 and 'action="/login/mfa"' in answer["body"]
    assert not answer["multiValueHeaders"] and 'name="secret"' not in answer["body"]
    # Then a malformed code is refused without asking Cognito, and the app's code logs in
    form = {"user": OPERATOR, "challenge": _field(answer, "challenge"), "next": "/runs"}
    assert call("POST", "/login/mfa", form | {"code": "12ab56"})["statusCode"] == 401
    done = call("POST", "/login/mfa", form | {"code": app_code(KEYS[OPERATOR])})
    assert done["statusCode"] == 303 and done["headers"]["Location"] == "/runs"


def test_logging_out_ends_the_operators_sessions_on_every_device(console: Any) -> None:
    # Given the operator logged in on a laptop and on a phone
    laptop = _logged_in()
    phone = _logged_in("Egen-Adgangskode-9")
    page = call("GET", "/", cookie=laptop)
    assert page["statusCode"] == 200 and call("GET", "/", cookie=phone)["statusCode"] == 200
    # When they log out on the laptop
    token = page["body"].split('name="csrf" value="')[1].split('"')[0]
    assert call("POST", "/logout", {"csrf": token}, cookie=laptop)["statusCode"] == 303
    # Then neither cookie opens a page or does anything any more, though both are signed and unexpired
    for cookie in (laptop, phone):
        assert call("GET", "/runs", cookie=cookie)["headers"]["Location"] == "/login?next=%2Fruns"
        assert call("POST", "/settings/switch", {"enabled": "false", "csrf": token}, cookie=cookie)["statusCode"] == 401
    # And a new login works at once
    assert call("GET", "/", cookie=_logged_in("Egen-Adgangskode-9"))["statusCode"] == 200


def test_a_wrong_password_is_refused_without_a_session(console: Any) -> None:
    refused = call("POST", "/login", {"user": OPERATOR, "password": "forkert-1234", "next": "/"})
    assert refused["statusCode"] == 401 and "Forkert brugernavn" in refused["body"]
    assert not refused["multiValueHeaders"]


def test_static_files_need_no_login_and_htmx_ships_with_its_licence(console: Any) -> None:
    script = call("GET", "/static/htmx-2.0.4.min.js")
    assert script["statusCode"] == 200 and script["headers"]["Content-Type"] == "text/javascript"
    assert "htmx" in script["body"][:200]
    licence = call("GET", "/static/htmx-2.0.4.LICENSE.txt")
    assert "Zero-Clause BSD" in licence["body"]


def test_on_the_execute_api_host_every_link_carries_the_stage(console: Any) -> None:
    from functions.console.app import handler

    # Given a request on the API's own host name, where the stage is part of every path
    event = api_event("GET", "/runs", headers={"Host": "abc123.execute-api.eu-north-1.amazonaws.com"})
    stage = event["requestContext"]["stage"]
    response = handler(event, FakeLambdaContext("jensen-dunning-console"))
    # Then the login it sends to is under the stage too
    assert response["statusCode"] == 303
    assert response["headers"]["Location"] == f"/{stage}/login?next=%2Fruns"
