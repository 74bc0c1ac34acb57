"""The repository's own effect checker: does what `dunning simulate` printed agree with what a scenario expects?

The rules are those of the scenario contract (``../shared/scenario-format.md``,
explained in ``tests/scenarios/README.md``):

* an expected effect names only the fields it cares about; an actual effect
  fits it when every one of those fields is equal;
* every expected effect needs an actual effect of its own (one actual effect
  never answers two expectations);
* every actual ``email``, ``sms``, ``fee`` and ``bs`` effect must be expected,
  so an unexpected send is caught even in a file that lists none; an actual
  effect of any other kind must be expected only when the expected file lists
  that kind at all;
* order is not compared (a test that cares about order checks it itself).

Pairing is a maximum bipartite matching, not first-come: a vague expectation can
never take the only actual line a more specific one fits, whatever the order of
the files. Run as a script it compares two JSON Lines files (exit 0 agree,
1 differ, 2 bad input).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Effect = dict[str, Any]

# Kinds that change the outside world: every one printed must have been expected.
ALWAYS_CHECKED = frozenset({"email", "sms", "fee", "bs"})


class BadEffects(ValueError):
    """A file of effects that is not JSON Lines of objects with ``date`` and ``kind``."""


@dataclass(frozen=True)
class Comparison:
    """The outcome: what was expected and not printed, and what was printed and not expected."""

    matched: int
    missing: list[Effect]
    unexpected: list[Effect]

    @property
    def agrees(self) -> bool:
        return not self.missing and not self.unexpected

    def report(self) -> str:
        """A readable difference, one line per missing or unexpected effect, then the counts."""
        lines = [f"missing:     {json.dumps(e, sort_keys=True, ensure_ascii=False)}" for e in self.missing]
        lines += [f"unexpected:  {json.dumps(e, sort_keys=True, ensure_ascii=False)}" for e in self.unexpected]
        lines.append(f"{self.matched} matched, {len(self.missing)} missing, {len(self.unexpected)} unexpected")
        return "\n".join(lines)


def fits(expected: Effect, actual: Effect) -> bool:
    """An actual effect fits an expectation when it has every expected field, with the same value."""
    return all(key in actual and actual[key] == value for key, value in expected.items())


def compare(expected: Sequence[Effect], actual: Iterable[Effect]) -> Comparison:
    """Pair expected with actual effects (each used at most once) and say what is left over on either side."""
    kinds = ALWAYS_CHECKED | {e["kind"] for e in expected}
    checked = [a for a in actual if a.get("kind") in kinds]
    candidates = [[j for j, a in enumerate(checked) if fits(want, a)] for want in expected]
    partner_of_actual: dict[int, int] = {}
    for i in range(len(expected)):
        _augment(i, candidates, partner_of_actual, set())
    paired_expected = set(partner_of_actual.values())
    return Comparison(
        matched=len(paired_expected),
        missing=[e for i, e in enumerate(expected) if i not in paired_expected],
        unexpected=[a for j, a in enumerate(checked) if j not in partner_of_actual],
    )


def _augment(i: int, candidates: list[list[int]], partner_of_actual: dict[int, int], seen: set[int]) -> bool:
    """Kuhn's augmenting path: give expectation ``i`` an actual effect, moving earlier pairs if need be."""
    for j in candidates[i]:
        if j in seen:
            continue
        seen.add(j)
        if j not in partner_of_actual or _augment(partner_of_actual[j], candidates, partner_of_actual, seen):
            partner_of_actual[j] = i
            return True
    return False


def parse(text: str, source: str = "<effects>") -> list[Effect]:
    """The effects of a JSON Lines text; blank lines are ignored. Raises :class:`BadEffects` naming the line."""
    effects = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            effect = json.loads(line)
        except json.JSONDecodeError as error:
            raise BadEffects(f"{source}:{number}: expected a JSON object, got: {error}") from error
        if not isinstance(effect, dict) or "date" not in effect or "kind" not in effect:
            raise BadEffects(f"{source}:{number}: expected an object with 'date' and 'kind'")
        effects.append(effect)
    return effects


def load(path: Path) -> list[Effect]:
    """The effects of a ``.jsonl`` file."""
    return parse(path.read_text(encoding="utf-8"), str(path))


def main(argv: Sequence[str]) -> int:
    """``python -m tests.support.effects EXPECTED.jsonl ACTUAL.jsonl``."""
    if len(argv) != 2:
        print("usage: python -m tests.support.effects EXPECTED.jsonl ACTUAL.jsonl", file=sys.stderr)
        return 2
    try:
        comparison = compare(load(Path(argv[0])), load(Path(argv[1])))
    except (OSError, BadEffects) as error:
        print(error, file=sys.stderr)
        return 2
    print(comparison.report())
    return 0 if comparison.agrees else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
