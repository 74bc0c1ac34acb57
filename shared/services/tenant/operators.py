"""Operators' console sessions: a log-out ends them on every device, and an administrator can end
another operator's (someone left, a laptop was lost) — at once, not when the cookie expires.

A console session is a signed cookie (:mod:`shared.console.security`) that names the moment it was
issued; the store keeps, per operator, the moment their sessions last ended. A session issued at
or before that moment is over, whatever its own expiry says.
"""

from __future__ import annotations

from datetime import datetime

from shared.errors import Invalid
from shared.storage.protocols import Store


def end_sessions(repo: Store, user: str, now: datetime, *, actor: str) -> int:
    """End every console session of ``user`` issued up to ``now``; returns that moment (epoch ms).
    ``actor`` (the operator themselves on log-out, or an administrator) is recorded."""
    user = user.strip()
    if not user:
        raise Invalid("expected the operator's user name (their e-mail address)", field="user")
    moment = epoch_ms(now)
    repo.end_sessions(user, moment)
    repo.note_actor("operator", user, "sessions_ended_by", actor)
    return moment


def session_open(repo: Store, user: str, issued_ms: int) -> bool:
    """Whether a session of ``user`` issued at ``issued_ms`` is still open (one strongly consistent read)."""
    ended = repo.sessions_ended(user)
    return ended is None or issued_ms > ended


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


__all__ = ["end_sessions", "epoch_ms", "session_open"]
