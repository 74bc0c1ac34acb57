"""The console's pages, one module per area; importing a module registers its routes on
``shared.console.app.router``.

A request registers only the modules its path can match (``PAGES_OF_SEGMENT``, by the path's
first segment, pinned against the routes by ``tests/unit/test_cold_imports_http.py``): the
login page or the overview loads its own page code, not every page's. A path of no page
matches no route either way (the same 404).
"""

from __future__ import annotations

import importlib

PAGES = ("approvals", "auth", "data", "runs", "settings", "templates")
"""Every page module, in the order they are registered."""

PAGES_OF_SEGMENT: dict[str, tuple[str, ...]] = {
    "": ("runs",),
    "status": ("runs",),
    "runs": ("runs",),
    "settings": ("runs", "settings"),
    "approvals": ("approvals",),
    "login": ("auth",),
    "logout": ("auth",),
    "link": ("auth",),
    "agreements": ("data",),
    "customers": ("data",),
    "invoices": ("data",),
    "cases": ("data",),
    "usage": ("data",),
    "templates": ("templates",),
}
"""The page modules with a route under each first path segment (``/settings/switch`` is the overview's)."""


def pages_for(path: str) -> tuple[str, ...]:
    """The page modules whose routes can match ``path``."""
    segment = path.split("/", 2)[1] if path.startswith("/") else None
    return PAGES_OF_SEGMENT.get(segment, ()) if segment is not None else ()


def register(pages: tuple[str, ...] = PAGES) -> None:
    """Import (once) the page modules ``pages``, which registers their routes."""
    for page in pages:
        importlib.import_module(f"shared.console.pages.{page}")
