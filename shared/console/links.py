"""Signed, expiring links to console pages, for the e-mails the scheduler sends (pause, abort,
approval, status report). The link still needs a login; the signature only proves the console
made it and keeps it from being edited or used after it expires."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import ClassVar
from urllib.parse import quote

from shared.config import _EnvModel
from shared.console.security import sign_link


class LinkConfig(_EnvModel):
    console_url: str
    link_key: str | None = None  # hex, the local stack
    link_secret_arn: str | None = None  # Secrets Manager, in AWS

    ENV_NAMES: ClassVar[Mapping[str, str]] = {
        "link_key": "CONSOLE_LINK_KEY",
        "link_secret_arn": "CONSOLE_LINK_SECRET_ARN",
    }

    @classmethod
    def configured(cls, env: Mapping[str, str] | None = None) -> LinkConfig | None:
        """None when the stack has no console (then the e-mails keep their CLI commands)."""
        env = os.environ if env is None else env
        return cls.from_env(env) if env.get("CONSOLE_URL") else None


@cache
def _secret_key(arn: str) -> bytes:
    from shared.aws import client

    return client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"].encode("utf-8")


def link_key(config: LinkConfig) -> bytes:
    if config.link_key:
        return bytes.fromhex(config.link_key)
    if config.link_secret_arn:
        return _secret_key(config.link_secret_arn)
    raise ValueError("CONSOLE_LINK_KEY or CONSOLE_LINK_SECRET_ARN must be set with CONSOLE_URL")


def console_link(target: str, now: datetime, config: LinkConfig | None = None) -> str | None:
    """``https://…/link?to=<target>&exp=…&sig=…``, or None when the stack has no console."""
    config = config or LinkConfig.configured()
    if config is None:
        return None
    return f"{config.console_url.rstrip('/')}/link?{sign_link(link_key(config), target, int(now.timestamp()))}"


def run_page(run_id: str) -> str:
    return f"/runs/{quote(run_id, safe='')}"
