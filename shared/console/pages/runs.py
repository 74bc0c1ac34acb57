"""Overview ("Robot status"), the runs, one run with its report, a paused run and "Genoptag" (O1, O2, O6, O8)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared.console import services
from shared.console.app import Page, router
from shared.console.http import Response, quoted
from shared.console.schedule import next_run
from shared.errors import NotFound

ACTIVE = ("running", "continuing", "fanned_out", "queued")
COUNTERS = ("reminders", "messages", "invoices_advanced", "proposals", "held_back")


def robot_status(page: Page, requested: str | None = None) -> dict[str, Any]:
    """What the "Robot status" box shows: the current (or requested) run, the last finished one, the next."""
    repo = page.repo
    runs = repo.list_runs(limit=20)
    settings = page.settings
    current = next((run for run in runs if run.get("status") in ACTIVE), None)
    waiting = [queued["run_id"] for queued in repo.queued_runs()]
    state = current["status"] if current else ("queued" if waiting else "idle")
    shown_id = current["run_id"] if current else (waiting[0] if waiting else None)
    if requested:
        record = repo.get_run(requested)
        if record is None or (record.get("status") == "paused" and _resume_asked(repo, requested)):
            # The robot has not picked the request (or the resume) up yet. A run that paused on its
            # own waits for the operator, not for the robot: the last run below says so.
            state, shown_id = "waiting", requested
        elif record.get("status") in ACTIVE:
            state, shown_id = record["status"], requested
    last = next((run for run in runs if run.get("status") not in ACTIVE), None)
    upcoming = next_run(page.console.run_schedule, settings.timezone, page.now) if page.console.runs_enabled else None
    return {
        "state": state,
        "run_id": shown_id,
        "requested": requested if state in ("waiting", *ACTIVE) else None,
        "last": last,
        "last_requested": requested if requested and last and last.get("run_id") == requested else None,
        "next": upcoming,
        "timezone": settings.timezone,
        "enabled": settings.reminders_enabled,
    }


def _resume_asked(repo: Any, run_id: str) -> bool:
    """Someone pressed "Genoptag" on this paused run (a resumed run never pauses again)."""
    return "resumed_by" in repo.actors_of("run", {run_id}).get(run_id, {})


@router.get("/")
def overview(page: Page) -> Response:
    status = robot_status(page, page.request.query.get("requested"))
    return page.render("overview.html.j2", status=status, message=page.request.query.get("msg"))


@router.get("/status")
def status_fragment(page: Page) -> Response:
    """The "Robot status" box alone: htmx polls it while a run is waiting or running."""
    status = robot_status(page, page.request.query.get("requested"))
    return page.render("_status.html.j2", status=status)


@router.post("/runs/start")
def start_now(page: Page) -> Response:
    """The red button: start the reminder flow now (O1); the overview then polls its status. A tenant
    without settings is sent to fill them in (the robot has nothing to work from)."""
    if page.repo.get_settings() is None:
        return page.back("/settings", page.t("start.no_settings"))
    started = services.start_run(page.repo, page.console.scheduler, page.now, page.actor)
    return page.back(f"/?requested={quoted(started['run_id'])}", page.t("started"))


@router.post("/settings/switch")
def flip_switch(page: Page) -> Response:
    """ "Afsend rykkere" on or off (C1)."""
    on = page.request.value("enabled") == "true"
    services.change_settings(page.repo, page.console.tenant, {"reminders_enabled": on}, page.actor)
    return page.back("/settings" if page.request.value("back") == "/settings" else "/")


@router.get("/runs")
def runs(page: Page) -> Response:
    return page.render("runs.html.j2", runs=page.repo.list_runs(limit=100), counters=COUNTERS)


@router.get("/runs/<run_id>")
def run(page: Page, run_id: str) -> Response:
    record = services.get_run(page.repo, run_id)
    effects = _run_effects(page, record)
    entries = _unposted(page) if record.get("status") == "paused" else []
    return page.render(
        "run.html.j2",
        run=record,
        run_id=run_id,
        effects=effects,
        entries=entries,
        counters=COUNTERS,
        message=page.request.query.get("msg"),
    )


@router.post("/runs/<run_id>/resume")
def resume(page: Page, run_id: str) -> Response:
    """O6 "Genoptag": the paused run goes on as if its journal check had passed."""
    started = services.start_run(page.repo, page.console.scheduler, page.now, page.actor, resume_run_id=run_id)
    return page.back(f"/?requested={quoted(started['run_id'])}", page.t("resumed"))


@router.post("/runs/<run_id>/post-and-resume")
def post_and_resume(page: Page, run_id: str) -> Response:
    """O6 "bogføre dem og derefter starte": post the checked journals' entries (each a payment on its
    customer's account, dated the tenant's today), then resume the paused run."""
    today = page.now.astimezone(page.settings.zone).date()
    posted = sum(
        services.post_journal(page.repo, entry_journal, today, actor=page.actor)
        for entry_journal in {entry["journal"] for entry in _unposted(page)}
    )
    started = services.start_run(page.repo, page.console.scheduler, page.now, page.actor, resume_run_id=run_id)
    return page.back(f"/?requested={quoted(started['run_id'])}", page.t("posted_and_resumed", count=posted))


def _run_effects(page: Page, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The effects the run recorded on its date (what its status report lists), without the run's
    own record: its status, reason and counts head the page."""
    if "run_date" not in record:
        return []
    tag = record.get("tag") or record.get("run_id")
    found = page.repo.effects_on(date.fromisoformat(record["run_date"]))
    return [
        {k: v for k, v in effect.items() if not k.startswith("_")}
        for effect in found
        if effect.get("_run") in (None, tag, f"{record.get('run_id')}#resumed") and effect.get("kind") != "run"
    ]


def _unposted(page: Page) -> list[dict[str, Any]]:
    settings = page.settings
    entries = []
    for journal in settings.check_journals:
        try:
            entries += [entry | {"journal": journal} for entry in services.journal_entries(page.repo, journal)]
        except NotFound:
            continue
    return entries


def local_time(moment: datetime | None, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return "" if moment is None else moment.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y kl. %H:%M")
