"""The status report of a fanned-out run states the whole run's counts and points to the console,
instead of listing every reminder (one report per run, never one per shard)."""

from __future__ import annotations

from datetime import date

import pytest

from shared.rendering.reports import RunTotals, StatusReport, render_status_report


def fanned_out(language: str) -> StatusReport:
    return StatusReport(
        tenant_name="Hansen & Søn ApS",
        language=language,  # type: ignore[arg-type]
        run_id="2026-03-06T05:00:00Z",
        run_date=date(2026, 3, 6),
        run_kind="scheduled",
        console_link="https://console.example/app/runs/2026-03-06T05:00:00Z",
        totals=RunTotals(reminders=9_876, proposals=12, held_back=3, shards=64),
    )


@pytest.mark.parametrize(
    ("language", "sent", "split"),
    [("en", "9876 reminders sent", "Split over 64 shards"), ("da", "9876 rykkere sendt", "Delt i 64 dele")],
)
def test_a_fanned_out_runs_report_states_its_totals_and_points_to_the_console(language: str, sent: str, split: str):
    rendered = render_status_report(fanned_out(language))
    # Then the subject and both parts count the whole run, and say where the reminders are listed
    assert sent in rendered.subject
    for part in (rendered.text, rendered.html):
        assert sent in part and split in part
        assert "12 " in part and "3 " in part  # proposals and held back
        assert "https://console.example/app/runs/" in part


def test_a_small_runs_report_is_unchanged_by_the_totals_field():
    small = fanned_out("en").model_copy(update={"totals": None})
    rendered = render_status_report(small)
    assert "0 reminders sent" in rendered.text and "Split over" not in rendered.text
