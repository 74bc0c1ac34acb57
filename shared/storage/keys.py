"""Every key of the tenant's table, spelled once: ``(pk, sk)`` pairs and index keys.

Both stores use these (the DynamoDB one to address items, the in-memory one to order them
as DynamoDB does), and nothing outside ``shared/storage`` spells a key. The layout is the
table in :mod:`shared.storage.models`.
"""

from __future__ import annotations

import zlib
from datetime import date

# The due-index's shards: a fixed count, hashed by customer (docs/architecture.md, the data model: ``due-index``).
# A customer's invoices are all in one shard, so a shard worker consolidates per customer alone.
# Changing the count re-homes every waiting invoice: do it as the legacy shards below were moved.
DUE_SHARDS = 16
# Before the run fanned out, invoices were spread over 4 shards by invoice id ("DUE#0".."DUE#3");
# a run moves what is still filed there (move_legacy_due_entries) and then finds them empty.
LEGACY_DUE_SHARDS = tuple(f"DUE#{shard}" for shard in range(4))
# Where an unpaid invoice that finished its template waits: in the due-index, beyond every run's range.
PARKED = date(9999, 12, 31)

Key = tuple[str, str]

SETTINGS: Key = ("TENANT", "SETTINGS")
TEMPLATE = "TEMPLATE"
AGREEMENT = "AGREEMENT"
CUSTOMERS = "CUSTOMERS"
OUTBOX = "OUTBOX"
PROPOSAL = "PROPOSAL"
CASE = "CASE"
DISPUTE = "DISPUTE"
REFERENCE = "REFERENCE"
REFERENCE_COUNTER: Key = ("COUNTER", "REFERENCE")
USAGE = "USAGE"
FEE_PENDING = "FEE_PENDING"
# O13 fee reversal: a customer whose fees may have become reversible (a balance reached 0, a reversible
# fee was booked) is marked here, in the same write; a run reads only the marked customers' fees.
FEE_CHECK = "FEE_CHECK"
# Set once a run has checked every pending fee and re-filed those filed under their business key alone.
FEE_SWEPT: Key = ("FEE_SWEPT", "FEE_PENDING")
CREDIT = "CREDIT"
BANK = "BANK"
RUN = "RUN"
RUN_QUEUE = "RUNQUEUE"
RUN_LOCK: Key = ("RUNLOCK", "ACTIVE")
SALE = "SALE"
BS_PENDING = "BS_PENDING"
BS_DELIVERY = "BS_DELIVERY"
BS_UNFINISHED = "BS_UNFINISHED"
BILLING_PREFIX = "BILLING#"
ENTRY_PREFIX = "ENTRY#"
SEND_SK = "LEDGER"


def template_prefix(name: str) -> str:
    """The sk prefix of every version of one template."""
    return f"{name}#V#"


def template(name: str, number: int) -> Key:
    return TEMPLATE, f"{template_prefix(name)}{number:04d}"


def template_of_version_id(version_id: str) -> Key:
    """``standard_v3`` → the version's key; ValueError when the id has no number."""
    name, _, number = version_id.rpartition("_v")
    return template(name, int(number))


def customer(customer_id: str) -> Key:
    return f"CUSTOMER#{customer_id}", "PROFILE"


def billing_line(customer_id: str, business_key: str) -> Key:
    return f"CUSTOMER#{customer_id}", f"{BILLING_PREFIX}{business_key}"


def billing_prefix(customer_id: str) -> Key:
    """The customer's partition and the sk prefix of its billing-queue lines."""
    return billing_line(customer_id, "")


def agreement(agreement_id: str) -> Key:
    return AGREEMENT, agreement_id


def invoice(invoice_id: str) -> Key:
    return invoice_partition(invoice_id), "INVOICE"


def invoice_partition(invoice_id: str) -> str:
    """The invoice's partition: the invoice and the payments and credit notes on it (``ENTRY#``)."""
    return f"INVOICE#{invoice_id}"


def invoice_entry(invoice_id: str, kind: str, entry_id: str) -> Key:
    return f"INVOICE#{invoice_id}", f"{ENTRY_PREFIX}{kind}#{entry_id}"


def due_shard(customer_id: str) -> str:
    """The due-index shard of a customer's invoices (``DUE#c00`` … ``DUE#c15``): every invoice of one
    customer in one shard, the customers spread evenly (CRC-32 of the id)."""
    return f"DUE#c{zlib.crc32(customer_id.encode()) % DUE_SHARDS:02d}"


def due_shards() -> list[str]:
    """Every due-index shard, in order."""
    return [f"DUE#c{shard:02d}" for shard in range(DUE_SHARDS)]


def dated(on: date, invoice_id: str) -> str:
    """``<date>#<invoice id>``: the due-index's and the open-index's range key."""
    return f"{on.isoformat()}#{invoice_id}"


