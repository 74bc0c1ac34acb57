"""The in-repo effect checker (tests/support/effects.py) applies the scenario contract's comparison rules."""

from pathlib import Path

import pytest

from tests.support.effects import BadEffects, compare, main, parse

EMAIL_C1 = {"date": "2026-01-19", "kind": "email", "customer": "C1", "invoices": ["I1"], "step": "Rykker 1"}
RUN = {"date": "2026-01-19", "kind": "run", "status": "completed"}


def test_an_expectation_names_only_the_fields_it_cares_about():
    # Given an expectation without the subject, and an actual e-mail with one
    expected = [{"date": "2026-01-19", "kind": "email", "customer": "C1"}]
    # When compared
    result = compare(expected, [{**EMAIL_C1, "subject": "Påmindelse"}])
    # Then they agree
    assert result.agrees and result.matched == 1


def test_a_field_with_another_value_or_absent_does_not_fit():
    # Given expectations on a step the actual e-mail does not have, and on a field it lacks
    result = compare([{**EMAIL_C1, "step": "Rykker 2"}, {**EMAIL_C1, "to": None}], [EMAIL_C1])
    # Then both are missing and the e-mail is unexpected
    assert len(result.missing) == 2 and result.unexpected == [EMAIL_C1]
    assert not result.agrees


def test_an_unexpected_send_is_caught_even_when_the_file_lists_no_sends():
    # Given a file expecting only runs, and an output with a run and an e-mail
    result = compare([RUN], [RUN, EMAIL_C1])
    # Then the e-mail is unexpected
    assert result.unexpected == [EMAIL_C1] and result.missing == []


def test_other_kinds_are_checked_only_when_the_file_lists_them():
    # Given a file of e-mails only, and an output with an extra run line and a skipped line
    skipped = {"date": "2026-01-19", "kind": "skipped", "action": "sms"}
    assert compare([EMAIL_C1], [EMAIL_C1, RUN, skipped]).agrees
    # Then a file that lists runs must match every run line
    second_run = {**RUN, "date": "2026-01-20"}
    result = compare([EMAIL_C1, RUN], [EMAIL_C1, RUN, second_run, skipped])
    assert result.unexpected == [second_run]


def test_one_actual_effect_answers_one_expectation_only():
    # Given the same e-mail expected twice, printed once
    result = compare([EMAIL_C1, EMAIL_C1], [EMAIL_C1])
    # Then one expectation is missing
    assert result.matched == 1 and result.missing == [EMAIL_C1]


def test_a_vague_expectation_never_takes_the_only_line_a_specific_one_fits():
    # Given a vague expectation listed first, then a specific one, and two e-mails printed
    vague = {"date": "2026-01-19", "kind": "email"}
    specific = {"date": "2026-01-19", "kind": "email", "customer": "C2"}
    email_c2 = {**EMAIL_C1, "customer": "C2"}
    # When the output order would tempt a first-come pairing into taking C2 for the vague one
    result = compare([vague, specific], [email_c2, EMAIL_C1])
    # Then both are paired
    assert result.agrees and result.matched == 2


def test_order_is_not_compared():
    other = {**EMAIL_C1, "customer": "C2"}
    assert compare([EMAIL_C1, other], [other, EMAIL_C1]).agrees


def test_a_line_without_date_or_kind_is_refused_naming_the_line():
    with pytest.raises(BadEffects, match=r"f.jsonl:2: expected an object with 'date' and 'kind'"):
        parse('{"date": "2026-01-01", "kind": "run"}\n{"kind": "run"}\n', "f.jsonl")
    with pytest.raises(BadEffects, match=r"f.jsonl:1: expected a JSON object"):
        parse("not json\n", "f.jsonl")


def test_the_script_exits_0_1_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # Given an expected file, an agreeing output, a differing one and a broken one
    expected, same, differs, broken = (tmp_path / n for n in ("e.jsonl", "a.jsonl", "d.jsonl", "b.jsonl"))
    expected.write_text('{"date": "2026-01-19", "kind": "email", "customer": "C1"}\n\n')
    same.write_text('{"date": "2026-01-19", "kind": "email", "customer": "C1", "to": "x@example.dk"}\n')
    differs.write_text('{"date": "2026-01-20", "kind": "email", "customer": "C1"}\n')
    broken.write_text("{")
    # Then the exit status says which
    assert main([str(expected), str(same)]) == 0
    assert main([str(expected), str(differs)]) == 1
    assert "missing:" in capsys.readouterr().out
    assert main([str(expected), str(broken)]) == 2
    assert main([str(expected)]) == 2
