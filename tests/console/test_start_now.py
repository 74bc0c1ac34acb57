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
