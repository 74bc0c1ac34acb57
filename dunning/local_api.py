"""The operator API on a local stack: its handler called in-process with API Gateway events,
and the scheduler function in-process behind it (a started run runs, and its messages are
delivered to the consumers, before the call returns)."""

from __future__ import annotations

from typing import Any

from dunning.api_events import api_event, response_json
from dunning.local_stack import FakeLambdaContext, LocalStack


class LocalScheduler:
    """The scheduler function of a local stack, run in-process (moto cannot invoke Lambda without Docker)."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.events: list[dict[str, Any]] = []

    def start(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self.stack.run_scheduler(event)
        self.stack.drain()

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        result = dict(self.stack.handler("scheduler")(event, FakeLambdaContext("scheduler")))
        self.stack.drain()
        return result


class LocalApi:
    """``request(method, path, body, query) -> (status, json)`` against the handler in-process."""

    def __init__(self, stack: LocalStack, request_time_ms: int | None = None) -> None:
        self.stack = stack
        self.scheduler = LocalScheduler(stack)
        self.request_time_ms = request_time_ms

    def request(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> tuple[int, Any]:
        from functions.api.app import handler

        event = api_event(method, path, body, query, request_time_ms=self.request_time_ms)
        response = handler(event, FakeLambdaContext(f"{self.stack.tenant}-api"), scheduler=self.scheduler)
        return int(response["statusCode"]), response_json(response)
