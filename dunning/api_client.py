"""Clients of the operator API: a deployed stack over HTTPS (SigV4), the local stack over HTTP when
``dunning local up`` serves it (its state names an ``api_url``), else the local stack in-process."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from dunning.local_state import LocalServerError, read_state, state_path


class ApiUnreachable(RuntimeError):
    """The API did not answer (no network, wrong URL, the local server gone)."""


class Api(Protocol):
    def request(
        self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None
    ) -> tuple[int, Any]: ...


def path_of(*parts: str) -> str:
    """``path_of("templates", name)`` -> ``/templates/<name, escaped>``"""
    return "/" + "/".join(quote(part, safe="") for part in parts)


class HttpApi:
    """A deployed stack's API (its ``OperatorApiUrl`` output), every request signed with SigV4;
    the local stack's (``sign=False``) as it is."""

    def __init__(self, base_url: str, region: str | None = None, timeout: float = 30.0, sign: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.sign = sign
        found = re.search(r"execute-api\.([a-z0-9-]+)\.", self.base_url)
        self.region = region or (found.group(1) if found else os.environ.get("AWS_DEFAULT_REGION", "eu-north-1"))
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> tuple[int, Any]:
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        if self.sign:
            headers = self._signed(method, url, data, headers)
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            try:
                return error.code, json.loads(text)
            except json.JSONDecodeError:
                return error.code, {"error": "http", "reason": text or str(error.reason)}
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ApiUnreachable(f"the API at {self.base_url} does not answer ({reason})") from None

    def _signed(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> dict[str, str]:
        import botocore.session
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        credentials = botocore.session.get_session().get_credentials()
        if credentials is None:
            raise ApiUnreachable("no AWS credentials found for signing the request")
        signed = AWSRequest(method=method, url=url, data=data, headers=headers)
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", self.region).add_auth(signed)
        return dict(signed.headers.items())


@contextmanager
def connect(api_url: str | None, local_state: str | None = None) -> Iterator[Api]:
    """The API to talk to: ``api_url`` when given, else the running local stack (``dunning local up``):
    over HTTP when it serves the API, else its handler in-process against its moto server."""
    if api_url:
        yield HttpApi(api_url)
        return
    path = state_path(local_state)
    state = read_state(path)
    if state is None:
        raise LocalServerError(f"no local stack is running ({path}); start one with `dunning local up`")
    if state.get("api_url"):
        yield HttpApi(str(state["api_url"]), sign=False, timeout=600.0)  # a local run runs before it answers
        return
    from dunning.local_api import LocalApi
    from dunning.local_server import ServerStack

    with ServerStack(state) as stack:
        yield LocalApi(stack)
