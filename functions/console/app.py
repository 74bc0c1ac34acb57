"""The operator console behind API Gateway: a REST proxy event in, an HTML page out.

Thin: the event becomes a :class:`~shared.console.http.Request`, :func:`shared.console.app.handle`
answers it. The session cookie was already checked by the REQUEST authorizer in front of every
route but login and static files; the console checks it again (the same code) and checks the
CSRF token of every POST. Operators log in with their Cognito user (invited by an administrator)
through :class:`CognitoAuthenticator`; the keys are read from Secrets Manager once per container.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions import init_done
from shared.aws import LambdaScheduler, client
from shared.config import _EnvModel
from shared.console.app import Console, LoginResult, handle
from shared.console.http import Request, Response, parse_form
from shared.observability import logger
from shared.storage.repository import repository_for


class ConsoleConfig(_EnvModel):
    tenant_id: str
    table_name: str
    scheduler_function_name: str
    user_pool_client_id: str
    session_secret_arn: str
    link_secret_arn: str
    run_schedule: str = "cron(0 6 * * ? *)"
    runs_enabled: str = "ENABLED"
    ENV_NAMES: ClassVar[Mapping[str, str]] = {"link_secret_arn": "CONSOLE_LINK_SECRET_ARN"}


@cache
def secret(arn: str) -> bytes:
    """A generated secret of the stack, fetched once per container."""
    return str(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]).encode("utf-8")


class CognitoAuthenticator:
    """USER_PASSWORD_AUTH against the stack's user pool; an invited operator first chooses a password.

    The tokens come straight from Cognito over TLS and are not kept: the console issues its own
    short session cookie, so no JWT is ever exposed to the browser's scripts.
    """

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id

    def login(self, user: str, password: str) -> LoginResult:
        if not user or not password:
            return LoginResult()
        try:
            answer = client("cognito-idp").initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=self.client_id,
                AuthParameters={"USERNAME": user, "PASSWORD": password},
            )
        except client("cognito-idp").exceptions.NotAuthorizedException:
            return LoginResult()
        except client("cognito-idp").exceptions.UserNotFoundException:
            return LoginResult()
        return self._result(answer)

    def new_password(self, user: str, challenge: str, password: str) -> LoginResult:
        try:
            answer = client("cognito-idp").respond_to_auth_challenge(
                ClientId=self.client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=challenge,
                ChallengeResponses={"USERNAME": user, "NEW_PASSWORD": password},
            )
        except client("cognito-idp").exceptions.InvalidPasswordException:
            return LoginResult(challenge=challenge)
        except client("cognito-idp").exceptions.NotAuthorizedException:
            return LoginResult()
        return self._result(answer)

    def mfa_code(self, user: str, challenge: str, code: str, secret: str | None) -> LoginResult:
        """Finish setting up the authenticator app (``secret`` given: its first code proves it holds the
        key), or log in with its code. A wrong code asks again under the same Cognito session."""
        idp = client("cognito-idp")
        wrong = LoginResult(challenge=challenge, mfa="setup" if secret else "code", secret=secret, wrong_code=True)
        if not (code.isdigit() and len(code) == 6):
            return wrong
        try:
            if secret:
                verified = idp.verify_software_token(Session=challenge, UserCode=code, FriendlyDeviceName="Rykker")
                if verified.get("Status") != "SUCCESS":
                    return wrong
                answer = idp.respond_to_auth_challenge(
                    ClientId=self.client_id,
                    ChallengeName="MFA_SETUP",
                    Session=verified["Session"],
                    ChallengeResponses={"USERNAME": user},
                )
            else:
                answer = idp.respond_to_auth_challenge(
                    ClientId=self.client_id,
                    ChallengeName="SOFTWARE_TOKEN_MFA",
                    Session=challenge,
                    ChallengeResponses={"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": code},
                )
        except (idp.exceptions.CodeMismatchException, idp.exceptions.EnableSoftwareTokenMFAException):
            return wrong
        except idp.exceptions.NotAuthorizedException:  # the login's session expired (3 minutes): start again
            return LoginResult()
        return self._result(answer)

    def _result(self, answer: dict[str, Any]) -> LoginResult:
        challenge = answer.get("ChallengeName")
        if challenge == "NEW_PASSWORD_REQUIRED":
            return LoginResult(challenge=answer["Session"])
        if challenge == "MFA_SETUP":  # the pool requires an authenticator app and this operator has none yet
            key = client("cognito-idp").associate_software_token(Session=answer["Session"])
            return LoginResult(challenge=key["Session"], mfa="setup", secret=key["SecretCode"])
        if challenge == "SOFTWARE_TOKEN_MFA":
            return LoginResult(challenge=answer["Session"], mfa="code")
        token = answer.get("AuthenticationResult", {}).get("IdToken")
        if not token:
            return LoginResult()
        claims = _claims(token)
        user = str(claims.get("email") or claims.get("cognito:username") or claims["sub"])
        return LoginResult(user=user, name=str(claims.get("name") or user))


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _request(event: dict[str, Any]) -> Request:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    cookies = (event.get("multiValueHeaders") or {}).get("Cookie") or (event.get("multiValueHeaders") or {}).get(
        "cookie"
    )
    if cookies:
        headers["cookie"] = "; ".join(cookies)
    body = event.get("body") or ""
    if body and event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", errors="replace")
    method = str(event.get("httpMethod", "GET")).upper()
    return Request(
        method=method,
        path=str(event.get("path") or "/"),
        query=dict(event.get("queryStringParameters") or {}),
        form=parse_form(body) if method == "POST" else {},
        headers=headers,
    )


def _proxy(response: Response) -> dict[str, Any]:
    body = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    return {
        "statusCode": response.status,
        "headers": response.headers,
        "multiValueHeaders": {"Set-Cookie": response.cookies} if response.cookies else {},
        "body": body,
        "isBase64Encoded": False,
    }


def console_for(config: ConsoleConfig, event: dict[str, Any]) -> Console:
    context = event.get("requestContext") or {}
    epoch_ms = context.get("requestTimeEpoch")
    now = datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms else datetime.now(UTC)
    host = (event.get("headers") or {}).get("Host", "")
    stage = context.get("stage")
    return Console(
        tenant=config.tenant_id,
        repo=lambda: repository_for(config.table_name),
        scheduler=LambdaScheduler(config.scheduler_function_name),
        authenticator=CognitoAuthenticator(config.user_pool_client_id),
        session_key=secret(config.session_secret_arn),
        link_key=secret(config.link_secret_arn),
        run_schedule=config.run_schedule,
        runs_enabled=config.runs_enabled == "ENABLED",
        # On the execute-api host the stage is part of every URL; behind a custom domain it is not.
        base_path=f"/{stage}" if stage and host.endswith(".amazonaws.com") else "",
        clock=lambda: now,
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = ConsoleConfig.from_env()
    return _proxy(handle(console_for(config, event), _request(event)))


lambda_handler = handler


init_done()  # the function's init ends here (functions/__init__.py)