def day_after(on: date) -> str:
    """An exclusive upper bound for "on or before ``on``" over keys that start with a date."""
    return date.fromordinal(on.toordinal() + 1).isoformat()


def effect(effect_data: dict[str, object], business_key: str) -> Key:
    """An effect under its day, kind and business key: recorded once."""
    return f"EFFECTS#{effect_data['date']}", f"{effect_data['kind']}#{business_key}"


def effects_on(on: date) -> str:
    return f"EFFECTS#{on.isoformat()}"


def bs_records_partition(on: date) -> str:
    return f"BS#{on.isoformat()}"


def bs_record(on: date, business_key: str) -> Key:
    return bs_records_partition(on), business_key


def bs_pending(due: date, business_key: str) -> Key:
    return BS_PENDING, f"{due.isoformat()}#{business_key}"


def bs_filed(on: date, due: date, business_key: str) -> Key:
    return f"BS_FILED#{on.isoformat()}", f"{due.isoformat()}#{business_key}"


def bs_filed_partition(on: date) -> str:
    return f"BS_FILED#{on.isoformat()}"


def bs_due_and_key(sk: str) -> tuple[date, str]:
    """``<due>#<business key>`` → both parts."""
    due, _, business_key = sk.partition("#")
    return date.fromisoformat(due), business_key


def bs_sealed(on: date) -> Key:
    return BS_DELIVERY, f"{on.isoformat()}#SEALED"


def bs_unfinished(on: date) -> Key:
    return BS_UNFINISHED, on.isoformat()


def fee_pending(customer_id: str, business_key: str) -> Key:
    """A reversible fee not yet billed, under its customer (one range query finds a customer's)."""
    return FEE_PENDING, f"{fee_pending_prefix(customer_id)}{business_key}"


def fee_pending_prefix(customer_id: str) -> str:
    """The sk prefix of one customer's pending fees."""
    return f"{customer_id}#"


def legacy_fee_pending(business_key: str) -> Key:
    """Where a pending fee was filed before it was filed under its customer: re-filed by the sweep."""
    return FEE_PENDING, business_key


def fee_check(customer_id: str) -> Key:
    """The customer's fee-check mark: a counter added to by each write that may make a fee reversible."""
    return FEE_CHECK, customer_id


def credit(customer_id: str, on: date, credit_id: str) -> Key:
    return CREDIT, f"{credit_prefix(customer_id)}{on.isoformat()}#{credit_id}"


def credit_prefix(customer_id: str) -> str:
    """The sk prefix of one customer's credits (oldest first)."""
    return f"{customer_id}#"


def journal(name: str) -> Key:
    return f"JOURNAL#{name}", "JOURNAL"


def journal_entry(name: str, entry_id: str) -> Key:
    return f"JOURNAL#{name}", f"{ENTRY_PREFIX}{entry_id}"


def ledger(kind: str) -> str:
    return f"LEDGER#{kind}"


def send(send_id: str) -> Key:
    return f"SEND#{send_id}", SEND_SK


def send_id_of(pk: str) -> str:
    return pk.removeprefix("SEND#")


def send_at(at: str, send_id: str) -> str:
    """The send-index's range key: ``<iso time>#<send id>``."""
    return f"{at}#{send_id}"


def run_between_upper(last: str) -> str:
    """The inclusive upper bound of a run-id range (run ids are ISO times, perhaps with a suffix)."""
    return last + "~~"


def operator_sessions(user: str) -> Key:
    """When an operator's console sessions last ended (log-out, or an administrator's sign-out)."""
    return "OPERATOR", f"{user}#sessions"


def actor(subject: str, item_id: str) -> Key:
    """Who did what to one item (``started_by``, ``decided_by``, …)."""
    return f"ACTOR#{subject}", item_id


# A fanned-out run (shared/services/runs/fanout.py): its tally, and one record per part it recorded.
RUN_FAN_OUT = "RUNFANOUT"


def run_fan_out(run_id: str) -> Key:
    return RUN_FAN_OUT, run_id


def run_part(run_id: str, part: str) -> Key:
    """A recorded part of a fanned-out run: a work item's part id, recorded once."""
    return f"RUNPART#{run_id}", part


# The one counts bucket of a run done in one invocation at a time (a fanned-out run's buckets are its
# due-index shards).
WHOLE_RUN_COMMITS = "RUN"


def run_commits(run_id: str, bucket: str = "") -> Key:
    """What a run's commits added up, one item per ``bucket`` (a fanned-out run's: a due-index shard,
    so two shard workers never write one item; else :data:`WHOLE_RUN_COMMITS`); with no bucket, the
    key of the partition itself."""
    return f"RUNCOMMITS#{run_id}", bucket
