"""The consumers' DynamoDB requests per message, on the embedded AWS: the customer comes with the
message (``contact``), the settings from the container's cache, a fee or BS batch is one
transaction — and under faults and duplicates nothing is booked or sent twice."""

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError

from dunning.local_stack import FakeLambdaContext
from dunning.simulate import Simulation
from shared.messages import Contact
from shared.storage.models import BillingLineModel
from tests.integration.test_handlers import acme, event
from tests.integration.test_send_ledger import NOW, Crash, clock, deliver, emails_sent, ledger, recorded, sms_sent

__all__ = ["acme", "clock"]  # the fixtures

MONTH = NOW.strftime("%Y-%m")


@contextmanager
def dynamodb_requests() -> Iterator[Counter[str]]:
    """Count the DynamoDB requests every client of the process makes, by operation."""
    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if self._service_model.service_name == "dynamodb":
            counts[operation] += 1
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def contact_of(sim: Simulation, customer_id: str = "C1") -> dict[str, Any]:
    customer = sim.repo.get_customer(customer_id)
    assert customer is not None
    return Contact(**customer.as_data()).model_dump(mode="json")


def records(sim: Simulation, action: str, count: int, *, contact: bool = True, first: int = 0) -> list[dict]:
    """``count`` messages of ``action`` for C1 under distinct business keys (the sample's, numbered)."""
    sample = event(action)["Records"][0]
    made = []
    for number in range(first, first + count):
        record = deepcopy(sample)
        body = json.loads(record["body"])
        body["idempotency_key"] = f"{body['idempotency_key']}-{number:03d}"
        if contact:
            body["contact"] = contact_of(sim)
        record["body"] = json.dumps(body)
        record["messageId"] = f"{action}-{number:03d}"
        made.append(record)
    return made


def billing_lines() -> int:
    return sum(1 for _ in BillingLineModel.scan(BillingLineModel.sk.startswith("BILLING#")))


def warm(sim: Simulation, action: str) -> None:
    """One message first: the container has read the settings and the template version (once each;
    a version is cached once used, as every version a message names is: a run used it)."""
    sim.repo.mark_template_used("standard_v1")
    assert deliver(sim, action, records(sim, action, 1, first=900)) == {"batchItemFailures": []}


# ------------------------------------------------------------------ requests per message


@pytest.mark.parametrize("action", ["fee", "bs"])
def test_a_fee_or_bs_batch_with_contacts_is_one_transaction(acme, clock, action):
    # Given a warm container
    warm(acme, action)
    # When a batch of ten messages that carry their contact arrives
    batch = records(acme, action, 10)
    with dynamodb_requests() as requests:
        assert deliver(acme, action, batch) == {"batchItemFailures": []}
    # Then the whole batch is one DynamoDB request: no customer read, no settings read
    assert requests == {"TransactWriteItems": 1}
    # And every message is booked once, with its usage
    assert len(recorded(acme, action)) == 11
    if action == "fee":
        assert billing_lines() == 11
        assert acme.repo.usage(MONTH)["fees"] == 11
    else:
        assert len(acme.repo.undelivered_bs_records(NOW.date())) == 11
        assert acme.repo.usage(MONTH)["bs"] == 11


@pytest.mark.parametrize("action", ["email", "sms"])
def test_an_email_or_sms_batch_with_contacts_is_a_claim_each_and_one_sent_transaction(acme, clock, action):
    warm(acme, action)
    batch = records(acme, action, 5)
    with dynamodb_requests() as requests:
        assert deliver(acme, action, batch) == {"batchItemFailures": []}
    # A claim before each send, and one "sent" transaction (entries, effects, usage) for the batch
    assert requests == {"UpdateItem": 5, "TransactWriteItems": 1}
    assert (emails_sent() if action == "email" else sms_sent()) == 6
    assert acme.repo.usage(MONTH)[action] == 6
    assert len(recorded(acme, action)) == 6
    assert {ledger(acme).get(json.loads(r["body"])["idempotency_key"]).state for r in batch} == {"sent"}


