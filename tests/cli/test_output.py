"""How every command speaks: help without internal codes, ``--json`` everywhere, errors in words,
quiet pipes, progress only on a terminal. No stack needed."""

import io
import json
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dunning.api_client import HttpApi, connect
from dunning.cli import main
from dunning.commands.errors import describe_refusal
from dunning.commands.payments import entry_id

DIRECT = {"local", "simulate", "demo", "load", "redrive"}  # not API commands: no --json / --api-url


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def listed(help_text: str, metavar: str) -> list[str]:
    """The subcommand names a help text lists under its COMMAND/ACTION heading."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == metavar)
    names = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        if not line.startswith("     "):
            names.append(line.split()[0])
    return names


def every_help(capsys: pytest.CaptureFixture[str]) -> dict[tuple[str, ...], str]:
    """The help of ``dunning``, of each command and of each command's actions."""
    helps: dict[tuple[str, ...], str] = {(): help_of(capsys)}
    for command in listed(helps[()], "COMMAND"):
        text = help_of(capsys, command)
        helps[(command,)] = text
        if "ACTION" in text.split("\n\n")[0]:
            for action in listed(text, "ACTION"):
                helps[(command, action)] = help_of(capsys, command, action)
    return helps


def test_help_names_no_internal_requirement_codes_and_every_api_command_takes_json(
    capsys: pytest.CaptureFixture[str],
):
    # Given the help of every command and action
    helps = every_help(capsys)
    assert len(helps) > 40 and ("invoices", "dispute") in helps and ("journals", "post") in helps
    # Then no help text names a requirement id such as O9 or C5
    coded = {" ".join(k): re.findall(r"\b[OCD][0-9]{1,2}\b", v) for k, v in helps.items()}
    assert {k: v for k, v in coded.items() if v} == {}
    # And every command that talks to the API takes --api-url, and all but import (a text report) --json
    leaves = [k for k, v in helps.items() if k and k[0] not in DIRECT and "ACTION" not in v.split("\n\n")[0]]
    assert len(leaves) > 35
    assert [k for k in leaves if "--api-url" not in helps[k]] == []
    assert [k for k in leaves if "--json" not in helps[k]] == [("import",)]


def test_templates_define_without_a_file_is_a_usage_error_not_a_traceback(capsys: pytest.CaptureFixture[str]):
    # When the file is left out
    code = main(["templates", "define"])
    err = capsys.readouterr().err
    # Then the usage says what is missing, with exit 2
    assert code == 2 and "--file" in err and "Traceback" not in err


class ClosedPipe(io.TextIOBase):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_goes_away_ends_the_command_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    # Given stdout is a pipe whose reader has gone (`dunning --help | head -0`)
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    # When a command writes to it
    code = main(["--help"])
    # Then it ends with 0 and says nothing on stderr
    assert code == 0
    assert capsys.readouterr().err == ""


def test_the_api_error_body_becomes_field_and_what_was_expected():
    # Given a refusal of a value no form of a union accepts, and a bad e-mail address
    union = {
        "error": "validation_error",
        "field": "steps[0].actions[0].literal['email','sms','bs','statement']",
        "reason": "Input should be 'email', 'sms', 'bs' or 'statement'",
        "errors": [
            {
                "field": "steps[0].actions[0].literal['email','sms','bs','statement']",
                "reason": "Input should be 'email', 'sms', 'bs' or 'statement'",
            },
            {"field": "steps[0].actions[0].FeeIn", "reason": "Input should be a valid dictionary or instance of FeeIn"},
            {
                "field": "steps[0].actions[0].CompensationIn",
                "reason": "Input should be a valid dictionary or instance of CompensationIn",
            },
            {"field": "email", "reason": "String should match pattern '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'"},
            {"field": "id", "reason": "Field required"},
        ],
    }
    # Then each field is one line saying what was expected, without pydantic's names or regexes
    assert describe_refusal(union) == [
        "email: expected an e-mail address like name@example.dk",
        "id: is required",
        "steps[0].actions[0]: expected 'email', 'sms', 'bs' or 'statement', or an object with fee / compensation",
    ]
    # And a refusal with a reason names its field; a bulk refusal lists its rows (1-based)
    assert describe_refusal({"error": "not_found", "field": "invoice_id", "reason": "invoice 'X' does not exist"}) == [
        "invoice_id: invoice 'X' does not exist"
    ]
    bulk = {
        "error": "bulk_refused",
        "field": "id",
        "reason": "1 row(s) refused",
        "errors": [{"index": 0, "field": "id", "reason": "exists"}],
    }
    assert describe_refusal(bulk) == ["id: 1 row(s) refused", "row 1: id: exists"]
    # And a run id typed wrong says what a run id looks like, not the API's regex
    run = {
        "error": "validation_error",
        "field": "resume",
        "reason": "String should match pattern '^[0-9][0-9TZ:.+-]*(~[a-z]+)?$'",
    }
    assert describe_refusal(run) == [
        "resume: expected a run id like 2026-01-29T05:00:00Z~manual (dunning runs lists them)"
    ]
    # And a gateway's own answer ({"message"}) or a bare text is said as it is
    assert describe_refusal({"message": "Forbidden"}) == ["Forbidden"]
    assert describe_refusal(None) == ["the API refused the request without a reason"]


