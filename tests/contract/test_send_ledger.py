"""The send ledger: the same states and conditions in both stores."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.storage.send_entries import PENDING_ID, LedgerConflict, NothingToResolve, send_id

KEY = "acme/C1/standard_v1/1/email/abc"
PENDING = {"date": "2026-03-06", "kind": "email", "customer": "C1", "_message_id": PENDING_ID}


def claim(ledger, key=KEY):
    return ledger.claim(key, "email", '{"body": 1}', PENDING)


def test_a_key_is_claimed_by_one_attempt_while_its_lease_runs(ledger, clock):
    first = claim(ledger)
    assert first.outcome == "claimed" and first.entry.attempts == 1
    # Another attempt while the lease runs: held
    second = claim(ledger)
    assert second.outcome == "held" and second.entry.token == first.token
    # After the lease ran out, the next attempt claims it
    clock.pass_(minutes=6)
    third = claim(ledger)
    assert third.outcome == "claimed" and third.entry.attempts == 2 and third.token != first.token
    assert ledger.get(KEY).send_id == send_id(KEY) and ledger.get("other") is None


def test_a_send_is_recorded_once_with_its_effect(ledger, store):
    claimed = claim(ledger)
    effect = PENDING | {"_message_id": "ses-1"}
    assert ledger.record_sent(claimed, "ses-1", effect) == effect
    assert ledger.record_sent(claimed, "ses-1", effect) == effect  # a retry: recorded already
    entry = ledger.get(KEY)
    assert (entry.state, entry.provider_id, entry.effect) == ("sent", "ses-1", effect)
    assert store.effects_on(date(2026, 3, 6)) == [effect]
    assert store.usage("2026-03")["email"] == 1
    assert claim(ledger).outcome == "sent"


def test_a_released_claim_may_be_claimed_again(ledger):
    claimed = claim(ledger)
    ledger.release(claimed, "refused: bad address")
    released = ledger.get(KEY)
    assert (released.state, released.reason) == ("released", "refused: bad address")
    assert claim(ledger).outcome == "claimed"
    ledger.release(claimed, "too late")  # the old claim no longer holds it: nothing changes
    assert ledger.get(KEY).state == "claimed"


def test_an_unconfirmed_send_waits_for_the_provider_or_the_operator(ledger, clock, store):
    claimed = claim(ledger)
    ledger.mark_unconfirmed(claimed, "timeout after SES accepted?")
    assert claim(ledger).outcome == "unconfirmed"
    assert ledger.needing_decision(clock.now, timedelta(days=1)) == []
    clock.pass_(days=1, minutes=1)
    [waiting] = ledger.needing_decision(clock.now, timedelta(days=1))
    assert (waiting.key, waiting.state) == (KEY, "unconfirmed")
    assert [e.key for e in ledger.open_sends("unconfirmed", clock.now)] == [KEY]
    # The provider's event says it was sent: the effect is recorded with its message id
    assert ledger.resolve_from_provider(send_id(KEY), "ses-9", True, "ses:send") == "sent"
    assert store.effects_on(date(2026, 3, 6)) == [PENDING | {"_message_id": "ses-9"}]
    assert ledger.resolve_from_provider(send_id(KEY), "ses-9", True, "ses:send") is None
    assert [r["decision"] for r in ledger.get(KEY).resolutions] == ["sent"]
    assert ledger.open_sends("unconfirmed", clock.now) == []


def test_a_failed_send_is_resent_by_the_operators_decision(ledger, clock):
    claimed = claim(ledger)
    ledger.mark_unconfirmed(claimed, "timeout")
    assert ledger.resolve_from_provider(send_id(KEY), None, False, "ses:reject") == "failed"
    assert ledger.resolve_from_provider(send_id(KEY), None, False, "ses:reject") is None
    entry = ledger.resolve_by_operator(KEY, "resend", "ops@acme")
    assert entry.state == "released"
    assert [(r["by"], r["decision"], r["was"]) for r in entry.resolutions] == [
        ("ses:reject", "failed", "unconfirmed"),
        ("ops@acme", "resend", "failed"),
    ]
    assert claim(ledger).outcome == "claimed"


def test_only_an_open_send_can_be_resolved(ledger):
    with pytest.raises(NothingToResolve):
        ledger.resolve_by_operator(KEY, "sent", "ops@acme")
    claimed = claim(ledger)
    ledger.record_sent(claimed, "ses-1", PENDING)
    with pytest.raises(NothingToResolve):
        ledger.resolve_by_operator(KEY, "resend", "ops@acme")


def test_an_operator_marks_an_unconfirmed_send_as_sent(ledger, store):
    claimed = claim(ledger)
    ledger.mark_unconfirmed(claimed, "timeout")
    entry = ledger.resolve_by_operator(KEY, "sent", "ops@acme")
    assert entry.state == "sent" and store.has_effect(PENDING, KEY)
    # The claim's own late record finds it recorded: the same effect, once
    assert ledger.record_sent(claimed, "ses-1", PENDING | {"_message_id": "ses-1"})["kind"] == "email"
    assert len(store.effects_on(date(2026, 3, 6))) == 1


def test_a_live_claim_of_another_attempt_is_held_as_unconfirmed(ledger):
    claim(ledger)
    other = claim(ledger)
    assert other.outcome == "held"
    held = ledger.hold_unconfirmed(other, "another attempt holds it")
    assert (held.state, held.reason) == ("unconfirmed", "another attempt holds it")


def test_a_record_after_the_claim_was_taken_over_is_a_conflict(ledger, clock):
    first = claim(ledger)
    clock.pass_(minutes=6)
    claim(ledger)  # another attempt took the expired claim
    with pytest.raises(LedgerConflict):
        ledger.record_sent(first, "ses-1", PENDING)


def test_several_sends_are_recorded_in_one_write_or_not_at_all(ledger, store, clock):
    # Given three claimed sends, one of which an expired lease let another attempt take over
    keys = [f"{KEY}/{n}" for n in range(3)]
    claims = [claim(ledger, key) for key in keys]
    sms = {"date": "2026-03-06", "kind": "sms", "customer": "C1", "segments": 2, "_message_id": PENDING_ID}
    sends = [(c, f"id-{n}", PENDING | {"_message_id": f"id-{n}"}) for n, c in enumerate(claims[:2])]
    sends.append((claims[2], "id-2", sms | {"_message_id": "id-2"}))
    clock.pass_(minutes=6)
    taken = claim(ledger, keys[2])
    assert taken.outcome == "claimed"
    # When they are recorded together: refused whole (the third is no longer this attempt's)
    assert not ledger.record_all_sent(sends)
    assert [ledger.get(key).state for key in keys] == ["claimed", "claimed", "claimed"]
    assert store.effects_on(date(2026, 3, 6)) == [] and store.usage("2026-03")["email"] == 0
    # When the two still held are recorded together
    assert ledger.record_all_sent(sends[:2])
    # Then both are sent with their effects, and the month's usage counts each once
    assert [ledger.get(key).state for key in keys[:2]] == ["sent", "sent"]
    assert [ledger.get(key).provider_id for key in keys[:2]] == ["id-0", "id-1"]
    assert len(store.effects_on(date(2026, 3, 6))) == 2
    assert store.usage("2026-03")["email"] == 2
    # And recording them again is refused: they are sent already
    assert not ledger.record_all_sent(sends[:2])
    assert store.usage("2026-03")["email"] == 2