@pytest.mark.parametrize("fault", ["before", "after"])
def test_sends_whose_joint_record_fails_are_recorded_each_and_sent_once(acme, clock, fault):
    # Given the batch's "sent" transaction fails: before it took effect, or after (its answer lost)
    warm(acme, "email")
    batch = records(acme, "email", 4)
    error = _internal_error()
    with fault_on_first_transaction(error, after=fault == "after"):
        response = deliver(acme, "email", batch)
    # Then each send is recorded on its own: sent once, one effect each, usage exact
    assert response == {"batchItemFailures": []}
    assert {ledger(acme).get(json.loads(r["body"])["idempotency_key"]).state for r in batch} == {"sent"}
    # And SQS delivering the batch again sends nothing more
    assert deliver(acme, "email", batch) == {"batchItemFailures": []}
    assert emails_sent() == 5
    assert len(recorded(acme, "email")) == 5
    assert acme.repo.usage(MONTH)["email"] == 5


def test_an_invocation_that_dies_before_recording_its_sends_sends_nothing_more_on_redelivery(acme, clock):
    warm(acme, "sms")
    batch = records(acme, "sms", 3)
    # When the invocation dies when it records the batch's sends (after the three went out)
    with pytest.raises(Crash), fault_on_first_transaction(Crash(), after=False):
        acme.stack.handler("sms")({"Records": batch}, FakeLambdaContext("sms"))
    assert sms_sent() == 4
    # Then the redelivered batch finds them claimed and sends none again: each waits for its
    # delivery status or an operator (the chaos harness counts them as unconfirmed, not lost)
    assert deliver(acme, "sms", batch) == {"batchItemFailures": []}
    assert sms_sent() == 4
    states = {ledger(acme).get(json.loads(r["body"])["idempotency_key"]).state for r in batch}
    assert states == {"unconfirmed"}


def test_a_message_queued_without_its_contact_reads_the_customer(acme, clock):
    warm(acme, "fee")
    batch = records(acme, "fee", 2, contact=False)
    with dynamodb_requests() as requests:
        assert deliver(acme, "fee", batch) == {"batchItemFailures": []}
    assert requests == {"GetItem": 2, "TransactWriteItems": 1}  # the customer, per message; one booking
    assert billing_lines() == 3


# ------------------------------------------------------------------ duplicates


def test_a_duplicate_delivery_inside_one_batch_is_booked_once(acme, clock):
    # Given a batch that holds one fee message twice (two SQS records) and another
    warm(acme, "fee")
    batch = records(acme, "fee", 2)
    twin = {**deepcopy(batch[0]), "messageId": "twin"}
    # When it is delivered
    with dynamodb_requests() as requests:
        response = deliver(acme, "fee", [batch[0], twin, batch[1]])
    # Then no record failed, one transaction booked two fees, once each
    assert response == {"batchItemFailures": []}
    assert requests["TransactWriteItems"] == 1
    assert billing_lines() == 3  # with the warming one
    assert acme.repo.usage(MONTH)["fees"] == 3


def test_an_email_twice_in_one_batch_is_sent_once_and_recorded_sent(acme, clock):
    # Given a batch that holds one e-mail twice between two others
    warm(acme, "email")
    batch = records(acme, "email", 3)
    twin = {**deepcopy(batch[1]), "messageId": "twin"}
    # When it is delivered
    assert deliver(acme, "email", [batch[0], batch[1], twin, batch[2]]) == {"batchItemFailures": []}
    # Then the twin found its send recorded (the waiting record was written before its claim):
    # three e-mails, each sent once and recorded "sent", none held as unconfirmed
    assert emails_sent() == 4
    entries = [ledger(acme).get(json.loads(r["body"])["idempotency_key"]) for r in batch]
    assert [(entry.state, entry.attempts) for entry in entries] == [("sent", 1)] * 3
    assert acme.repo.usage(MONTH)["email"] == 4


