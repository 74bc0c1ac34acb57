"""``dunning local up``: the tenant's stack on a moto server that keeps running in the background.

The server process (``python -m dunning.local_server``) starts moto's ThreadedMotoServer on
127.0.0.1, creates the tenant's tables and queues from ``template.yaml`` (the same way
:class:`~dunning.local_stack.LocalStack` does in-process), serves the operator console and the
machine API as plain HTTP on 127.0.0.1 (:mod:`dunning.local_web`; port 8780 unless taken) and
writes a small state file (mode 0600): the endpoint, its pid, the environment the functions
need, ``console_url``/``api_url`` and the local operator's generated login. CLI commands read that
file, point boto3/PynamoDB at the endpoint and call the API handler in-process
(:class:`ServerStack`); the data lives as long as the server does. ``dunning local down``
stops it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dunning.local_stack import BASE_ENV, REGION, LocalStack
from shared.aws import reset_clients
from shared.storage.models import ALL_MODELS
from shared.storage.repository import reset_repositories

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


def _reset_connections() -> None:
    """Forget every client and PynamoDB connection: they remember the endpoint they were made for
    (else a later in-process moto run would reach for this server)."""
    reset_clients()
    reset_repositories()
    for model in ALL_MODELS:
        model._connection = None


class ServerStack(LocalStack):
    """A :class:`LocalStack` attached to the running local server instead of an in-process moto."""

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__(state["tenant"], state["env"]["SENDER_EMAIL"])
        self.state = state

    def __enter__(self) -> ServerStack:
        self._set_env(BASE_ENV | dict(self.state["env"]) | {"AWS_ENDPOINT_URL": self.state["endpoint"]})
        _reset_connections()
        return self

    def __exit__(self, *exc: object) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _reset_connections()


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


def serve(
    tenant: str, port: int, path: Path, console_port: int = 0, robot_delay: float = 0.0, robot_pace: float = 0.0
) -> None:
    """The background process: moto server, the tenant's resources, the console and machine API,
    the state file; until SIGTERM."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    endpoint = f"http://{host}:{bound}"
    stack = LocalStack(tenant)
    stack._set_env(BASE_ENV | {"AWS_ENDPOINT_URL": endpoint})
    _reset_connections()
    stack._create_resources()
    import boto3

    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=stack.sender_email.split("@", 1)[1])
    from dunning.local_web import BackgroundRobot, LocalAuthenticator, local_console, pace_queue_sends, serve_http

    link_key = secrets.token_bytes(32)
    web, _ = serve_http(
        local_console(stack, robot := BackgroundRobot(stack, robot_delay), login := LocalAuthenticator(), link_key),
        robot,
        tenant,
        console_port,
    )
    console_url = f"http://127.0.0.1:{web.server_address[1]}"
    # The scheduler (here and in CLI processes) signs the console links in its e-mails.
    stack._set_env({"CONSOLE_URL": console_url, "CONSOLE_LINK_KEY": link_key.hex()})
    if robot_pace > 0:
        pace_queue_sends(robot_pace)
    state = {
        "pid": os.getpid(),
        "tenant": tenant,
        "endpoint": endpoint,
        "env": stack.env,
        "console_url": console_url,
        "api_url": f"{console_url}/api",
        "console_user": login.user,
        "console_password": login.password,
    }
    partial = path.with_suffix(".tmp")
    partial.touch(mode=0o600)  # it holds the local operator's password
    partial.chmod(0o600)
    partial.write_text(json.dumps(state, indent=2))
    partial.replace(path)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    web.shutdown()
    server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dunning.local_server")
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state", required=True)
    parser.add_argument("--console-port", type=int, default=DEFAULT_CONSOLE_PORT)
    parser.add_argument("--robot-delay", type=float, default=0.0)
    parser.add_argument("--robot-pace", type=float, default=0.0)
    args = parser.parse_args(argv)
    serve(args.tenant, args.port, Path(args.state), args.console_port, args.robot_delay, args.robot_pace)


if __name__ == "__main__":
    main()
