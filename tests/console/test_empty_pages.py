"""A fresh tenant's pages say what is missing and where it comes from, instead of an empty table."""

from __future__ import annotations

import pytest

from shared.storage.memory import MemoryStore
from tests.console.harness import ConsoleClient


@pytest.mark.parametrize(
    ("path", "marker", "words"),
    [
        ("/customers", "no-customers", "Ingen kunder endnu. De kommer ind fra bogføringen med dunning import"),
        ("/templates", "no-templates", "Ingen skabeloner endnu. Definér den første med dunning templates define"),
        ("/agreements", "no-agreements", "Ingen aftaler endnu."),
    ],
)
def test_an_empty_page_says_what_is_missing_and_where_it_comes_from(path: str, marker: str, words: str) -> None:
    status, body = ConsoleClient(MemoryStore()).get(path)
    assert status == 200
    assert f'id="{marker}"' in body and words in body
    assert "<table" not in body  # no empty table (nor a move form without anything to move)
