"""Classifying a failed SES/SNS send: refused (nothing sent), not sent (never left), or ambiguous."""

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from shared.send_errors import classify, clean_reason


def client_error(code: str, status: int | None, message: str = "refused") -> ClientError:
    response: dict = {"Error": {"Code": code, "Message": message}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return ClientError(response, "SendEmail")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("MessageRejected", 400),
        ("InvalidParameter", 400),
        ("InvalidParameterException", 400),
        ("MailFromDomainNotVerifiedException", 400),
        ("AccessDeniedException", 403),
        ("NotFoundException", 404),
        ("AuthorizationError", 403),
    ],
)
def test_a_provider_no_is_a_definite_refusal(code: str, status: int):
    assert classify(client_error(code, status)) == "refused"


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 400), ("Throttling", 400), ("TooManyRequestsException", 429), ("Anything", 429)],
)
def test_throttling_means_the_request_was_not_taken(code: str, status: int):
    assert classify(client_error(code, status)) == "not_sent"


def test_a_connection_that_could_not_be_opened_was_not_sent():
    assert classify(EndpointConnectionError(endpoint_url="https://email")) == "not_sent"
    assert classify(ConnectTimeoutError(endpoint_url="https://email")) == "not_sent"


@pytest.mark.parametrize(
    "error",
    [
        ReadTimeoutError(endpoint_url="https://email"),
        ConnectionClosedError(endpoint_url="https://email"),
        client_error("InternalFailure", 500),
        client_error("ServiceUnavailable", 503),
        client_error("Unknown", None),
        ConnectionResetError("reset by peer"),
        TimeoutError("timed out"),
        RuntimeError("anything else"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_anything_after_the_request_may_have_left_is_ambiguous(error: BaseException):
    assert classify(error) == "ambiguous"


def test_the_reason_names_the_code_and_status_but_never_the_providers_message():
    # Given an SES refusal whose message quotes the recipient
    error = client_error("MessageRejected", 400, "Email address is not verified: jens@example.dk")
    # Then the reason keeps the code and status only
    assert clean_reason(error) == "MessageRejected (HTTP 400)"
    assert clean_reason(ReadTimeoutError(endpoint_url="https://x")) == "ReadTimeoutError"
    assert clean_reason(RuntimeError("+4520123456 unreachable")) == "RuntimeError"
