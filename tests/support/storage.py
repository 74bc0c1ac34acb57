"""Stores for tests: the DynamoDB one on an in-process moto table built from template.yaml, the
in-memory one, and small builders of the values they hold."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from dunning.cfn_yaml import load_template
from shared.domain.planning import InvoiceState
from shared.domain.templates import Step, TemplateVersion
from shared.storage.records import Agreement, Customer

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
TABLE = "acme-dunning"


@cache
def _table_definition() -> dict[str, Any]:
    """The stack's DunningTable, as CreateTable takes it."""
    properties = dict(load_template(TEMPLATE)["Resources"]["DunningTable"]["Properties"])
    wanted = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
    return {name: properties[name] for name in wanted} | {"TableName": TABLE}


@contextmanager
def moto_dynamodb() -> Iterator[None]:
    """In-process moto for a while (a test module: starting it is the slow part), with test
    credentials set meanwhile (and what was set before put back)."""
    from shared.storage.models import forget_connections

    saved = {name: os.environ.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update({name: "testing" for name in saved})
    try:
        with mock_aws():
            forget_connections()  # a connection of an earlier mock must not be reused
            yield
        forget_connections()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


@contextmanager
def dynamodb_reads() -> Iterator[Counter[str]]:
    """Count DynamoDB read requests and the items they returned, for every client in the process."""
    import botocore.client

    counts: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: dict[str, Any]) -> Any:
        response = original(self, operation, params)
        if self._service_model.service_name == "dynamodb" and operation in READ_OPERATIONS:
            counts[operation] += 1
            counts["items"] += ("Item" in response) + len(response.get("Items", []))
            counts["items"] += sum(len(items) for items in response.get("Responses", {}).values())
        return response

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def dynamodb_store() -> Any:
    """A :class:`DunningRepository` on an empty table (inside :func:`moto_dynamodb`). The table is
    made anew under the same name, so PynamoDB keeps its connection (making one is slow)."""
    from shared.storage.repository import DunningRepository
    from shared.storage.tenant import forget_cached_settings

    forget_cached_settings()  # the cache is per table name, and this table is made anew
    client = boto3.client("dynamodb", region_name="eu-north-1")
    if TABLE in client.list_tables()["TableNames"]:
        client.delete_table(TableName=TABLE)
    client.create_table(**_table_definition())
    return DunningRepository(TABLE)


def memory_store() -> Any:
    from shared.storage.memory import MemoryStore

    return MemoryStore()


def invoice(
    invoice_id: str = "I1",
    customer_id: str = "C1",
    *,
    amount: str = "1000.00",
    open_amount: str | None = None,
    due: date = date(2026, 3, 1),
    agreement_id: str = "A1",
    template_version: str = "standard_v1",
    steps_done: int = 0,
) -> InvoiceState:
    return InvoiceState(
        invoice_id=invoice_id,
        customer_id=customer_id,
        agreement_id=agreement_id,
        template_version=template_version,
        amount=Decimal(amount),
        open_amount=Decimal(open_amount if open_amount is not None else amount),
        issued=date(2026, 2, 1),
        due=due,
        steps_done=steps_done,
    )


def customer(customer_id: str = "C1", name: str = "Jens Hansen", **changes: Any) -> Customer:
    return Customer(customer_id=customer_id, name=name, email=f"{customer_id.lower()}@example.dk", **changes)


def agreement(agreement_id: str = "A1", customer_id: str = "C1", template_version: str = "standard_v1") -> Agreement:
    return Agreement(agreement_id, customer_id, template_version)


def template(name: str = "standard", number: int = 1, days: tuple[int, ...] = (7, 10)) -> TemplateVersion:
    steps = tuple(
        Step.model_validate({"name": f"Rykker {index}", "days": day, "actions": ["email"]})
        for index, day in enumerate(days, start=1)
    )
    return TemplateVersion(name=name, number=number, steps=steps)


def commit_one(
    store: Any,
    key: str,
    run_id: str,
    messages: list[str],
    advances: list[Any],
    proposal_key: str | None = None,
    periods: Any = (),
    reference: dict[str, Any] | None = None,
) -> bool:
    """One reminder committed alone (a group of one): True when written."""
    from shared.storage.records import ReminderWrite

    write = ReminderWrite(advances, reference, proposal_key, periods)
    return not store.commit_reminders(key, run_id, messages, [write])
