"""``dunning load`` writes a deployed stack's table directly: without a region or credentials it says
what it needs (exit 2, "no stack to talk to"), not a botocore traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from dunning.cli import main

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "catch_up.yaml"


def test_load_without_a_region_says_what_it_needs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given a shell with no AWS region configured anywhere
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    # When the newcomer loads a scenario into a table
    code = main(["load", "--table", "acme-dunning", str(SCENARIO)])
    # Then it is exit 2 with one readable line on what is missing and what to give
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("dunning load: cannot write to table 'acme-dunning': You must specify a region.")
    assert "AWS_DEFAULT_REGION" in err
