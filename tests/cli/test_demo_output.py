"""What ``make run`` (``dunning demo``) prints: a progress line on a terminal only, the summary always."""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import dunning.demo as demo
from dunning.simulate import DayResult

REMINDER = {
    "kind": "email",
    "customer": "K001",
    "step": "Rykker 1",
    "template": "standard_v1",
    "invoices": ["F0001"],
    "key": "k1",
}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def fake_simulate(scenario: Any, options: Any, on_day: Any) -> None:
    on_day(DayResult(date(2026, 1, 1), []))
    on_day(DayResult(date(2026, 1, 2), [REMINDER]))


def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stderr: io.StringIO) -> tuple[str, str]:
    monkeypatch.setattr(demo, "simulate", fake_simulate)
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    assert demo.run_demo(tmp_path) == 0
    return stdout.getvalue(), stderr.getvalue()


def test_without_a_terminal_the_demo_prints_no_progress_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Given the demo's output going to a log (make run > log, CI)
    out, err = run(monkeypatch, tmp_path, io.StringIO())
    # Then no self-rewriting progress line is written anywhere
    assert "simulating" not in err + out and "\r" not in err + out
    # And the day's summary is there, one line per reminder
    assert "2026-01-02\n  K001   Rykker 1     standard_v1   F0001" in out


def test_on_a_terminal_the_demo_shows_its_progress(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out, err = run(monkeypatch, tmp_path, Terminal())
    assert "\r  simulating 2026-01-02 (2/" in err
    assert "K001   Rykker 1" in out


def test_make_run_says_the_console_starts_empty_and_what_fills_it() -> None:
    # The demo runs in the simulator; a newcomer who then opens the console finds an empty tenant
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    run_target = makefile[makefile.index("\nrun:") : makefile.index("\n\n", makefile.index("\nrun:") + 1)]
    assert "dunning local up" in run_target
    assert "empty" in run_target and "operator session" in run_target
    assert "8780" not in run_target  # the port is printed by 'local up' (it takes another when 8780 is busy)
