"""The local stack's state file and its server process's life (``dunning local up``/``down``/``status``).

Light on purpose: every ``dunning`` command reads the state to find the local API, so this
module imports neither moto, boto3 nor the functions (:mod:`dunning.local_server` holds the server
itself, and :class:`~dunning.local_server.ServerStack`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_STATE = Path(".dunning") / "local.json"
DEFAULT_CONSOLE_PORT = 8780


class LocalServerError(RuntimeError):
    """The local stack is not running, or did not start."""


def state_path(given: str | None = None) -> Path:
    return Path(given or os.environ.get("DUNNING_LOCAL_STATE") or DEFAULT_STATE)


def read_state(path: Path) -> dict[str, Any] | None:
    """The running server's state, or None when there is none (or its process is gone)."""
    try:
        state = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    try:
        os.kill(int(state["pid"]), 0)
    except (ProcessLookupError, PermissionError, KeyError, ValueError):
        return None
    return dict(state)


def up(
    tenant: str,
    path: Path,
    port: int = 0,
    timeout: float = 60.0,
    console_port: int = DEFAULT_CONSOLE_PORT,
    robot_delay: float = 0.0,
    robot_pace: float = 0.0,
) -> dict[str, Any]:
    """Start the server in the background (or return the one already running).

    Besides moto it serves the operator console and the machine API on 127.0.0.1
    (``console_port``, another free one when taken); ``robot_delay``/``robot_pace`` slow the
    local robot down (seconds before a started run, per queue call) so a run can be watched."""
    running = read_state(path)
    if running is not None:
        return running
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    log = open(path.with_suffix(".log"), "w")  # noqa: SIM115 - the child keeps it open
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dunning.local_server",
            "--tenant",
            tenant,
            "--port",
            str(port),
            "--state",
            str(path),
            "--console-port",
            str(console_port),
            "--robot-delay",
            str(robot_delay),
            "--robot-pace",
            str(robot_pace),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = read_state(path)
        if state is not None and state["pid"] == process.pid:
            return state
        if process.poll() is not None:
            raise LocalServerError(f"the local stack did not start; see {path.with_suffix('.log')}")
        time.sleep(0.1)
    process.terminate()
    raise LocalServerError(f"the local stack did not start within {timeout:.0f} s")


def down(path: Path, timeout: float = 10.0) -> bool:
    """Stop the server; False when none was running."""
    state = read_state(path)
    path.unlink(missing_ok=True)
    if state is None:
        return False
    pid = int(state["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _ended(pid):
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return True


def _ended(pid: int) -> bool:
    """Whether the server has exited. When this process started it (``up`` in the same process, as
    in tests), it must reap it: an unreaped child still answers signals, as a zombie."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return True
    except ChildProcessError:
        pass  # not our child: its own parent (or init) reaps it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def started_lines(state: dict[str, Any]) -> list[str]:
    """What ``dunning local up`` prints: where the console is and the local operator's login."""
    if "console_url" not in state:
        return []
    return [
        f"operator console: {state['console_url']}"
        f"  (user {state['console_user']}, password {state['console_password']})",
        f"machine API (plain HTTP, this machine only): {state['api_url']}",
    ]
