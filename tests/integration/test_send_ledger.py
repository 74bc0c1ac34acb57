"""The send ledger on the embedded AWS: e-mail and SMS go out once under failures at every point,
counted by what moto's SES and SNS actually received."""

import base64
import gzip
import json
from collections.abc import Callable, Iterator
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

import shared.consumer
import shared.services.delivery
from dunning.local_api import LocalApi
from dunning.local_stack import REGION, FakeLambdaContext
from dunning.simulate import Simulation
from shared.aws import SesMailer, SnsSms
from shared.messages import ActionMessage
from shared.services.sends import UNCONFIRMED_AFTER
from shared.storage.ledger import SendLedger, send_id
from tests.integration.test_handlers import acme, event

__all__ = ["acme"]  # the fixture, shared with test_handlers

NOW = datetime(2026, 1, 29, 6, 0, tzinfo=UTC)


class Crash(BaseException):
    """The invocation dies (a timeout, out of memory): nothing after it runs, no ``except Exception``."""


def emails_sent() -> int:
    return len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def sms_sent() -> int:
    return len(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """The consumers' clock, settable: ``clock[0] = …``."""
    now = [NOW]
    monkeypatch.setattr(shared.consumer, "wall_clock", lambda: now[0])
    monkeypatch.setattr("functions.delivery_events.app.wall_clock", lambda: now[0])
    monkeypatch.setattr(shared.services.delivery.time, "sleep", lambda _: None)  # no backoff waits in tests
    monkeypatch.setattr("shared.storage.ledger.time.sleep", lambda _: None)
    yield now


def deliver(sim: Simulation, action: str, records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Hand the sample event (or ``records``) to the consumer once; an all-failed batch is reported as such."""
    batch = {"Records": records if records is not None else event(action)["Records"]}
    try:
        return dict(sim.stack.handler(action)(batch, FakeLambdaContext(action)))
    except Exception:  # Powertools raises when every record failed
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in batch["Records"]]}


def message_of(action: str) -> ActionMessage:
    return ActionMessage.model_validate_json(event(action)["Records"][0]["body"])


def ledger(sim: Simulation, now: datetime = NOW) -> SendLedger:
    return SendLedger(sim.repo, timedelta(seconds=720), lambda: now)


def recorded(sim: Simulation, kind: str) -> list[dict[str, Any]]:
    return [e for e in sim.repo.effects_on(NOW.date()) if e["kind"] == kind]


def patch_send(monkeypatch: pytest.MonkeyPatch, cls: type, before: Callable[[], None] | None, after: Any) -> None:
    """Wrap the provider call: ``before`` runs first (may raise); ``after`` is raised once it was sent."""
    real = cls.send

    def send(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if before is not None:
            before()
        result = real(self, *args, **kwargs)
        if after is not None:
            raise after
        return result

    monkeypatch.setattr(cls, "send", send)


# ------------------------------------------------------------------ failures after the provider accepted


def test_the_sent_transaction_failing_after_ses_accepted_sends_nothing_more(acme, clock, monkeypatch):
    # Given recording "sent" fails every time during the first delivery (the e-mail itself goes out)
    with monkeypatch.context() as broken:
        broken.setattr(SendLedger, "record_sent", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("db down")))
        first = deliver(acme, "email")
    assert emails_sent() == 1
    # Then the message is finished rather than retried (a retry could not know it was sent)
    assert first == {"batchItemFailures": []}
    # When SQS delivers it again anyway, twice
    deliver(acme, "email")
    deliver(acme, "email")
    # Then SES received it once, and the key waits for SES's event or an operator
    assert emails_sent() == 1
    entry = ledger(acme).get(message_of("email").idempotency_key)
    assert entry is not None and entry.state == "unconfirmed"


def test_a_crash_right_after_ses_accepted_sends_nothing_more_on_redelivery(acme, clock, monkeypatch):
    # Given the invocation dies the moment SES accepted the e-mail
    with monkeypatch.context() as crashing:
        patch_send(crashing, SesMailer, None, Crash("killed"))
        with pytest.raises(Crash):
            deliver(acme, "email")
    assert emails_sent() == 1
    # When SQS redelivers after its visibility timeout (the claim's lease is longer)
    clock[0] = NOW + timedelta(seconds=361)
    response = deliver(acme, "email")
    # Then nothing more was sent and the message is finished; the send is held as unconfirmed
    assert response == {"batchItemFailures": []}
    assert emails_sent() == 1
    assert ledger(acme).get(message_of("email").idempotency_key).state == "unconfirmed"  # type: ignore[union-attr]


def test_an_ambiguous_error_after_sns_accepted_holds_the_sms_unconfirmed(acme, clock, monkeypatch):
    # Given SNS accepts the SMS but the answer is lost (a read timeout)
    with monkeypatch.context() as lossy:
        patch_send(lossy, SnsSms, None, ReadTimeoutError(endpoint_url="https://sns"))
        first = deliver(acme, "sms")
    # Then the message is finished, SNS has it once, and the key is unconfirmed with a clean reason
    assert first == {"batchItemFailures": []}
    assert sms_sent() == 1
    entry = ledger(acme).get(message_of("sms").idempotency_key)
    assert entry is not None and entry.state == "unconfirmed" and entry.reason == "ReadTimeoutError"
    # When the message comes again
    deliver(acme, "sms")
    # Then nothing is sent and nothing is recorded as an effect
    assert sms_sent() == 1
    assert recorded(acme, "sms") == []


def test_a_claim_write_that_took_effect_but_raised_is_recognised_as_its_own(acme, clock, monkeypatch):
    from shared.storage.models import SendLedgerModel

    # Given the claim's write reaches DynamoDB, then the caller sees a timeout (once)
    real_update = SendLedgerModel.update
    failed = {"left": 1}

    def update(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_update(self, *args, **kwargs)
        if failed["left"]:
            failed["left"] -= 1
            raise ReadTimeoutError(endpoint_url="https://dynamodb")
        return result

    monkeypatch.setattr(SendLedgerModel, "update", update)
    # When the e-mail is delivered
    assert deliver(acme, "email") == {"batchItemFailures": []}
    # Then the retried claim saw its own token: one e-mail, recorded as sent
    assert emails_sent() == 1
    assert ledger(acme).get(message_of("email").idempotency_key).state == "sent"  # type: ignore[union-attr]
    assert len(recorded(acme, "email")) == 1


def test_the_sent_transaction_that_took_effect_but_raised_is_not_recorded_twice(acme, clock, monkeypatch):
    from pynamodb.connection.base import Connection

    # Given DynamoDB applies the first transaction and the answer is lost
    real = Connection.transact_write_items
    failed = {"left": 1}

    def transact(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(self, *args, **kwargs)
        if failed["left"]:
            failed["left"] -= 1
            raise ReadTimeoutError(endpoint_url="https://dynamodb")
        return result

    monkeypatch.setattr(Connection, "transact_write_items", transact)
    # When the e-mail is delivered, and delivered again
    assert deliver(acme, "email") == {"batchItemFailures": []}
    deliver(acme, "email")
    # Then one e-mail, one effect, and the month's usage counted once
    assert emails_sent() == 1
    assert len(recorded(acme, "email")) == 1
    assert acme.repo.usage("2026-01")["email"] == 1


# ------------------------------------------------------------------ definite refusals, leases, duplicates


def test_a_definite_refusal_releases_the_claim_and_the_next_delivery_sends_once(acme, clock, monkeypatch):
    rejected = ClientError(
        {"Error": {"Code": "MessageRejected", "Message": "nope"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        "SendEmail",
    )

    def refuse() -> None:
        raise rejected

    # Given SES refuses the first try outright
    with monkeypatch.context() as refusing:
        patch_send(refusing, SesMailer, refuse, None)
        first = deliver(acme, "email")
    # Then the record failed (SQS retries it), nothing was sent, the claim is released
    assert len(first["batchItemFailures"]) == 1
    assert emails_sent() == 0
    entry = ledger(acme).get(message_of("email").idempotency_key)
    assert entry is not None and entry.state == "released" and entry.reason == "MessageRejected (HTTP 400)"
    # When SQS delivers it again
    assert deliver(acme, "email") == {"batchItemFailures": []}
    deliver(acme, "email")
    # Then it went out exactly once
    assert emails_sent() == 1
    assert len(recorded(acme, "email")) == 1


def test_no_connection_is_retried_in_place_and_sends_once(acme, clock, monkeypatch):
    tries = {"left": 2}

    def unreachable() -> None:
        if tries["left"]:
            tries["left"] -= 1
            raise EndpointConnectionError(endpoint_url="https://email")

    # Given SES cannot be reached twice (the request never left)
    patch_send(monkeypatch, SesMailer, unreachable, None)
    # When the e-mail is delivered
    assert deliver(acme, "email") == {"batchItemFailures": []}
    # Then the third try in the same invocation sent it, once
    assert emails_sent() == 1
    assert ledger(acme).get(message_of("email").idempotency_key).state == "sent"  # type: ignore[union-attr]


def test_an_expired_lease_can_be_claimed_again(acme, clock, monkeypatch):
    # Given an invocation that claimed the key and died before SES was called
    with monkeypatch.context() as dying:
        patch_send(dying, SesMailer, lambda: (_ for _ in ()).throw(Crash("killed")), None)
        with pytest.raises(Crash):
            deliver(acme, "email")
    assert emails_sent() == 0
    entry = ledger(acme).get(message_of("email").idempotency_key)
    assert entry is not None and entry.state == "claimed"
    # When the message comes back after the lease ran out (2 x the 360 s visibility timeout)
    clock[0] = NOW + timedelta(seconds=721)
    assert deliver(acme, "email") == {"batchItemFailures": []}
    # Then it is claimed again and sent once
    assert emails_sent() == 1
    assert ledger(acme).get(message_of("email").idempotency_key).state == "sent"  # type: ignore[union-attr]


def test_the_same_message_twice_in_one_batch_and_in_two_batches_sends_once(acme, clock):
    record = event("email")["Records"][0]
    twin = {**deepcopy(record), "messageId": "twin"}
    # When one batch holds the message twice
    assert deliver(acme, "email", [record, twin]) == {"batchItemFailures": []}
    # And two more batches bring it again
    deliver(acme, "email", [twin])
    deliver(acme, "email", [record])
    # Then SES received one e-mail, and one effect is recorded
    assert emails_sent() == 1
    assert len(recorded(acme, "email")) == 1
    assert acme.repo.usage("2026-01")["email"] == 1


def test_an_sms_sent_twice_in_two_batches_goes_out_once(acme, clock):
    deliver(acme, "sms")
    deliver(acme, "sms")
    assert sms_sent() == 1
    assert len(recorded(acme, "sms")) == 1


# ------------------------------------------------------------------ resolution


def _unconfirmed_email(sim: Simulation, monkeypatch: pytest.MonkeyPatch) -> str:
    """An e-mail SES accepted whose answer was lost: the key is unconfirmed. Returns the SES message id."""
    with monkeypatch.context() as lossy:
        patch_send(lossy, SesMailer, None, ReadTimeoutError(endpoint_url="https://email"))
        deliver(sim, "email")
    assert emails_sent() == 1
    return str(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages[-1].id)


def ses_event(event_type: str, message_id: str, sid: str) -> dict[str, Any]:
    """An SES event as EventBridge delivers it from the configuration set."""
    detail_type = {"Send": "Email Sent", "Reject": "Email Rejected", "Delivery": "Email Delivered"}[event_type]
    return {
        "source": "aws.ses",
        "detail-type": detail_type,
        "detail": {
            "eventType": event_type,
            "mail": {
                "messageId": message_id,
                "tags": {"ses:configuration-set": ["acme-dunning-sends"], "send_id": [sid]},
            },
        },
    }


def test_an_unconfirmed_email_is_resolved_by_the_ses_send_event(acme, clock, monkeypatch):
    # Given an unconfirmed e-mail
    message_id = _unconfirmed_email(acme, monkeypatch)
    key = message_of("email").idempotency_key
    assert recorded(acme, "email") == []
    # When SES's "Send" event for its tag arrives (and arrives again: events are at least once)
    handler = acme.stack.handler("delivery_events")
    assert handler(ses_event("Send", message_id, send_id(key)), FakeLambdaContext("events")) == {"sent": 1}
    assert handler(ses_event("Delivery", message_id, send_id(key)), FakeLambdaContext("events")) == {"unchanged": 1}
    # Then the ledger says sent with SES's id, the effect and usage are recorded once
    entry = ledger(acme).get(key)
    assert entry is not None and entry.state == "sent" and entry.provider_id == message_id
    assert [(r["by"], r["decision"], r["was"]) for r in entry.resolutions] == [("SES Send", "sent", "unconfirmed")]
    effects = recorded(acme, "email")
    assert len(effects) == 1 and effects[0]["_message_id"] == message_id
    assert acme.repo.usage("2026-01")["email"] == 1
    # And a redelivery still sends nothing
    deliver(acme, "email")
    assert emails_sent() == 1


def test_an_ses_reject_event_marks_the_send_failed_for_the_operator(acme, clock, monkeypatch):
    message_id = _unconfirmed_email(acme, monkeypatch)
    key = message_of("email").idempotency_key
    handler = acme.stack.handler("delivery_events")
    assert handler(ses_event("Reject", message_id, send_id(key)), FakeLambdaContext("events")) == {"failed": 1}
    assert ledger(acme).get(key).state == "failed"  # type: ignore[union-attr]
    assert recorded(acme, "email") == []


def sms_status_event(destination: str, published: datetime, message_id: str, status: str) -> dict[str, Any]:
    """A CloudWatch Logs subscription event with one SNS SMS delivery-status line."""
    line = {
        "notification": {"messageId": message_id, "timestamp": published.strftime("%Y-%m-%d %H:%M:%S.000")},
        "delivery": {"destination": destination, "smsType": "Transactional", "providerResponse": "ok"},
        "status": status,
    }
    data = {"logEvents": [{"id": "1", "timestamp": 0, "message": json.dumps(line)}]}
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(data).encode())).decode()}}


def test_an_unconfirmed_sms_is_resolved_by_its_sns_delivery_status(acme, clock, monkeypatch):
    # Given an SMS whose answer was lost
    with monkeypatch.context() as lossy:
        patch_send(lossy, SnsSms, None, ReadTimeoutError(endpoint_url="https://sns"))
        deliver(acme, "sms")
    key = message_of("sms").idempotency_key
    phone = ledger(acme).get(key).effect["to"]  # type: ignore[index, union-attr]
    # When SNS logs its delivery to that number a moment later
    status = sms_status_event(phone, NOW + timedelta(seconds=2), "sns-123", "SUCCESS")
    assert acme.stack.handler("delivery_events")(status, FakeLambdaContext("events")) == {"sent": 1}
    # Then the SMS is recorded as sent once with SNS's id
    entry = ledger(acme).get(key)
    assert entry is not None and entry.state == "sent" and entry.provider_id == "sns-123"
    assert len(recorded(acme, "sms")) == 1
    # And a status line for another number changes nothing
    other = sms_status_event("+4599999999", NOW, "sns-9", "SUCCESS")
    assert acme.stack.handler("delivery_events")(other, FakeLambdaContext("events")) == {"unchanged": 1}


def test_an_unconfirmed_send_is_listed_for_the_operator_after_a_day_and_resolved_as_sent(acme, clock, monkeypatch):
    _unconfirmed_email(acme, monkeypatch)
    key = message_of("email").idempotency_key
    api = LocalApi(acme.stack, request_time_ms=int((NOW + timedelta(hours=1)).timestamp() * 1000))
    # Given an hour later it is not yet listed (the provider's event may still come)
    assert api.request("GET", "/sends/unconfirmed")[1] == []
    # When a day has passed
    later = LocalApi(acme.stack, request_time_ms=int((NOW + UNCONFIRMED_AFTER + timedelta(hours=1)).timestamp() * 1000))
    status, listed = later.request("GET", "/sends/unconfirmed")
    # Then the operator sees it, by key and send id, without the message body
    assert status == 200
    assert [(s["key"], s["state"], s["channel"], s["customer"]) for s in listed] == [
        (key, "unconfirmed", "email", "C1")
    ]
    assert "message" not in listed[0]
    # When the operator decides it was sent
    status, resolved = later.request("POST", f"/sends/{listed[0]['send_id']}/resolve", {"decision": "sent"})
    # Then it is recorded once, the decision is kept, and it is no longer listed
    assert status == 200, resolved
    assert resolved["state"] == "sent"
    assert [r["decision"] for r in resolved["resolutions"]] == ["sent"]
    assert len(recorded(acme, "email")) == 1
    assert later.request("GET", "/sends/unconfirmed")[1] == []
    # And deciding again is refused
    assert later.request("POST", f"/sends/{listed[0]['send_id']}/resolve", {"decision": "resend"})[0] == 409


def test_the_operator_resends_an_unconfirmed_send_and_it_goes_out_once_more(acme, clock, monkeypatch):
    _unconfirmed_email(acme, monkeypatch)
    key = message_of("email").idempotency_key
    later = LocalApi(acme.stack, request_time_ms=int((NOW + timedelta(days=2)).timestamp() * 1000))
    # When the operator decides it did not reach the customer
    status, resolved = later.request("POST", f"/sends/{send_id(key)}/resolve", {"decision": "resend"})
    assert status == 200, resolved
    assert resolved["state"] == "released"
    # And the queue is drained (the stored message was queued again)
    acme.stack.drain()
    # Then SES received it a second time — the operator's choice — and the ledger says sent
    assert emails_sent() == 2
    assert ledger(acme).get(key).state == "sent"  # type: ignore[union-attr]
    assert len(recorded(acme, "email")) == 1


def test_a_claim_left_by_a_dead_sender_is_listed_once_its_lease_ran_out(acme, clock, monkeypatch):
    # Given recording failed after SES accepted, and no redelivery came (the message was finished)
    with monkeypatch.context() as broken:
        broken.setattr(SendLedger, "record_sent", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("db down")))
        deliver(acme, "email")
    later = LocalApi(acme.stack, request_time_ms=int((NOW + timedelta(minutes=13)).timestamp() * 1000))
    # Then after the lease the claim is listed for a decision
    listed = later.request("GET", "/sends/unconfirmed")[1]
    assert [(s["state"], s["channel"]) for s in listed] == [("claimed", "email")]


# ------------------------------------------------------------------ the fee consumer trusts no amount


@pytest.mark.parametrize("fee", ["-100.00", "99999999999.00", "99.00"])
def test_a_fee_message_whose_amount_is_not_the_template_steps_fee_goes_to_the_dlq(acme, clock, fee):
    # Given a fee message whose step_fee differs from its template version's step (100.00)
    record = deepcopy(event("fee")["Records"][0])
    body = json.loads(record["body"])
    body["step_fee"] = fee
    record["body"] = json.dumps(body)
    # When the fee consumer gets it
    response = deliver(acme, "fee", [record])
    # Then it fails for good (SQS moves it to the DLQ after its tries) and books nothing
    assert len(response["batchItemFailures"]) == 1
    assert acme.repo.billing_lines("C1") == []
    assert recorded(acme, "fee") == []


def test_a_fee_message_with_the_template_steps_fee_is_booked(acme, clock):
    assert deliver(acme, "fee") == {"batchItemFailures": []}
    assert [line.amount for line in acme.repo.billing_lines("C1")] == [Decimal("100.00")]


# ------------------------------------------------------------------ the operator's commands


def test_the_cli_lists_unconfirmed_sends_and_resolves_one_by_its_key(acme, clock, monkeypatch, capsys):
    from contextlib import contextmanager

    import dunning.commands.common
    from dunning.cli import main

    _unconfirmed_email(acme, monkeypatch)
    key = message_of("email").idempotency_key
    later = LocalApi(acme.stack, request_time_ms=int((NOW + timedelta(days=2)).timestamp() * 1000))

    @contextmanager
    def connect(api_url, local_state):  # type: ignore[no-untyped-def]
        yield later

    monkeypatch.setattr(dunning.commands.common, "connect", connect)
    # When the operator lists what waits for a decision
    capsys.readouterr()
    assert main(["sends", "unconfirmed", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    # Then the unconfirmed e-mail is there
    assert [(s["key"], s["state"]) for s in listed] == [(key, "unconfirmed")]
    # When the operator resolves it by its business key as sent
    assert main(["sends", "resolve", key, "--sent"]) == 0
    out = capsys.readouterr().out
    # Then the table shows it sent, and the effect is recorded once
    assert "sent" in out and send_id(key) in out
    assert len(recorded(acme, "email")) == 1
    # And a resolve without a decision is refused with the reason
    assert main(["sends", "resolve", key]) == 2
    assert "--sent --resend" in capsys.readouterr().err


def test_the_status_report_lists_sends_unconfirmed_for_more_than_a_day(acme, clock, monkeypatch):
    import shared.services.reporting as reporting
    from shared.services.scheduling import RunSummary

    # Given an e-mail left unconfirmed, and a run two days later with a status report recipient
    _unconfirmed_email(acme, monkeypatch)
    settings = acme.settings.updated({"status_report_to": "ops@acme.example"})
    captured = []

    def render(report):  # type: ignore[no-untyped-def]
        captured.append(report)
        return real_render(report)

    real_render = reporting.render_status_report
    monkeypatch.setattr(reporting, "render_status_report", render)

    class Mailer:
        def send(self, sender, recipient, raw_mime, tags=None):  # type: ignore[no-untyped-def]
            return "report-1"

    summary = RunSummary(run_id="2026-01-31T05:00:00Z", run_date="2026-01-31", status="completed")
    # When the run's report is made
    reporting.TenantMailReporter(acme.repo, Mailer(), "rykker@acme.example").run_report(
        settings, summary, [], [], [], [], []
    )
    # Then its data carries the send, and the failures say a decision is due
    (report,) = captured
    assert [(s.customer_id, s.channel, s.state) for s in report.unconfirmed_sends] == [("C1", "email", "unconfirmed")]
    assert report.unconfirmed_sends[0].send_id == send_id(message_of("email").idempotency_key)
    assert any(f.what == "unconfirmed sends" for f in report.failures)


def test_the_sample_ses_event_is_accepted_and_changes_nothing_unknown(acme, clock):
    # Given the sample event `sam local invoke DeliveryEventsFunction` would use (a send id no entry has)
    sample = event("delivery-events")
    # Then the handler takes it and changes nothing
    assert acme.stack.handler("delivery_events")(sample, FakeLambdaContext("events")) == {"unchanged": 1}


def test_an_ses_event_that_arrives_before_the_sender_records_leaves_one_effect(acme, clock, monkeypatch):
    key = message_of("email").idempotency_key
    real = SesMailer.send

    def send_and_hear_back(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        message_id = real(self, *args, **kwargs)
        # SES's Send event is handled before the consumer's own "sent" transaction runs
        acme.stack.handler("delivery_events")(ses_event("Send", message_id, send_id(key)), FakeLambdaContext("ev"))
        return message_id

    monkeypatch.setattr(SesMailer, "send", send_and_hear_back)
    # When the e-mail is delivered
    assert deliver(acme, "email") == {"batchItemFailures": []}
    # Then the consumer found it recorded: one e-mail, one effect, usage once
    assert emails_sent() == 1
    assert len(recorded(acme, "email")) == 1
    assert acme.repo.usage("2026-01")["email"] == 1
    assert ledger(acme).get(key).state == "sent"  # type: ignore[union-attr]


def test_an_sms_failure_status_marks_the_send_failed_and_lists_it(acme, clock, monkeypatch):
    with monkeypatch.context() as lossy:
        patch_send(lossy, SnsSms, None, ReadTimeoutError(endpoint_url="https://sns"))
        deliver(acme, "sms")
    key = message_of("sms").idempotency_key
    phone = ledger(acme).get(key).effect["to"]  # type: ignore[index, union-attr]
    status = sms_status_event(phone, NOW + timedelta(seconds=1), "sns-7", "FAILURE")
    # When SNS logs that the carrier did not deliver it
    assert acme.stack.handler("delivery_events")(status, FakeLambdaContext("events")) == {"failed": 1}
    # Then it is failed, nothing is recorded, and after a day the operator sees it
    assert ledger(acme).get(key).state == "failed"  # type: ignore[union-attr]
    assert recorded(acme, "sms") == []
    later = LocalApi(acme.stack, request_time_ms=int((NOW + timedelta(days=2)).timestamp() * 1000))
    assert [(s["state"], s["channel"]) for s in later.request("GET", "/sends/unconfirmed")[1]] == [("failed", "sms")]
