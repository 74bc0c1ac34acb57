"""Bank connections and cash journals (O5, O6): what a run checks before it sends, and posting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.errors import Conflict, Invalid, NotFound
from shared.storage.protocols import Store


def list_bank_connections(repo: Store) -> list[dict[str, Any]]:
    """Every bank connection with its state."""
    return repo.bank_connections()


def put_bank_connection(repo: Store, name: str, active: bool, *, actor: str) -> dict[str, Any]:
    """Record a bank connection's state (checked before a run when check_bank_connections is on, O5)."""
    repo.put_bank_connection(name, active)
    repo.note_actor("bank_connection", name, "changed_by", actor)
    return {"name": name, "active": active}


def create_journal(repo: Store, journal: str) -> dict[str, Any]:
    """A cash journal (kassekladde) a run may check for unposted payments (O6)."""
    repo.put_journal(journal)
    return {"journal": journal}


def _existing(repo: Store, journal: str, hint: str = "") -> None:
    if not repo.journal_exists(journal):
        raise NotFound(f"journal {journal!r} does not exist{hint}", "journal")


def add_journal_entry(repo: Store, journal: str, entry_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    """An unposted entry (``customer``, ``amount``, ``text``); its id is used once per journal."""
    _existing(repo, journal, f"; create it first (PUT /journals/{journal})")
    if repo.get_customer(entry["customer"]) is None:
        raise Invalid(f"customer {entry['customer']!r} does not exist", "customer")
    if not repo.add_journal_entry_once(journal, entry_id, entry):
        raise Conflict(f"journal {journal!r} has an entry {entry_id!r} already", "id")
    return entry | {"id": entry_id}


def journal_entries(repo: Store, journal: str) -> list[dict[str, Any]]:
    """The journal's unposted entries."""
    _existing(repo, journal)
    return repo.journal_entries(journal)


def post_journal(repo: Store, journal: str, on: date, *, actor: str) -> int:
    """Post every unposted entry: each becomes a payment on its customer's account. Returns how many."""
    _existing(repo, journal)
    entries = repo.journal_entries(journal)
    for entry in entries:
        repo.add_credit(entry["customer"], "payment", Decimal(entry["amount"]), on, f"{journal}-{entry['id']}")
        repo.remove_journal_entry(journal, entry["id"])
    repo.note_actor("journal", journal, "posted_by", actor)
    return len(entries)
