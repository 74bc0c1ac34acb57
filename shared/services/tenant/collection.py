"""Debt-collection cases handed to the partner (O14)."""

from __future__ import annotations

from typing import Any

from shared.storage.protocols import Store


def list_cases(repo: Store) -> list[dict[str, Any]]:
    """Every case handed over, by key."""
    return sorted(repo.cases(), key=lambda case: case["key"])
