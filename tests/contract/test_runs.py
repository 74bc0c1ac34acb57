"""Runs, the run slot, queued requests and the outbox: the same behaviour in both stores."""

from __future__ import annotations

from tests.support.storage import commit_one, invoice

LEASE = 600


def test_runs_are_listed_by_id_newest_first_and_by_range(store):
    for run_id in ["2026-03-02T05:00:00Z", "2026-03-01T05:00:00Z", "2026-03-03T05:00:00Z#2"]:
        store.put_run(run_id, {"id": run_id})
    store.put_run("2026-03-01T05:00:00Z", {"id": "2026-03-01T05:00:00Z", "state": "done"})
    assert store.get_run("2026-03-01T05:00:00Z") == {"id": "2026-03-01T05:00:00Z", "state": "done"}
    assert store.get_run("2026-03-09T05:00:00Z") is None
    assert [r["id"][:10] for r in store.list_runs()] == ["2026-03-03", "2026-03-02", "2026-03-01"]
    assert [r["id"][:10] for r in store.list_runs(newest_first=False, limit=2)] == ["2026-03-01", "2026-03-02"]
    between = store.runs_between("2026-03-02T00:00:00Z", "2026-03-03T05:00:00Z")
    assert [r["id"] for r in between] == ["2026-03-02T05:00:00Z", "2026-03-03T05:00:00Z#2"]


def test_queued_requests_wait_by_time_until_dequeued(store):
    store.queue_run("2026-03-02T05:00:00Z", {"by": "op"})
    store.queue_run("2026-03-01T05:00:00Z", {"by": "schedule"})
    assert store.queued_runs() == [
        {"by": "schedule", "run_id": "2026-03-01T05:00:00Z"},
        {"by": "op", "run_id": "2026-03-02T05:00:00Z"},
    ]
    store.dequeue_run("2026-03-01T05:00:00Z")
    assert [r["run_id"] for r in store.queued_runs()] == ["2026-03-02T05:00:00Z"]


def test_the_run_slot_is_a_lease_held_by_one_run(store):
    # Given run A holds the slot
    assert store.acquire_run_lock("A", 1000, LEASE) is None
    # Then B is told A holds it; A may take it again (a retry)
    assert store.acquire_run_lock("B", 1100, LEASE) == "A"
    assert store.acquire_run_lock("A", 1100, LEASE) is None
    # B cannot release A's slot
    store.release_run_lock("B")
    assert store.acquire_run_lock("B", 1200, LEASE) == "A"
    # Once A's lease ran out, B takes it over
    assert store.acquire_run_lock("B", 1100 + LEASE + 1, LEASE) is None
    assert store.acquire_run_lock("A", 1100 + LEASE + 2, LEASE) == "B"
    # Released, it is free
    store.release_run_lock("B")
    assert store.acquire_run_lock("A", 1800, LEASE) is None


def test_the_outbox_keeps_what_is_not_sent_yet(store):
    from datetime import date

    from shared.storage.records import Advance

    for key, number in (("k2", "I2"), ("k1", "I1")):
        store.create_invoice(invoice(number), date(2026, 3, 8))
        advance = Advance(store.get_invoice(number), date(2026, 3, 8), None, {})
        commit_one(store, key, "run1", ["a", "b"], [advance])
    assert store.pending_outbox() == [("k1", ["a", "b"]), ("k2", ["a", "b"])]
    store.keep_in_outbox("k1", ["b"])
    store.keep_in_outbox("k9", ["x"])  # gone already: nothing is created
    assert store.pending_outbox() == [("k1", ["b"]), ("k2", ["a", "b"])]
    store.clear_outbox(["k1", "k9"])
    assert store.pending_outbox() == [("k2", ["a", "b"])]
    assert store.outbox_run("k1") is None and store.outbox_run("k2") == "run1"


def test_who_did_what_is_kept_per_item_and_read_one_by_one_in_batches_or_all(store):
    # Given a run started by one operator and resumed by another, and a proposal decided
    store.note_actor("run", "R1", "started_by", "anna")
    store.note_actor("run", "R1", "resumed_by", "bo")
    store.note_actor("proposal", "acme#K2#standard_v1#1", "approved_by", "anna")
    store.note_actor("proposal", "acme#K1#standard_v1#1", "rejected_by", "bo")
    # Then each item keeps every role; an item nobody touched has none
    assert store.actors("run", "R1") == {"started_by": "anna", "resumed_by": "bo"}
    assert store.actors("run", "R2") == {}
    assert store.actors_of("run", {"R1", "R2"}) == {"R1": {"started_by": "anna", "resumed_by": "bo"}}
    assert store.actors_of("run", set()) == {}
    # And all of one subject come in key order, without another subject's
    assert store.all_actors("proposal") == {
        "acme#K1#standard_v1#1": {"rejected_by": "bo"},
        "acme#K2#standard_v1#1": {"approved_by": "anna"},
    }


def test_a_note_that_lands_between_the_read_and_the_write_is_kept(store, monkeypatch):
    # Given an operator's note, and another operator's note landing just after the first read
    read = store.actors
    raced: list[str] = []

    def read_then_race(subject: str, item_id: str) -> dict[str, str]:
        before = read(subject, item_id)
        if not raced:
            raced.append(item_id)
            monkeypatch.setattr(store, "actors", read)
            store.note_actor(subject, item_id, "resumed_by", "bo")
            monkeypatch.setattr(store, "actors", read_then_race)
        return before

    monkeypatch.setattr(store, "actors", read_then_race)
    # When the first note is written
    store.note_actor("run", "R1", "started_by", "anna")
    # Then neither note is lost
    assert raced == ["R1"]
    assert read("run", "R1") == {"resumed_by": "bo", "started_by": "anna"}


def test_a_fanned_out_runs_tally_counts_each_part_once_and_each_shard_once(store):
    # Given a run fanned out over three shards (opened once)
    assert store.open_fan_out("R", ["S0", "S1", "S2"]) is True
    assert store.open_fan_out("R", ["S0", "S1", "S2"]) is False
    assert store.fan_out_tally("R")["done"] == set() and store.fan_out_tally("nope") is None
    # When a part finishes S0 and S1, and is delivered again
    assert store.record_run_part("R", "p1", ["S0", "S1"], {"parts": 1, "reminders": 4, "by_email": 4}) is True
    assert store.record_run_part("R", "p1", ["S0", "S1"], {"parts": 1, "reminders": 4, "by_email": 4}) is False
    # And an overlapping continuation finishes S1 again and S2, having nothing left to remind in S1
    assert store.record_run_part("R", "p2", ["S1", "S2"], {"parts": 1, "reminders": 1}) is True
    # Then each shard and each part's counts were added once
    tally = store.fan_out_tally("R")
    assert tally["total"] == 3 and tally["done"] == {"S0", "S1", "S2"}
    assert (tally["counts"]["parts"], tally["counts"]["reminders"], tally["counts"]["by_email"]) == (2, 5, 4)
    assert tally["ended"] is None
    # And one part ends the run (again only that part: a redelivery of it)
    assert store.claim_run_end("R", "p2") is True
    assert store.claim_run_end("R", "p1") is False
    assert store.claim_run_end("R", "p2") is True
    assert store.fan_out_tally("R")["ended"] == "p2"


def test_a_part_of_a_run_never_fanned_out_is_not_recorded(store):
    assert store.record_run_part("R", "p1", ["S0"], {"reminders": 1}) is False
    assert store.claim_run_end("R", "p1") is False
