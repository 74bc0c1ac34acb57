"""The scheduler's public entry: start a run (:func:`schedule_due_reminders`) and the names
callers use about runs and reminders.

The run is split by what changes together:

- :mod:`shared.services.runs.lifecycle` — run ids, the tenant's run slot (a lease), the queue of
  waiting runs, continuing in a fresh invocation, resuming a paused run;
- :mod:`shared.services.runs.work` — one run's work: the checks, housekeeping, the due query,
  planning and consolidation, proposing or committing each reminder, the run's report;
- :mod:`shared.services.runs.shards` and :mod:`shared.services.runs.fanout` — a large run split
  over the due-index shards: the work items, the shard workers, the tally, the one end of the run;
- :mod:`shared.services.commit` — one commit-and-send (a reminder with its payment reference and
  outbox item in one transaction, then its messages to the queues), used by runs and approvals;
- :mod:`shared.services.reminders` — what one reminder becomes: its key, messages and advances.
"""

from shared.services.commit import Budget, ReminderCommits
from shared.services.outbox import MessageSink
from shared.services.reminders import (
    advances_for,
    invoice_lines,
    is_collection_warning,
    messages_for,
    note_statement_charges,
    record_skipped_charges,
    reference_record,
    reminder_key_of,
    with_run_charges,
)
from shared.services.runs.lifecycle import (
    LOCAL_ATTEMPTS,
    RUN_LEASE_SECONDS,
    RunNotResumable,
    TenantNotConfigured,
    schedule_due_reminders,
    tenant_settings,
)
from shared.services.runs.shards import FAN_OUT_ABOVE, SHARDS_PER_ITEM, ListWorkQueue, WorkItem, WorkQueue
from shared.services.runs.summary import Reporter, RunKind, RunSummary, run_id_for
from shared.services.runs.work import CONTINUE_BELOW_MS, FLUSH_MESSAGES, MAX_INVOICES_PER_REMINDER

__all__ = [
    "CONTINUE_BELOW_MS",
    "FAN_OUT_ABOVE",
    "FLUSH_MESSAGES",
    "LOCAL_ATTEMPTS",
    "MAX_INVOICES_PER_REMINDER",
    "RUN_LEASE_SECONDS",
    "SHARDS_PER_ITEM",
    "Budget",
    "ListWorkQueue",
    "MessageSink",
    "ReminderCommits",
    "Reporter",
    "RunKind",
    "RunNotResumable",
    "RunSummary",
    "TenantNotConfigured",
    "WorkItem",
    "WorkQueue",
    "advances_for",
    "invoice_lines",
    "is_collection_warning",
    "messages_for",
    "note_statement_charges",
    "record_skipped_charges",
    "reference_record",
    "reminder_key_of",
    "run_id_for",
    "schedule_due_reminders",
    "tenant_settings",
    "with_run_charges",
]
