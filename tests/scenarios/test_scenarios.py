"""The executable specification: every scenario through `dunning simulate`, checked by
tests/support/effects.py against effects worked out by hand from the contract
(and by ../shared/tools/check_effects.py too, when that reference copy is beside the repository)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dunning.scenario import ScenarioError, load_scenario
from dunning.simulate import effect_line, simulate
from shared.domain.effects import public
from tests.conftest import REPO, SHARED
from tests.support.effects import compare, load

HERE = Path(__file__).resolve().parent
CHECKER = SHARED / "tools" / "check_effects.py"
SCENARIOS = (
    sorted(HERE.glob("*.yaml"))
    + sorted((HERE / "run_control").glob("*.yaml"))
    + sorted((HERE / "approval").glob("*.yaml"))
    + sorted((HERE / "danish").glob("*.yaml"))
    + sorted((HERE / "letters").glob("*.yaml"))
    + sorted((SHARED / "scenarios").glob("*.yaml"))
)
SENDS = {"email", "sms", "fee", "bs"}


def run(path: Path) -> list[dict]:
    return simulate(load_scenario(path))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_agrees_with_its_expected_effects(scenario: Path, tmp_path: Path):
    # Given a scenario and the effects its contract implies
    expected = scenario.with_suffix(".expected.jsonl")
    # When it is simulated
    actual = tmp_path / "actual.jsonl"
    actual.write_text("".join(effect_line(e) + "\n" for e in run(scenario)), encoding="utf-8")
    # Then the checker finds nothing missing and nothing unexpected
    comparison = compare(load(expected), load(actual))
    assert comparison.agrees, comparison.report()
    if not CHECKER.exists():
        return
    result = subprocess.run(
        [sys.executable, str(CHECKER), str(expected), str(actual)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_reminders_come_in_o16_order():
    # Given a scenario with several steps in one run
    effects = run(HERE / "consolidation_order.yaml")
    # Then within each date the last step comes first
    actual = [[e["date"], e["step"]] for e in effects if e["kind"] in SENDS]
    assert actual == json.loads((HERE / "consolidation_order.order.json").read_text())


def test_a_statement_comes_after_every_reminder_of_its_run_and_once_per_customer():
    # Given a run in which C1 has two reminders that both carry a statement
    effects = run(HERE / "letters" / "statement_one_per_run.yaml")
    statements = [(index, e) for index, e in enumerate(effects) if e["kind"] == "statement"]
    # Then each customer gets one statement per run
    assert sorted((e["date"], e["customer"]) for _, e in statements) == [("2026-01-01", "C1"), ("2026-01-06", "C1")]
    # And it comes after every reminder effect of its run (O16's last row)
    for index, statement in statements:
        reminders = [
            i
            for i, e in enumerate(effects)
            if e["kind"] in SENDS | {"skipped"} and e.get("step") and e["_run"] == statement["_run"]
        ]
        assert reminders and max(reminders) < index


def test_every_effect_has_a_date_and_a_kind_and_reminders_have_their_fields():
    for effect in map(public, run(SHARED / "scenarios" / "basic.yaml")):
        assert {"date", "kind"} <= effect.keys()
        if effect["kind"] in SENDS:
            assert {"customer", "invoices", "step", "template"} <= effect.keys()
            assert effect["invoices"] == sorted(effect["invoices"])


REFUSED = [
    (folder, name, fragment)
    for folder in (HERE / "malformed", HERE / "danish" / "refused")
    for name, fragment in sorted(json.loads((folder / "expected_errors.json").read_text()).items())
]


@pytest.mark.parametrize(("folder", "name", "fragment"), REFUSED, ids=lambda v: v if isinstance(v, str) else "")
def test_a_malformed_or_unlawful_scenario_is_refused_naming_the_field(folder: Path, name: str, fragment: str):
    with pytest.raises(ScenarioError) as refused:
        load_scenario(folder / name)
    assert fragment in str(refused.value)
    assert name in str(refused.value)


def test_the_cli_exits_2_on_a_malformed_scenario_and_prints_nothing_on_stdout():
    result = subprocess.run(
        [sys.executable, "-m", "dunning.cli", "simulate", str(HERE / "malformed" / "unknown_agreement.yaml")],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "invoices[0].agreement" in result.stderr


def cli_simulate(scenario: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """`dunning simulate SCENARIO --out OUT` as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "dunning.cli", "simulate", str(scenario), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def test_the_cli_simulates_basic_with_out_dir(tmp_path: Path):
    # Given the worked example of the contract
    out = tmp_path / "out"
    result = cli_simulate(SHARED / "scenarios" / "basic.yaml", out)
    # Then stdout is pure JSON lines and what was sent is on disk
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sum(1 for line in lines if line["kind"] == "email") == 6
    emails = sorted(out.rglob("*.eml"))
    assert len(emails) == 6
    assert "Content-Type: multipart/alternative" in emails[0].read_text()
    assert len(sorted(out.rglob("*.sms.txt"))) == 4


REASONS = sorted((HERE / "run_control").glob("*.reasons.json"))


@pytest.mark.parametrize("reasons", REASONS, ids=lambda p: p.name.split(".")[0])
def test_stopped_runs_say_what_to_fix(reasons: Path):
    # Given the words each aborted/paused run's reason must contain (the contract: the unknown id,
    # the inactive connection, the journal and the number of entries)
    wanted = json.loads(reasons.read_text())
    effects = [public(e) for e in run(reasons.with_name(reasons.name.split(".")[0] + ".yaml"))]
    for expectation in wanted:
        fields = {k: v for k, v in expectation.items() if k != "reason_contains"}
        matching = [e for e in effects if all(e.get(k) == v for k, v in fields.items())]
        assert matching, expectation
        for effect in matching:
            for fragment in expectation["reason_contains"]:
                assert fragment in effect["reason"], (effect, fragment)


def test_tenant_e_mails_are_written_with_out(tmp_path: Path):
    # Given a scenario whose runs pause and report
    scenario = load_scenario(HERE / "run_control" / "journal_pause.yaml")
    from dunning.simulate import SimulationOptions

    simulate(scenario, SimulationOptions(out_dir=tmp_path))
    # Then the pause notification is on disk as sent: Danish, with the resume command and the entries
    notifications = sorted(tmp_path.rglob("tenant-notification-*.eml"))
    assert notifications
    import email

    message = email.message_from_bytes(notifications[0].read_bytes())
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "dunning resume" in text and "Indbetalinger" in text
    assert any(p.get_content_type() == "text/html" for p in message.walk())


def test_the_usage_of_each_simulated_month_matches_the_effects_printed(tmp_path: Path):
    # Given a scenario with runs, e-mails, fees, proposals and a collection case, simulated by the CLI
    from shared.domain.metering import COUNTERS, ore, usage_increments

    out = tmp_path / "out"
    result = cli_simulate(HERE / "approval" / "collection_case.yaml", out)
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    months = sorted({effect["date"][:7] for effect in printed})
    # Then each month's usage file (what `dunning usage` shows) adds up exactly what was printed that month
    for month in months:
        usage = json.loads((out / f"usage-{month}.json").read_text())
        expected: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        for effect in printed:
            if effect["date"].startswith(month):
                for counter, value in usage_increments(effect).items():
                    expected[counter] += value
        shown = {
            counter: ore(usage[counter.removesuffix("_ore") + "_amount"])
            if counter.endswith("_ore")
            else usage[counter]
            for counter in COUNTERS
        }
        assert shown == expected, month
    assert sum(json.loads((out / f"usage-{m}.json").read_text())["collection_cases"] for m in months) == 1
