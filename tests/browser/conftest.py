"""One local stack (``dunning local up``'s server) and one headless Chromium for the whole browser suite.

The stack is seeded through its machine API (``/api/…``, the same process), the browser drives
the console as an operator would. Debian's ``/usr/bin/chromium`` is launched by Playwright's
Python package (no ``playwright install``: its CDN is not reachable from CI).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "out" / "console"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
    pytest.skip("no chromium (CI installs it: apt-get install -y chromium)", allow_module_level=True)


@dataclass
class Stack:
    url: str
    user: str
    password: str
    state: dict[str, Any]

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """The machine API of the local stack (plain HTTP on 127.0.0.1)."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"{self.url}/api{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read().decode('utf-8')}") from None
        return json.loads(text) if text else None

    def run_status(self, run_id: str) -> str | None:
        """The run's status, or None while the robot has not picked the request up."""
        runs = {run["run_id"]: run for run in self.api("GET", "/runs")}
        return runs[run_id]["status"] if run_id in runs else None

    def wait_for_run(self, run_id: str, status: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.run_status(run_id) != status:
            assert time.monotonic() < deadline, f"run {run_id} is {self.run_status(run_id)}, not {status}"
            time.sleep(0.2)

    def sent_emails(self) -> list[dict[str, str]]:
        """What the stack's SES sent (moto's own read-back): subject and plain text of each e-mail."""
        with urllib.request.urlopen(f"{self.state['endpoint']}/moto-api/data.json", timeout=30) as response:
            data = json.loads(response.read())
        found = []
        for raw in data.get("ses", {}).get("RawMessage", []):
            message = email.message_from_string(raw["raw_data"], policy=email.policy.default)
            text = message.get_body(preferencelist=("plain",))
            found.append({"subject": str(message["Subject"]), "text": text.get_content() if text else ""})
        return found


TODAY = date.today()


def seed(stack: Stack) -> None:
    """A small tenant: two templates, four customers, overdue invoices; approval off, no checks."""
    stack.api("PATCH", "/settings", {"tenant_name": "Jensen VVS ApS"})
    steps = [
        {"name": "Påmindelse", "days": 5, "actions": ["email"]},
        {"name": "Rykker 1", "days": 10, "actions": ["email", "sms", {"fee": "100.00"}]},
        {"name": "Rykker 2", "days": 10, "actions": ["email", {"fee": "100.00"}]},
    ]
    stack.api("POST", "/templates", {"name": "standard", "steps": steps})
    stack.api("POST", "/templates", {"name": "mild", "steps": steps[:1]})
    stack.api(
        "PATCH",
        "/settings",
        {
            "default_template": "standard",
            "status_report_to": "bogholder@jensen-vvs.example",
            "notify_to": "bogholder@jensen-vvs.example",
            "sender": {"name": "Jensen VVS ApS", "cvr": "12345678", "email": "faktura@jensen-vvs.example"},
            "payment": {"bank": {"reg": "1234", "account": "0012345678"}},
        },
    )
    customers = [
        ("K100", "Hansen Tømrer ApS", "+4520000001"),
        ("K200", "Sørensen & Co", "+4520000002"),
        ("K300", "Ærø Bageri", "+4520000003"),
        ("K400", "Østergaard El", "+4520000004"),
    ]
    for number, (customer_id, name, phone) in enumerate(customers):
        stack.api(
            "POST",
            "/customers",
            {"id": customer_id, "name": name, "email": f"{customer_id.lower()}@kunde.example", "phone": phone},
        )
        stack.api("POST", "/agreements", {"id": f"A{customer_id[1:]}", "customer": customer_id})
        stack.api(
            "POST",
            "/invoices",
            {
                "id": f"F-{1001 + number}",
                "agreement": f"A{customer_id[1:]}",
                "amount": f"{1250 + 500 * number}.00",
                "issued": (TODAY - timedelta(days=40)).isoformat(),
                "due": (TODAY - timedelta(days=20 + number)).isoformat(),
            },
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from dunning.local_server import down, up

    state_file = tmp_path_factory.mktemp("local") / "local.json"
    # A started run waits 1 s for the robot and every queue call takes 0.15 s: each state can be seen.
    state = up("jensen", state_file, console_port=0, robot_delay=1.0, robot_pace=0.15)
    try:
        found = Stack(state["console_url"], state["console_user"], state["console_password"], state)
        seed(found)
        yield found
    finally:
        down(state_file)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def anonymous(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    """A logged-in operator's page."""
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    login(tab, stack)
    yield tab
    context.close()


def login(tab: Any, stack: Stack) -> None:
    tab.goto(stack.url + "/")
    tab.fill("input[name=user]", stack.user)
    tab.fill("input[name=password]", stack.password)
    tab.click("button.primary")
    tab.wait_for_selector("#robot-status")


def shot(tab: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path