def test_a_batch_with_a_message_booked_before_books_only_the_rest(acme, clock):
    # Given one fee booked by an earlier delivery
    warm(acme, "fee")
    batch = records(acme, "fee", 4)
    assert deliver(acme, "fee", batch[:1]) == {"batchItemFailures": []}
    # When the batch brings it again with three new ones
    with dynamodb_requests() as requests:
        response = deliver(acme, "fee", batch)
    # Then the transaction is cancelled for that one, and the rest are booked in a second one
    assert response == {"batchItemFailures": []}
    assert requests == {"TransactWriteItems": 2}
    assert billing_lines() == 5  # with the warming one
    assert acme.repo.usage(MONTH)["fees"] == 5
    assert len(recorded(acme, "fee")) == 5


def test_a_bad_message_in_a_batch_fails_alone_and_the_rest_is_booked_together(acme, clock):
    warm(acme, "bs")
    batch = records(acme, "bs", 3)
    body = json.loads(batch[1]["body"])
    body["tenant"] = "other"  # refused for good
    batch[1]["body"] = json.dumps(body)
    with dynamodb_requests() as requests:
        response = deliver(acme, "bs", batch)
    assert response == {"batchItemFailures": [{"itemIdentifier": "bs-001"}]}
    assert requests == {"TransactWriteItems": 1}
    assert sorted(r.key[-3:] for r in acme.repo.undelivered_bs_records(NOW.date())) == ["000", "002", "900"]


# ------------------------------------------------------------------ faults after the batch took effect


@contextmanager
def fault_on_first_transaction(error: BaseException, *, after: bool = True) -> Iterator[None]:
    """The first TransactWriteItems raises ``error``: after it took effect (its answer lost), or before."""
    original = botocore.client.BaseClient._make_api_call
    struck: list[bool] = []

    def lossy(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation != "TransactWriteItems" or struck:
            return original(self, operation, params)
        struck.append(True)
        if after:
            original(self, operation, params)
        raise error

    botocore.client.BaseClient._make_api_call = lossy  # type: ignore[method-assign]
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
    assert struck, "the fault was never injected"


def _internal_error() -> ClientError:
    return ClientError({"Error": {"Code": "InternalServerError", "Message": "lost"}}, "TransactWriteItems")


@pytest.mark.parametrize("action", ["fee", "bs"])
def test_a_fault_after_the_batch_transaction_took_effect_books_nothing_twice(acme, clock, action):
    batch = records(acme, action, 5)
    # When the batch's transaction is written but its answer is lost
    with fault_on_first_transaction(_internal_error()):
        response = deliver(acme, action, batch)
    # Then each message, booked on its own, finds its booking: nothing failed, nothing doubled
    assert response == {"batchItemFailures": []}
    # And SQS delivering the batch again changes nothing
    assert deliver(acme, action, batch) == {"batchItemFailures": []}
    assert len(recorded(acme, action)) == 5
    if action == "fee":
        assert billing_lines() == 5
        assert acme.repo.usage(MONTH)["fees"] == 5
    else:
        assert len(acme.repo.undelivered_bs_records(NOW.date())) == 5
        assert acme.repo.usage(MONTH)["bs"] == 5


def test_an_invocation_that_dies_after_the_batch_transaction_books_nothing_twice_on_redelivery(acme, clock):
    warm(acme, "fee")
    batch = records(acme, "fee", 5)
    # When the invocation dies right after its batch transaction took effect
    with pytest.raises(Crash), fault_on_first_transaction(Crash()):
        acme.stack.handler("fee")({"Records": batch}, FakeLambdaContext("fee"))
    assert billing_lines() == 6  # with the warming one
    # Then the redelivered batch is found booked: one cancelled transaction, nothing written, no failure
    with dynamodb_requests() as requests:
        assert deliver(acme, "fee", batch) == {"batchItemFailures": []}
    assert requests == {"TransactWriteItems": 1}
    assert billing_lines() == 6
    assert acme.repo.usage(MONTH)["fees"] == 6
    assert len(recorded(acme, "fee")) == 6
