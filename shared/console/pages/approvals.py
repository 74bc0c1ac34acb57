"""Approval (O9): proposals per entry or one row per customer; "Godkend alle", or one at a time."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, Literal

from shared.console import services
from shared.console.app import Page, router
from shared.console.http import Response
from shared.errors import DunningError


def by_customer(proposals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per customer: their proposals' keys, invoices, steps and total."""
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"keys": [], "invoices": [], "steps": [], "amount": Decimal("0"), "cases": 0}
    )
    for proposal in proposals:
        row = rows[proposal["customer"]]
        row["keys"].append(proposal["key"])
        row["invoices"] += proposal["invoices"]
        row["steps"].append(proposal["step"])
        row["amount"] += Decimal(proposal["amount"])
        row["cases"] += proposal["kind"] == "collection"
    return [{"customer": customer} | row for customer, row in sorted(rows.items())]


def _decided(decision: dict[str, str], step_names: dict[tuple[str, str], str]) -> dict[str, str]:
    """A decided proposal as the operator knows it: its customer, template version, step (by name where
    the version is known) and the run that proposed it, read from its key
    (``<tenant>/<customer>/<version>/<step>/<what>/<digest>@<run>``)."""
    key = decision["key"]
    parts = key.split("@", 1)[0].split("/")
    if len(parts) != 6:
        return decision | {"customer": "", "template": "", "step": "", "run": ""}
    return decision | {
        "customer": parts[1],
        "template": parts[2],
        "step": step_names.get((parts[2], parts[3]), parts[3]),
        "run": key.split("@", 1)[1] if "@" in key else "",
    }


def _step_names(page: Page, decisions: list[dict[str, str]]) -> dict[tuple[str, str], str]:
    """(version, step number) → the step's name, for the versions the decisions name (each read once)."""
    names: dict[tuple[str, str], str] = {}
    versions = {d["key"].split("/")[2] for d in decisions if d["key"].count("/") >= 5}
    for version in versions:
        try:
            steps = page.repo.get_template(version).steps
        except DunningError:
            continue
        names |= {(version, str(number)): step.name for number, step in enumerate(steps, start=1)}
        # a debt-collection case is the "step" after the last (O14)
        names[(version, str(len(steps) + 1))] = page.t("proposal.case")
    return names


@router.get("/approvals")
def approvals(page: Page) -> Response:
    proposals = services.list_proposals(page.repo)
    view = "customer" if page.request.query.get("view") == "customer" else "entry"
    decided = services.decisions(page.repo)
    return page.render(
        "approvals.html.j2",
        proposals=proposals,
        customers=by_customer(proposals),
        view=view,
        names={c.customer_id: c.name for c in page.repo.list_customers()},
        decisions=[_decided(d, _step_names(page, decided)) for d in decided],
        message=page.request.query.get("msg"),
    )


def _decide(page: Page, decision: Literal["approve", "reject"]) -> Response:
    keys = page.request.values("key") or None
    customers = page.request.values("customer") or None
    if page.request.value("all") != "true" and keys is None and customers is None:
        return page.back("/approvals")  # nothing chosen: never read as "all"
    result = services.decide_proposals(
        page.repo, page.console.scheduler, decision, page.now, page.actor, customers, keys
    )
    message = page.t(
        "approvals.decided", approved=len(result.get("approved", [])), rejected=len(result.get("rejected", []))
    )
    view = page.request.value("view")
    return page.back("/approvals" + ("?view=customer" if view == "customer" else ""), message)


@router.post("/approvals/approve")
def approve(page: Page) -> Response:
    return _decide(page, "approve")


@router.post("/approvals/reject")
def reject(page: Page) -> Response:
    return _decide(page, "reject")
