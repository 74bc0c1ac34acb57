"""The README's operator session, run verbatim against the local stack: the README cannot drift
from what works."""

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from dunning.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PROGRAM = ".venv/bin/dunning"


def session_commands(text: str) -> list[list[str]]:
    """The commands of the fenced block between the operator-session markers, comments stripped."""
    found = re.search(r"<!-- operator-session:start -->\s*```sh\n(.*?)```\s*<!-- operator-session:end -->", text, re.S)
    assert found, "README.md has no operator session between the markers"
    commands = []
    for line in found.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == PROGRAM, f"a session line runs {PROGRAM}: {line}"
            commands.append(words[1:])
    return commands


@pytest.fixture
def session_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The repository as the working directory (the session names examples/…), the state file elsewhere."""
    state = tmp_path / "local.json"
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("DUNNING_LOCAL_STATE", str(state))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    yield state
    main(["local", "down"])  # a failed session leaves no server behind


def test_the_readme_operator_session_runs_as_written(session_dir: Path, capsys: pytest.CaptureFixture[str]):
    # Given the README's session
    commands = session_commands(README.read_text(encoding="utf-8"))
    assert commands[0] == ["local", "up"] and commands[-1] == ["local", "down"]
    outputs: dict[str, str] = {}
    # When each command runs as written
    for argv in commands:
        capsys.readouterr()
        code = main(argv)
        out, err = capsys.readouterr()
        # Then each one succeeds
        assert code == 0, f"`dunning {shlex.join(argv)}` ended with {code}:\n{err}"
        outputs.setdefault(" ".join(argv[:2]), out)
    # And the session did what its comments say
    assert outputs["templates define"].startswith("created: standard_v1")
    assert "4 customers" in outputs["import examples/e-conomic-debitorer.csv"]
    assert "Hansen & Søn ApS" in outputs["preview standard"]  # the settings sign the letter
    assert outputs["start --wait"].splitlines()[1].split()[2] == "completed"  # run_id, kind, status
    assert outputs["approve --all"].splitlines()[0].split() == ["key", "outcome", "reason"]
    assert "approved" in outputs["approve --all"]
    assert "email" in outputs["invoices timeline"]
    assert not session_dir.exists()  # local down removed the state


def test_the_session_is_found_and_each_line_is_a_command():
    # Given a README fragment with the markers, a comment and a continuation of words
    text = (
        "before\n<!-- operator-session:start -->\n```sh\n"
        f"{PROGRAM} local up   # start\n\n{PROGRAM} settings set tenant_name='Hansen ApS'\n"
        "```\n<!-- operator-session:end -->\nafter"
    )
    # Then the commands come out as argv lists, quoting and comments handled
    assert session_commands(text) == [["local", "up"], ["settings", "set", "tenant_name=Hansen ApS"]]
