"""The module paths the documentation names exist: a moved or split module takes its docs along."""

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PATH = re.compile(r"`((?:shared|functions|dunning)/[^`\s]*)")


def _braces(path: str) -> list[str]:
    """``a/{b,c}/d`` as ``a/b/d`` and ``a/c/d``."""
    match = re.search(r"\{([^}]*)\}", path)
    if match is None:
        return [path]
    return [
        x for part in match.group(1).split(",") for x in _braces(path[: match.start()] + part + path[match.end() :])
    ]


def _exists(path: str) -> bool:
    """A file or folder (placeholders ``<resource>``, ``…`` and ``*`` match any name), or a module
    followed by names defined in it (``shared/services/commit.ReminderCommits.commit``)."""
    pattern = re.sub(r"<[^>]*>|…", "*", path.rstrip("/"))
    names: list[str] = []
    while pattern:
        if not names and any(ROOT.glob(pattern)):
            return True
        modules = list(ROOT.glob(pattern + ".py"))
        if modules:
            return all(_defines(module, names) for module in modules)
        head, dot, name = pattern.rpartition(".")
        if not dot or "/" in name:
            return False
        pattern, names = head, [name, *names]
    return False


def _defines(module: Path, names: list[str]) -> bool:
    """The module has ``names[0]``, which has ``names[1]``, …"""
    found: object = importlib.import_module(".".join(module.relative_to(ROOT).with_suffix("").parts))
    for name in names:
        if not hasattr(found, name):
            return False
        found = getattr(found, name)
    return True


@pytest.mark.parametrize("doc", ["docs/architecture.md", "README.md"])
def test_every_module_path_in_the_doc_exists(doc: str) -> None:
    # Given the paths a document names in backticks
    named = {p for match in PATH.findall((ROOT / doc).read_text(encoding="utf-8")) for p in _braces(match)}
    # When each is looked up in the tree
    missing = sorted(path for path in named if not _exists(path))
    # Then none is missing
    assert named and missing == []
