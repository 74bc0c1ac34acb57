"""``dunning operators sign-out USER``: end an operator's console sessions on every device at once."""

from __future__ import annotations

import argparse
from typing import Any

from dunning.api_client import Api, path_of
from dunning.commands.common import add_leaf, call, resource, say


def register(commands: Any) -> None:
    actions = resource(commands, "operators", "the console's operators: end their sessions")
    sign_out = add_leaf(
        actions,
        "sign-out",
        "end every console session of an operator now (someone left, a laptop was lost); their next page asks "
        "them to log in. Remove or disable the Cognito user too, or they can log in again",
        _sign_out,
    )
    sign_out.add_argument("user", help="the operator's user name (their e-mail address)")


def _sign_out(args: argparse.Namespace, api: Api) -> int:
    answer = call(api, "POST", path_of("operators", args.user, "sign-out"))
    return say(args, answer, f"{answer['user']}: every console session ended at {answer['sessions_ended_at']}")
