"""Sessions, CSRF tokens and signed links of the operator console — HMAC-SHA256, no third-party crypto.

A session is a cookie the console issues after the operator logged in (Cognito in AWS, a
printed password locally): ``v1.<payload>.<signature>``, the payload naming the operator,
its expiry and a random nonce. The CSRF token is derived from that nonce, so it changes
with every login and an attacker's page can neither read nor guess it. A link in an e-mail
is signed over its target path and expiry with another key (the scheduler holds that one,
never the session key), and still needs a session to be opened.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

SESSION_COOKIE = "dunning_console"
SESSION_SECONDS = 8 * 3600
LINK_SECONDS = 14 * 24 * 3600
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, message: str) -> str:
    return _b64(hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest())


@dataclass(frozen=True)
class Session:
    """Who is logged in, until when, since when (epoch ms: a log-out ends the sessions issued
    before it, see :mod:`shared.services.tenant.operators`), and the nonce their CSRF token is made from."""

    user: str
    name: str
    expires: int
    nonce: str
    issued_ms: int = 0

    def csrf_token(self, key: bytes) -> str:
        return _sign(key, f"csrf|{self.user}|{self.nonce}")


def issue_session(key: bytes, user: str, name: str, now: datetime) -> tuple[Session, str]:
    """A new session for ``user``, issued ``now`` (kept to the millisecond), and its cookie value."""
    now_ms = int(now.timestamp() * 1000)
    session = Session(
        user=user,
        name=name,
        expires=now_ms // 1000 + SESSION_SECONDS,
        nonce=secrets.token_urlsafe(16),
        issued_ms=now_ms,
    )
    fields = {"u": user, "n": name, "e": session.expires, "c": session.nonce, "i": now_ms}
    payload = _b64(json.dumps(fields).encode("utf-8"))
    return session, f"v1.{payload}.{_sign(key, 'session|' + payload)}"


def read_session(key: bytes, cookie_value: str | None, now_epoch: int) -> Session | None:
    """The session a cookie carries, or None when it is missing, forged, malformed or expired."""
    if not cookie_value or cookie_value.count(".") != 2:
        return None
    version, payload, signature = cookie_value.split(".")
    if version != "v1" or not hmac.compare_digest(signature, _sign(key, "session|" + payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
        expires = int(data["e"])
        issued = int(data.get("i", (expires - SESSION_SECONDS) * 1000))  # a cookie from before "i"
        session = Session(
            user=str(data["u"]), name=str(data["n"]), expires=expires, nonce=str(data["c"]), issued_ms=issued
        )
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires > now_epoch else None


def csrf_ok(key: bytes, session: Session, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(str(given), session.csrf_token(key))


def sign_link(key: bytes, target: str, now_epoch: int, seconds: int = LINK_SECONDS) -> str:
    """The query string of a signed link to the console page ``target`` (a path such as ``/runs/X``)."""
    expires = now_epoch + seconds
    return urlencode({"to": target, "exp": expires, "sig": _sign(key, f"link|{target}|{expires}")})


def verify_link(key: bytes, target: str, expires: str, signature: str, now_epoch: int) -> str | None:
    """Why a link is refused ("forged", "expired", "target"), or None when it may be followed."""
    if not target.startswith("/") or target.startswith("//"):
        return "target"
    if not expires.isdigit() or not hmac.compare_digest(signature, _sign(key, f"link|{target}|{expires}")):
        return "forged"
    return "expired" if int(expires) <= now_epoch else None


def cookie_header(value: str, max_age: int, path: str = "/", secure: bool = True) -> str:
    """Set-Cookie for the session: HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it)."""
    parts = [f"{SESSION_COOKIE}={value}", f"Path={path}", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def session_cookie(cookie_header_value: str | None) -> str | None:
    """The session cookie's value out of a Cookie header."""
    for part in (cookie_header_value or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value
    return None
