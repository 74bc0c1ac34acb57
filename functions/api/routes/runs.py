"""``/runs``: start the reminder flow now (O1), resume a paused run (O6), and each run's status (O2)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.api import request
from shared.api.models.runs import StartRunIn, StartRunOut
from shared.services.tenant import runs as service

router = Router()


@router.post("/runs", tags=["runs"])
def start_run(body: StartRunIn) -> Response[StartRunOut]:
    """Start the reminder flow now (O1), or resume a paused run (O6); the run reports its status (O2)."""
    repo, scheduler, now, actor = request.repo(), request.scheduler(), request.now(), request.actor()
    if body.resume is not None:
        started = service.resume_run(repo, scheduler, now, body.resume, actor=actor)
    else:
        started = service.start_run(repo, scheduler, now, actor=actor)
    return request.accepted(StartRunOut.model_validate(started))


@router.get("/runs", tags=["runs"])
def list_runs(limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[dict[str, Any]]:
    """Runs, newest first: status (queued, running, completed, skipped, aborted, paused, failed), counts,
    and who started or resumed each (``started_by``, ``resumed_by``)."""
    return service.list_runs(request.repo(), limit)


@router.get("/runs/<run_id>", tags=["runs"])
def read_run(run_id: Annotated[str, Path(min_length=1, max_length=80)]) -> dict[str, Any]:
    return service.get_run(request.repo(), run_id)
