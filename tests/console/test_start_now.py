""" "Start rykkerflow nu" on a tenant with no settings yet: sent to the settings, in Danish, nothing started."""

from __future__ import annotations

from urllib.parse import unquote

from shared.console.app import handle
from shared.console.http import Request
from shared.storage.memory import MemoryStore
from tests.console.harness import ConsoleClient


def test_start_now_without_settings_leads_to_the_settings_in_danish() -> None:
    # Given a fresh tenant (the console shows the red button at once)
    repo = MemoryStore()
    client = ConsoleClient(repo)
    # When the bookkeeper presses "Start rykkerflow nu"
    status, _ = client.submit("/", "/runs/start")
    # Then they are sent to the settings with a Danish word on what to do (not "PATCH /settings first")
    assert status == 303
    answer = handle(client.console, Request("POST", "/runs/start", form={}, headers=client.headers))
    assert answer.status == 403  # (without the form's token nothing happens either)
    location = client.last_location
    assert location.startswith("/settings?msg=")
    assert unquote(location.split("msg=", 1)[1]).startswith("Robotten kan ikke starte endnu: udfyld og gem")
    # And no run was started
    assert repo.list_runs(limit=10) == []


RUN = "2026-03-02T09:00:00Z~manual"


def _paused_store() -> MemoryStore:
    from shared.domain.settings import TenantSettings

    repo = MemoryStore()
    repo.put_settings(TenantSettings(tenant="jensen"))
    reason = "journal 'Bank' has 2 unposted entries"
    repo.put_run(RUN, {"run_id": RUN, "run_date": "2026-03-02", "status": "paused", "kind": "manual", "reason": reason})
    return repo


def test_a_started_run_that_paused_is_not_shown_as_waiting_for_the_robot() -> None:
    # Given the run the bookkeeper started paused for unposted journal entries
    repo = _paused_store()
    # When the overview the start led to is shown (it names the requested run)
    status, body = ConsoleClient(repo).get(f"/?requested={RUN}")
    # Then the robot is idle (it waits for the bookkeeper, not the other way round), no polling,
    # and the last run says it is paused and why
    assert status == 200
    assert 'data-state="idle"' in body and "Venter på robot" not in body
    assert "hx-trigger" not in body
    assert 'data-last-status="paused"' in body and "kladden &#39;Bank&#39; har 2 ikke-bogførte posteringer" in body


def test_a_resumed_run_waits_for_the_robot_until_it_is_picked_up() -> None:
    # Given "Genoptag" was pressed, and the robot has not picked the resume up yet
    repo = _paused_store()
    repo.note_actor("run", RUN, "resumed_by", "bo")
    status, body = ConsoleClient(repo).get(f"/?requested={RUN}")
    assert status == 200
    assert 'data-state="waiting"' in body and "hx-trigger" in body
