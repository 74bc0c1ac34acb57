"""Effects, usage, the billing queue and BS records: the same behaviour in both stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.storage.records import BillingLine, BsRecord

MARCH_8 = date(2026, 3, 8)


def effect(kind: str, **fields):
    return {"date": "2026-03-08", "kind": kind, "customer": "C1"} | fields


def fee_line(key: str = "acme/C1/fee", invoices=("I1",)) -> BillingLine:
    return BillingLine("C1", key, "fee", Decimal("100.00"), "DKK", "Rykkergebyr", tuple(invoices), MARCH_8, MARCH_8)


def bs(key: str, due: date = MARCH_8, customer: str = "C1") -> BsRecord:
    return BsRecord(key, due, customer, "12345678", {"amount": "100.00", "invoices": ["I1"]})


def test_an_effect_is_recorded_once_and_metered_once(store):
    sms = effect("sms", segments=2)
    assert store.record_effect(sms, "k1")
    assert not store.record_effect(sms, "k1")
    assert store.record_effect(effect("skipped"), "k1")  # another kind under the same key
    assert not store.record_effect(effect("skipped"), "k1")
    assert store.has_effect(sms, "k1") and not store.has_effect(sms, "k2")
    assert store.effects_on(MARCH_8) == [effect("skipped"), sms]  # by kind, then key
    assert store.effects_on(date(2026, 3, 9)) == []
    usage = store.usage("2026-03")
    assert (usage["sms"], usage["sms_segments"], usage["email"]) == (1, 2, 0)
    assert set(store.usage("2026-04").values()) == {0}


def test_a_fee_goes_on_the_billing_queue_once_and_is_reversed_once(store):
    # Given a fee charged twice under one key
    charged = effect("fee", amount="100.00")
    assert store.add_fee_line(fee_line(), charged, "acme/C1/fee")
    assert not store.add_fee_line(fee_line(), charged, "acme/C1/fee")
    # Then one line, one pending fee, one metered fee
    assert store.billing_lines("C1") == [fee_line()]
    assert store.pending_fees() == [{"customer": "C1", "invoices": ["I1"], "amount": "100.00", "key": "acme/C1/fee"}]
    assert (store.usage("2026-03")["fees"], store.usage("2026-03")["fee_ore"]) == (1, 10000)
    # When reversed, twice
    reversal = effect("fee_reversed", amount="100.00")
    assert store.reverse_fee("acme/C1/fee", "C1", reversal)
    assert not store.reverse_fee("acme/C1/fee", "C1", reversal)
    # Then the line is marked, the pending fee gone, the reversal recorded once
    assert [line.kind for line in store.billing_lines("C1")] == ["fee_reversed"]
    assert store.pending_fees() == []
    assert store.has_effect(reversal, "reversal#acme/C1/fee")


def test_interest_is_billed_but_not_reversible(store):
    line = BillingLine("C1", "k", "interest", Decimal("3.10"), "DKK", "Morarente", ("I1",), MARCH_8, MARCH_8)
    assert store.add_fee_line(line, effect("interest", amount="3.10"), "k", reversible=False)
    assert store.billing_lines("C1") == [line] and store.pending_fees() == []
    assert not store.reverse_fee("k", "C1", effect("fee_reversed"))
    assert [line.kind for line in store.billing_lines("C1")] == ["interest"]


def test_bs_records_wait_for_a_delivery_and_are_filed_once(store):
    # Given two BS reminders of March 8 and one of March 9
    for record in (bs("k2"), bs("k1"), bs("k3", date(2026, 3, 9))):
        assert store.add_bs_record(record, effect("bs"), record.key)
    assert not store.add_bs_record(bs("k1"), effect("bs"), "k1")
    assert store.bs_records(MARCH_8) == [bs("k1"), bs("k2")]
    assert store.undelivered_bs_records(MARCH_8) == [bs("k1"), bs("k2")]
    # When March 8's delivery takes them
    store.start_bs_delivery(MARCH_8)
    assert store.unfinished_bs_deliveries(date(2026, 3, 9)) == [MARCH_8]
    assert store.file_bs_records(MARCH_8, [bs("k1"), bs("k2")])
    # Then they are its manifest and no longer wait; a second move of one of them writes nothing
    assert store.filed_bs_records(MARCH_8) == [bs("k1"), bs("k2")]
    assert store.undelivered_bs_records(date(2026, 3, 9)) == [bs("k3", date(2026, 3, 9))]
    assert not store.file_bs_records(MARCH_8, [bs("k3", date(2026, 3, 9)), bs("k1")])
    assert store.filed_bs_records(MARCH_8) == [bs("k1"), bs("k2")]


def test_a_sealed_delivery_takes_no_more_records_and_is_finished_once(store):
    store.add_bs_record(bs("k1"), effect("bs"), "k1")
    store.start_bs_delivery(MARCH_8)
    store.seal_bs_delivery(MARCH_8)
    assert store.bs_delivery_sealed(MARCH_8) and not store.bs_delivery_sealed(date(2026, 3, 9))
    assert not store.file_bs_records(MARCH_8, [bs("k1")])
    assert store.filed_bs_records(MARCH_8) == []
    delivered = effect("bs_delivery")
    assert store.finish_bs_delivery(MARCH_8, delivered, "bs-delivery#2026-03-08")
    assert store.unfinished_bs_deliveries(date(2026, 3, 31)) == []
    store.start_bs_delivery(MARCH_8)
    assert not store.finish_bs_delivery(MARCH_8, delivered, "bs-delivery#2026-03-08")
    assert store.unfinished_bs_deliveries(date(2026, 3, 31)) == []  # cleared all the same
    assert store.usage("2026-03")["bs_deliveries"] == 1
    store.start_bs_delivery(date(2026, 3, 9))
    store.forget_bs_delivery(date(2026, 3, 9))
    assert store.unfinished_bs_deliveries(date(2026, 3, 31)) == []


def test_a_batch_of_bookings_is_written_together_and_one_booked_before_is_left_out(store):
    from shared.storage.bookings import Booking

    # Given a fee booked on its own before
    fee = effect("fee", amount="100.00")
    assert store.add_fee_line(fee_line("acme/C1/fee/a"), fee, "acme/C1/fee/a")
    # When a batch books it again with a second fee, a BS record and a skip
    booked_before = store.book_all(
        [
            Booking("acme/C1/fee/a", fee, line=fee_line("acme/C1/fee/a"), reversible=True),
            Booking("acme/C1/fee/b", fee, line=fee_line("acme/C1/fee/b", ("I2",)), reversible=True),
            Booking("acme/C1/bs/a", effect("bs"), record=bs("acme/C1/bs/a")),
            Booking("acme/C1/email/a", effect("skipped", action="email")),
        ]
    )
    # Then the one booked before is named and not booked twice; the rest are booked, metered once each
    assert booked_before == {"acme/C1/fee/a"}
    assert [line.key for line in store.billing_lines("C1")] == ["acme/C1/fee/a", "acme/C1/fee/b"]
    assert sorted(fee["key"] for fee in store.pending_fees()) == ["acme/C1/fee/a", "acme/C1/fee/b"]
    assert [record.key for record in store.undelivered_bs_records(MARCH_8)] == ["acme/C1/bs/a"]
    assert store.has_effect(effect("skipped", action="email"), "acme/C1/email/a")
    usage = store.usage("2026-03")
    assert (usage["fees"], usage["fee_ore"], usage["bs"]) == (2, 20000, 1)
    # And the same batch once more books nothing
    again = [Booking("acme/C1/bs/a", effect("bs"), record=bs("acme/C1/bs/a"))]
    assert store.book_all(again) == {"acme/C1/bs/a"}
    assert store.usage("2026-03")["bs"] == 1


def test_a_batch_larger_than_one_transaction_is_booked_whole(store):
    from shared.storage.bookings import Booking

    keys = [f"acme/C1/fee/{n:03d}" for n in range(70)]
    fee = effect("fee", amount="100.00")
    assert store.book_all([Booking(key, fee, line=fee_line(key), reversible=True) for key in keys]) == set()
    assert [line.key for line in store.billing_lines("C1")] == keys
    assert store.usage("2026-03")["fees"] == 70


def test_one_kind_of_a_days_effects_is_read_without_the_others(store):
    # Given a day with a write-off, a settlement and an e-mail, and a write-off the next day
    store.record_effect({"date": "2026-03-06", "kind": "write_off", "customer": "C1"}, "r1#C1")
    store.record_effect({"date": "2026-03-06", "kind": "settlement", "customer": "C2"}, "r1#C2")
    store.record_effect({"date": "2026-03-06", "kind": "email", "customer": "C3"}, "r1#C3#1")
    store.record_effect({"date": "2026-03-07", "kind": "write_off", "customer": "C4"}, "r2#C4")
    # Then that day's write-offs are just the one
    assert [e["customer"] for e in store.effects_of_kind(date(2026, 3, 6), "write_off")] == ["C1"]
    assert store.effects_of_kind(date(2026, 3, 6), "fee_reversal") == []
