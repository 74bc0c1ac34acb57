"""Agreements with the mass move (C9), customers, an invoice's timeline with why it was (not)
reminded, collection cases (O14) and usage per month (O15)."""

from __future__ import annotations

from typing import Any

from shared.console import services
from shared.console.app import Page, router
from shared.console.http import Response
from shared.console.why import why_not
from shared.domain.templates import split_version_id


@router.get("/agreements")
def agreements(page: Page) -> Response:
    found = sorted(services.list_agreements(page.repo), key=lambda a: a.agreement_id)
    templates = services.list_templates(page.repo)
    # Each template's versions newest first (standard_v10 before standard_v9); the move's target is
    # the default template's latest version — the one a new version was just made for, not its oldest.
    versions = [
        view.version.version_id
        for name in sorted(templates)
        for view in sorted(templates[name], key=lambda view: view.version.number, reverse=True)
    ]
    default = page.settings.default_template or ""
    default = (split_version_id(default) or (default, 0))[0]
    latest = max(templates.get(default, []), key=lambda view: view.version.number, default=None)
    return page.render(
        "agreements.html.j2",
        agreements=found,
        versions=versions,
        chosen=latest.version.version_id if latest else None,
        names={c.customer_id: c.name for c in page.repo.list_customers()},
        message=page.request.query.get("msg"),
    )


@router.post("/agreements/move")
def move(page: Page) -> Response:
    """The mass action: the chosen agreements (or all) to one version; their next invoices use it."""
    chosen = page.request.values("agreement")
    everything = page.request.value("all") == "true"
    if not chosen and not everything:
        return page.back("/agreements", page.t("move.none_chosen"))
    version, moved, _ = services.move_agreements(
        page.repo, page.console.tenant, page.request.value("template"), None if everything else chosen, page.actor
    )
    return page.back("/agreements", page.t("move.done", count=len(moved), version=version))


@router.get("/customers")
def customers(page: Page) -> Response:
    found = sorted(page.repo.list_customers(), key=lambda c: c.customer_id)
    return page.render("customers.html.j2", customers=found)


@router.get("/customers/<customer_id>")
def customer(page: Page, customer_id: str) -> Response:
    found = services.get_customer(page.repo, customer_id)
    invoices = sorted(services.list_invoices(page.repo, customer_id), key=lambda i: i.due)
    return page.render("customer.html.j2", customer=found, invoices=invoices)


@router.get("/invoices/<invoice_id>")
def invoice(page: Page, invoice_id: str) -> Response:
    timeline = services.invoice_timeline(page.repo, invoice_id, page.now)
    settings = page.settings
    reasons = why_not(page.repo, settings, timeline["invoice"], timeline["status"], page.now, page.lang)
    return page.render(
        "invoice.html.j2", invoice=timeline["invoice"], timeline=timeline, events=timeline["events"], reasons=reasons
    )


@router.get("/cases")
def cases(page: Page) -> Response:
    return page.render("cases.html.j2", cases=services.list_cases(page.repo))


@router.get("/usage")
def usage(page: Page) -> Response:
    month = page.request.query.get("month") or page.now.strftime("%Y-%m")
    found: dict[str, Any] = services.usage(page.repo, month)
    return page.render("usage.html.j2", month=month, usage={k: v for k, v in found.items() if k != "month"})
