"""The local stack's web door: the operator console and the machine API as plain HTTP on 127.0.0.1.

Runs inside ``dunning local up``'s background process, next to moto. The console is the same
code as in AWS (:func:`shared.console.app.handle`): the same sessions and CSRF tokens, only the
login checks a password printed at start instead of Cognito. The machine API under ``/api/``
is the API function called in-process with a REST proxy event; like the rest of the local
stack it trusts whoever reaches 127.0.0.1 (in AWS it is IAM-authorised). Runs started from
either go to a background "robot" thread, so the console shows them waiting, running, done.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from dunning.api_events import api_event
from dunning.local_stack import FakeLambdaContext, LocalStack
from shared.console.app import Console, LoginResult, handle, warm_templates
from shared.console.http import Request, Response, parse_form

LOCAL_USER = "operator"


class LocalAuthenticator:
    """One local operator whose password is generated at start and printed."""

    def __init__(self, user: str = LOCAL_USER, password: str | None = None) -> None:
        self.user = user
        self.password = password or secrets.token_urlsafe(12)

    def login(self, user: str, password: str) -> LoginResult:
        if hmac.compare_digest(user, self.user) and hmac.compare_digest(password, self.password):
            return LoginResult(user=self.user, name=self.user)
        return LoginResult()

    def new_password(self, user: str, challenge: str, password: str) -> LoginResult:
        return LoginResult()  # the local operator never has to choose one

    def mfa_code(self, user: str, challenge: str, code: str, secret: str | None) -> LoginResult:
        return LoginResult()  # nor set up an authenticator app: the local stack is one machine's


class BackgroundRobot:
    """The scheduler function of the local stack: a started run runs in a thread after ``delay`` seconds
    (as a Lambda invoked asynchronously would), a decision runs at once; one at a time, then the queues
    are drained to the consumers."""

    def __init__(self, stack: LocalStack, delay: float = 0.0) -> None:
        self.stack = stack
        self.delay = delay
        self._lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def start(self, event: dict[str, Any]) -> None:
        thread = threading.Thread(target=self._run, args=(event,), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _run(self, event: dict[str, Any]) -> None:
        time.sleep(self.delay)
        with self._lock:
            try:
                self.stack.run_scheduler(event)
            except Exception as error:  # the run record says why; the background thread must not die loudly
                print(f"local robot: the run stopped: {type(error).__name__}", flush=True)
            self.stack.drain()

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            result = dict(self.stack.handler("scheduler")(event, FakeLambdaContext("scheduler")))
            self.stack.drain()
        return result


def pace_queue_sends(seconds: float) -> None:
    """Slow every SQS send by ``seconds`` (local only): a run then stays "running" long enough to be seen."""
    import boto3

    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-call.sqs.*", lambda **_: time.sleep(seconds))


def serve_http(
    console: Console, robot: BackgroundRobot, tenant: str, port: int
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start the console and the machine API on 127.0.0.1:``port`` (0: any free port) in a thread."""
    handler = _handler_class(console, robot, tenant)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def machine_api(
    robot: BackgroundRobot, tenant: str, method: str, path: str, body: str | None, query: dict[str, str]
) -> tuple[int, dict[str, str], str]:
    """The API function in-process for one request; returns (status, headers, body)."""
    from functions.api.app import handler

    event = api_event(method, path, None, query or None, raw_body=body)
    response = handler(event, FakeLambdaContext(f"{tenant}-api"), scheduler=robot)
    return int(response["statusCode"]), dict(response.get("headers") or {}), str(response.get("body") or "")


def _refused(headers: Any, method: str, path: str) -> tuple[int, str] | None:
    """Why a request to the local door is refused: another host name (a DNS-rebinding page), or an API
    change without a JSON body (a cross-site form or ``text/plain`` POST cannot send one without a
    CORS preflight, which this server never answers)."""
    host = str(headers.get("Host") or "").rsplit(":", 1)[0]
    if host not in ("127.0.0.1", "localhost"):
        return 421, "this local server answers on 127.0.0.1 only"
    is_api = path == "/api" or path.startswith("/api/")
    content_type = str(headers.get("Content-Type") or "")
    if is_api and method != "GET" and not content_type.startswith("application/json"):
        return 415, "the machine API takes application/json"
    return None


def _handler_class(console: Console, robot: BackgroundRobot, tenant: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "dunning-local"

        def log_message(self, format: str, *args: Any) -> None:
            return  # no request log: paths name customers and invoices

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PATCH(self) -> None:
            self._dispatch("PATCH")

        def do_PUT(self) -> None:
            self._dispatch("PUT")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

        def _dispatch(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            if (problem := _refused(self.headers, method, parts.path)) is not None:
                self._send(Response(status=problem[0], body=problem[1], headers={"Content-Type": "text/plain"}))
                return
            if parts.path == "/api" or parts.path.startswith("/api/"):
                status, headers, text = machine_api(robot, tenant, method, parts.path[4:] or "/", body or None, query)
                self._send(Response(status=status, body=text, headers=headers))
                return
            request = Request(
                method=method,
                path=parts.path,
                query=query,
                form=parse_form(body) if method == "POST" else {},
                headers={name.lower(): value for name, value in self.headers.items()},
            )
            try:
                response = handle(console, request)
            except Exception as error:  # a bug must answer 500, not drop the connection
                # Where, not what: the message may quote the request (its cookie, a customer's data).
                frame = traceback.extract_tb(error.__traceback__)[-1]
                print(
                    f"console: {method} failed: {type(error).__name__} at {frame.filename}:{frame.lineno}", flush=True
                )
                response = Response(status=500, body="500", headers={"Content-Type": "text/plain"})
            self._send(response)

        def _send(self, response: Response) -> None:
            payload = response.bytes
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            for cookie in response.cookies:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

    return Handler


def local_console(
    stack: LocalStack,
    robot: BackgroundRobot,
    authenticator: LocalAuthenticator,
    link_key: bytes,
    clock: Callable[[], datetime] | None = None,
) -> Console:
    """The console of a local stack: its table, the background robot, the printed login."""
    from shared.storage.repository import repository_for

    table = stack.env["TABLE_NAME"]
    console = Console(
        tenant=stack.tenant,
        repo=lambda: repository_for(table),
        scheduler=robot,
        authenticator=authenticator,
        session_key=secrets.token_bytes(32),
        link_key=link_key,
        secure_cookies=True,
    )
    if clock is not None:
        console.clock = clock
    warm_templates()
    return console
