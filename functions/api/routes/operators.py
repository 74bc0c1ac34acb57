"""``/operators``: end an operator's console sessions (an administrator's sign-out: someone left, a
laptop was lost) — at once, on every device."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from functions.api import request
from shared.services.tenant import operators

router = Router()
UserPath = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[^/\s]+$")]


@router.post("/operators/<user>/sign-out", tags=["operators"])
def sign_out(user: UserPath) -> dict[str, Any]:
    """End every console session of ``user`` (their user name, an e-mail address) issued until now;
    their next page asks them to log in again. Who did it is recorded."""
    ended = operators.end_sessions(request.repo(), user, request.now(), actor=request.actor())
    return {"user": user, "sessions_ended_at": datetime.fromtimestamp(ended / 1000, UTC).isoformat()}
