"""What a failed SES or SNS send means: the one place errors of the providers are classified.

``refused``: the provider answered "no" (a 4xx other than throttling: MessageRejected,
InvalidParameter, …) — nothing was sent, the claim is released and SQS retries.
``not_sent``: the request never reached the provider (throttled, no connection could be
made) — nothing was sent, worth a short retry in place. ``ambiguous``: the request may
have left and been accepted (read timeout, connection closed, 5xx, anything unknown) —
never sent again blindly; the key is held as unconfirmed.

``not_sent`` for connection errors holds because the send clients make one attempt
(``shared.aws.send_client``): botocore never retries a send behind our back, so a
connection that could not be opened means this one request never left.
"""

from __future__ import annotations

import re
from typing import Literal

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

Verdict = Literal["refused", "not_sent", "ambiguous"]

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "KMSThrottlingException",
        "SlowDown",
    }
)


def classify(error: BaseException) -> Verdict:
    """How a send that raised ``error`` ended, as far as anyone can know."""
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in THROTTLING_CODES or status == 429:
            return "not_sent"
        if 400 <= status < 500:
            return "refused"
        return "ambiguous"  # 5xx, or no status: the provider may have accepted it
    # Raised only while opening the connection (ReadTimeoutError, ConnectionClosedError are not these).
    if isinstance(error, (ConnectTimeoutError, EndpointConnectionError)):
        return "not_sent"
    return "ambiguous"


_UNSAFE = re.compile(r"[^A-Za-z0-9 _.:()-]")


def clean_reason(error: BaseException) -> str:
    """A short reason without personal data: the error's type, and the provider's code and status.

    Provider messages can quote the recipient (an address, a phone number), so they are left out.
    """
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", "")) or "unknown"
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        text = f"{code} (HTTP {status})" if status else code
    else:
        text = type(error).__name__
    return _UNSAFE.sub("", text)[:120]
