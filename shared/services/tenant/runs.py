"""Runs (O1, O2, O6): start one now, resume a paused one, list them — with who started or resumed each.

A run is the scheduler's work; these functions hand it the event (through
:class:`~shared.services.tenant.common.SchedulerGateway`) and record who asked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.errors import Conflict, NotFound
from shared.services.runs.summary import run_id_for
from shared.services.tenant.common import SchedulerGateway, event_time
from shared.storage.protocols import Store


def _configured(repo: Store) -> None:
    if repo.get_settings() is None:
        raise Conflict("the tenant has no settings yet; PATCH /settings first", "settings")


def start_run(repo: Store, scheduler: SchedulerGateway, now: datetime, *, actor: str) -> dict[str, Any]:
    """O1 "start the reminder flow now"; returns the run id and the event the scheduler got."""
    _configured(repo)
    run_id = f"{run_id_for(now)}~manual"
    event: dict[str, Any] = {"source": "manual", "time": event_time(now)}
    repo.note_actor("run", run_id, "started_by", actor)
    scheduler.start(event)
    return {"run_id": run_id, "event": event}


def resume_run(repo: Store, scheduler: SchedulerGateway, now: datetime, run_id: str, *, actor: str) -> dict[str, Any]:
    """O6 "resume the paused run" (once its unposted entries are posted); returns the run id and the event."""
    _configured(repo)
    run = repo.get_run(run_id)
    if run is None:
        raise NotFound(f"run {run_id!r} does not exist", "run_id")
    if run.get("status") != "paused":
        raise Conflict(f"run {run_id!r} is {run.get('status')}; only a paused run can be resumed", "run_id")
    event: dict[str, Any] = {"source": "resume", "run_id": run_id, "time": event_time(now)}
    repo.note_actor("run", run_id, "resumed_by", actor)
    scheduler.start(event)
    return {"run_id": run_id, "event": event}


def paused_runs(repo: Store, run_date: str | None = None) -> list[dict[str, Any]]:
    """Paused runs, newest first (optionally of one run date): what waits for a resume."""
    return [
        run
        for run in repo.list_runs()
        if run.get("status") == "paused" and (run_date is None or run.get("run_date") == run_date)
    ]


def list_runs(repo: Store, limit: int = 20) -> list[dict[str, Any]]:
    """Runs, newest first, each with its status, counts and who started or resumed it."""
    runs = repo.list_runs(limit=limit)
    actors = repo.actors_of("run", {run["run_id"] for run in runs if "run_id" in run})
    return [run | actors.get(run.get("run_id", ""), {}) for run in runs]


def get_run(repo: Store, run_id: str) -> dict[str, Any]:
    """One run (404 when unknown), with who started or resumed it."""
    run = repo.get_run(run_id)
    if run is None:
        raise NotFound(f"run {run_id!r} does not exist", "run_id")
    return run | repo.actors("run", run_id)
