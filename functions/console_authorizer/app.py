"""API Gateway REQUEST authorizer for the console: lets a request through only with a valid session cookie.

Why a Lambda REQUEST authorizer rather than API Gateway's Cognito authorizer: that one reads a
token from a header, which a plain link or form in the browser never sends, and keeping the
token in a header means keeping it where page scripts can read it. The console's session lives
in an HttpOnly cookie instead, so the gate in front of the console must read the cookie: this
function checks it with the same code the console uses (:mod:`shared.console.security`).
"""

from __future__ import annotations

import os
import time
from functools import cache
from typing import Any

from functions import init_done
from shared.aws import client
from shared.console.security import read_session, session_cookie


@cache
def _session_key(arn: str) -> bytes:
    return str(client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]).encode("utf-8")


def _cookie_header(event: dict[str, Any]) -> str | None:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    multi = {name.lower(): values for name, values in (event.get("multiValueHeaders") or {}).items()}
    return "; ".join(multi["cookie"]) if multi.get("cookie") else headers.get("cookie")


def decide(event: dict[str, Any], key: bytes, now_epoch: int) -> dict[str, Any]:
    """An Allow policy for this method naming the operator; raises "Unauthorized" (401) without a session."""
    session = read_session(key, session_cookie(_cookie_header(event)), now_epoch)
    if session is None:
        raise PermissionError("Unauthorized")
    return {
        "principalId": session.user,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}],
        },
        "context": {"user": session.user},
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        epoch_ms = (event.get("requestContext") or {}).get("requestTimeEpoch")
        now = int(epoch_ms) // 1000 if epoch_ms else int(time.time())
        return decide(event, _session_key(os.environ["SESSION_SECRET_ARN"]), now)
    except PermissionError:
        raise Exception("Unauthorized") from None


init_done()  # the function's init ends here (functions/__init__.py)
