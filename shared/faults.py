"""Which failures of an AWS call are worth retrying, and what a partial send reports.

Plain botocore classification, no clients: the services use it to back off and
retry a throttled, failed or timed-out call within an invocation's time, and to
give up at once on a refusal that a retry cannot change.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

# Error codes AWS documents as throttling or a failure on its side (retry with backoff).
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "KMS.ThrottlingException",
        "AWS.SimpleQueueService.RequestThrottled",
        "SlowDown",
    }
)

# Why DynamoDB cancelled a transaction, when trying again may succeed.
CANCELLED_TRANSIENT = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


def is_transient(error: BaseException) -> bool:
    """True for throttling, a 5xx answer, a timeout or a broken connection — also when PynamoDB
    wrapped it (``cause``); False for a refusal (validation, access, a failed condition)."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    if any(reason is not None and reason.code in CANCELLED_TRANSIENT for reason in reasons):
        return True
    cause = getattr(error, "cause", None)
    if isinstance(cause, BaseException) and cause is not error and is_transient(cause):
        return True
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return code in TRANSIENT_CODES or status >= 500
    if isinstance(error, (ConnectionError, HTTPClientError)):
        return True  # connect/read timeouts, connection closed or refused, endpoint unreachable
    if isinstance(error, BotoCoreError):
        return False
    return isinstance(error, (OSError, TimeoutError))  # builtin ConnectionError and socket timeouts


@dataclass(frozen=True)
class Refused:
    """One message a sink could not hand over, and whether trying again may help."""

    key: str  # the message's business key
    transient: bool
    reason: str


class SendFailed(RuntimeError):
    """Some messages were not accepted; every other message of the call was."""

    def __init__(self, refused: list[Refused]) -> None:
        self.refused = refused
        first = refused[0].reason if refused else ""
        super().__init__(f"{len(refused)} message(s) not accepted, e.g. {first}")
