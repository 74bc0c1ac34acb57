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
import threading
from pathlib import Path
from typing import Any

from dunning.local_stack import BASE_ENV, REGION, LocalStack
from dunning.local_state import (
    DEFAULT_CONSOLE_PORT,
    DEFAULT_STATE,
    LocalServerError,
    down,
    read_state,
    started_lines,
    state_path,
    up,
)
from shared.aws import reset_clients
from shared.storage.models import ALL_MODELS
from shared.storage.repository import reset_repositories

__all__ = [
    "DEFAULT_CONSOLE_PORT",
    "DEFAULT_STATE",
    "LocalServerError",
    "ServerStack",
    "down",
    "read_state",
    "serve",
    "started_lines",
    "state_path",
    "up",
]


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
