"""The one Logger, Tracer and Metrics of every function (service name from POWERTOOLS_SERVICE_NAME).

Where Powertools would disable tracing anyway (outside Lambda, under SAM
local, or ``POWERTOOLS_TRACE_DISABLED``), the Tracer gets a provider that does
nothing, so the X-Ray SDK (a third of a handler's cold import) is not
imported for a tracer that never traces: the local stack, the simulator and
the tests. On Lambda the Tracer is Powertools' own, patching botocore only.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment


class _NoSegment(BaseSegment):
    """A subsegment that records nothing."""

    def close(self, end_time: int | None = None) -> None:
        return None

    def add_subsegment(self, subsegment: Any) -> None:
        return None

    def remove_subsegment(self, subsegment: Any) -> None:
        return None

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        return None


class _NoTracing(BaseProvider):
    """The provider of a disabled Tracer: no X-Ray SDK, no patching, nothing recorded."""

    @contextmanager
    def in_subsegment(self, name: Any = None, **kwargs: Any) -> Generator[BaseSegment, None, None]:
        yield _NoSegment()

    @asynccontextmanager
    async def in_subsegment_async(self, name: Any = None, **kwargs: Any) -> AsyncGenerator[BaseSegment, None]:
        yield _NoSegment()

    def put_annotation(self, key: str, value: Any) -> None:
        return None

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        return None

    def patch(self, modules: Any) -> None:
        return None

    def patch_all(self) -> None:
        return None


# What X-Ray traces: every AWS call goes through botocore (PynamoDB's too), and nothing else leaves the
# function. Powertools' default patches every library the X-Ray SDK knows (PynamoDB a second time,
# sqlite3, http.client, requests, …): imports and patching at each cold start, and each table call
# traced twice.
TRACED_MODULES = ("botocore",)


def _tracer() -> Tracer:
    if Tracer._is_tracer_disabled():
        return Tracer(disabled=True, provider=_NoTracing())
    return Tracer(patch_modules=TRACED_MODULES)


logger = Logger()
tracer = _tracer()
metrics = Metrics(namespace="Dunning")