def test_a_payment_id_is_derived_from_its_content():
    # Given the same payment twice, and one that differs only in its invoice
    first = entry_id("payments", "500.00", "2026-02-10", "I1", None)
    again = entry_id("payments", "500.00 ", "2026-02-10", "I1", None)
    other = entry_id("payments", "500.00", "2026-02-10", "I2", None)
    # Then the repeat has the same id, the other payment another, and credit notes their own
    assert first == again != other
    assert first.startswith("pay-2026-02-10-")
    assert entry_id("credit-notes", "500.00", "2026-02-10", "I1", None).startswith("cn-")


def test_connect_speaks_http_to_a_local_stack_that_serves_the_api(tmp_path: Path):
    # Given a local stack's state that names its API's URL (the server process: this one)
    state = tmp_path / "local.json"
    state.write_text(json.dumps({"pid": os.getpid(), "tenant": "acme", "api_url": "http://127.0.0.1:9/api"}))
    # When the CLI connects
    with connect(None, str(state)) as api:
        # Then it talks HTTP to that URL, unsigned
        assert isinstance(api, HttpApi) and api.base_url == "http://127.0.0.1:9/api" and not api.sign


def test_import_shows_no_progress_bar_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch):
    import dunning.commands.common
    import dunning.importer
    from dunning.commands.imports import quiet_progress

    # Given an import whose stderr is a file, not a terminal
    seen: dict[str, Any] = {}

    def run_import(api: Any, paths: list[Path], **options: Any) -> int:
        seen.update(options, paths=paths)
        return 0

    @contextmanager
    def connect(api_url: Any, local_state: Any):  # type: ignore[no-untyped-def]
        yield SimpleNamespace()

    monkeypatch.setattr(dunning.importer, "run_import", run_import)
    monkeypatch.setattr(dunning.commands.common, "connect", connect)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    # When it runs with an encoding
    assert main(["import", "export.csv", "--encoding", "cp1252", "--dry-run"]) == 0
    # Then the importer is told the options by name, with a progress that shows nothing
    assert seen["encoding"] == "cp1252" and seen["dry_run"] is True and seen["kind"] is None
    assert seen["progress"] is quiet_progress and seen["paths"] == [Path("export.csv")]
    with quiet_progress(total=3) as bar:
        bar.update(3)


def test_a_closed_pipe_ends_the_real_process_quietly():
    import subprocess

    # Given a `dunning` process whose reader is gone before it writes (`dunning --help | head -0`)
    process = subprocess.Popen(
        [sys.executable, "-m", "dunning.cli", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    # When it ends
    code = process.wait(timeout=120)
    # Then it ends with 0, and without a traceback or "Exception ignored" on stderr
    assert code == 0
    assert process.stderr.read().decode() == ""


def test_every_pattern_the_api_checks_is_said_in_words() -> None:
    # Given every text pattern of the API's request models
    from dunning.commands.errors import plain

    models = Path(__file__).resolve().parents[2] / "shared" / "api" / "models"
    patterns = {p for path in models.glob("*.py") for p in re.findall(r'pattern=r"([^"]+)"', path.read_text())}
    assert len(patterns) >= 8
    # Then a refusal by any of them reads as words, never as the regex
    for pattern in patterns:
        said = plain(f"String should match pattern '{pattern}'")
        assert pattern not in said and said.startswith("expected "), said
