from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.rendering.content import ReminderContent
from shared.rendering.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MAX_REMINDER_SEGMENTS,
    count_segments,
    normalize_phone,
    render_sms,
)
from tests.unit import rendering_support
from tests.unit.rendering_support import invoice

EMOJI = "😀"  # outside the BMP: two UTF-16 code units


def reminder(**overrides: Any) -> ReminderContent:
    """The shared reminder, its two invoices wholly unpaid."""
    return rendering_support.reminder(
        **{"invoices": [invoice("1001", "750.00"), invoice("1002", "500.00")]} | overrides
    )


# --- segment counting: GSM-7 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "segments"),
    [(0, 1), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_segment_boundaries(length: int, segments: int) -> None:
    # Given a plain GSM-7 text of a given length
    # When its segments are counted
    counted = count_segments("a" * length)
    # Then one segment holds 160 septets, concatenated ones 153 each
    assert counted.encoding == "GSM-7"
    assert counted.characters == length
    assert counted.segments == segments


def test_extension_characters_count_two_septets() -> None:
    # Given 80 euro signs: 160 septets in 80 characters
    # When counted
    counted = count_segments("€" * 80)
    # Then they just fill one segment; one more tips it into two
    assert (counted.encoding, counted.characters, counted.segments) == ("GSM-7", 160, 1)
    assert count_segments("€" * 80 + "a").segments == 2


@pytest.mark.parametrize("char", sorted(GSM7_EXTENSION))
def test_every_extension_character_is_two_septets(char: str) -> None:
    # Given one character of the extension table (form feed included)
    # When counted
    counted = count_segments(char)
    # Then it stays GSM-7 and costs an escape plus itself
    assert counted.encoding == "GSM-7"
    assert counted.characters == 2


def test_extension_character_never_straddles_two_segments() -> None:
    # Given 152 septets, then "€" (2 septets), then 152 more: 306 septets, which naive
    # division would fit in 2 segments of 153
    text = "a" * 152 + "€" + "a" * 152
    # When counted
    counted = count_segments(text)
    # Then "€" cannot be split across segments 1 and 2, so it opens segment 2 and the
    # text spills into a third
    assert counted.characters == 306
    assert counted.segments == 3


def test_extension_character_exactly_filling_a_segment_does_not_open_a_new_one() -> None:
    # Given 151 septets, "€" ending exactly at septet 153, then 153 more
    text = "a" * 151 + "€" + "a" * 153
    # When counted
    counted = count_segments(text)
    # Then segment 1 is full to the brim and the rest fills segment 2 exactly
    assert counted.characters == 306
    assert counted.segments == 2


def test_danish_letters_stay_gsm7() -> None:
    # Given a Danish text with æ ø å in both cases
    text = "Rykker: Æblegrød på Østergade, Århus – nej: æ ø å Æ Ø Å"
    # When the en dash is left out, the text is GSM-7 and each letter costs one septet
    danish = text.replace(" – nej", "")
    counted = count_segments(danish)
    assert counted.encoding == "GSM-7"
    assert counted.characters == len(danish)
    # Then a single en dash, which is not in the alphabet, makes the whole text UCS-2
    assert count_segments(text).encoding == "UCS-2"


def test_whole_basic_alphabet_is_one_septet_each() -> None:
    # Given every character of the GSM 03.38 default alphabet
    text = "".join(sorted(GSM7_BASIC))
    # When counted
    counted = count_segments(text)
    # Then all 127 (128 less the escape) are GSM-7 at one septet each
    assert len(GSM7_BASIC) == 127
    assert counted.encoding == "GSM-7"
    assert counted.characters == 127
    assert set("éÉüÜäÄöÖñÑßàòùìèÇ¿¡§¤£¥") <= GSM7_BASIC


@pytest.mark.parametrize("char", ["ç", "\xa0", "’", "–", "á", "`"])
def test_lookalikes_outside_the_alphabet_force_ucs2(char: str) -> None:
    # Given a character that is easily mistaken for GSM-7 (only capital Ç is in the table)
    # When a text containing it is counted
    counted = count_segments("Betales straks " + char)
    # Then the text is UCS-2
    assert counted.encoding == "UCS-2"


# --- segment counting: UCS-2 ---------------------------------------------------------


def test_emoji_makes_ucs2_and_counts_two_units() -> None:
    # Given 68 letters and one emoji: 70 UTF-16 units
    # When counted
    at_limit = count_segments("a" * 68 + EMOJI)
    over_limit = count_segments("a" * 69 + EMOJI)
    # Then 70 units fit one UCS-2 segment, 71 need two
    assert (at_limit.encoding, at_limit.characters, at_limit.segments) == ("UCS-2", 70, 1)
    assert (over_limit.encoding, over_limit.characters, over_limit.segments) == ("UCS-2", 71, 2)


@pytest.mark.parametrize(("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_segment_boundaries(length: int, segments: int) -> None:
    # Given a UCS-2 text of a given length ("ç" is not in the GSM-7 alphabet)
    text = "ç" * length
    # When counted
    counted = count_segments(text)
    # Then one segment holds 70 units, concatenated ones 67 each
    assert counted.encoding == "UCS-2"
    assert counted.characters == length
    assert counted.segments == segments


def test_surrogate_pair_never_straddles_two_segments() -> None:
    # Given 66 units, an emoji (2 units), then 66 more: 134 units, which naive division
    # would fit in 2 segments of 67
    text = "ç" * 66 + EMOJI + "ç" * 66
    # When counted
    counted = count_segments(text)
    # Then the emoji opens segment 2 and the text spills into a third
    assert counted.characters == 134
    assert counted.segments == 3


def test_empty_text_takes_one_segment() -> None:
    # Given nothing to send
    # When counted
    counted = count_segments("")
    # Then it is still one (empty) GSM-7 segment
    assert (counted.encoding, counted.characters, counted.segments) == ("GSM-7", 0, 1)


SMS_CHARS = st.sampled_from(sorted(GSM7_BASIC) + sorted(GSM7_EXTENSION) + ["ç", "–", EMOJI, "中"])


@given(st.text(alphabet=SMS_CHARS, max_size=600))
def test_segments_hold_what_was_counted_and_no_more_than_needed(text: str) -> None:
    # Given any text mixing GSM-7, extension, BMP and astral characters
    # When counted
    counted = count_segments(text)
    single, concatenated = (160, 153) if counted.encoding == "GSM-7" else (70, 67)
    limit = single if counted.segments == 1 else concatenated
    # Then there is at least one segment, the segments hold every unit, and only a
    # two-unit character pushed to the next segment leaves a segment one unit short
    assert counted.segments >= 1
    assert counted.segments * limit >= counted.characters
    assert (counted.segments == 1) == (counted.characters <= single)
    if counted.segments > 1:
        assert counted.characters >= (counted.segments - 1) * (concatenated - 1) + 1


@given(st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC)), max_size=400))
def test_basic_alphabet_text_is_gsm7_one_septet_per_character(text: str) -> None:
    # Given any text from the basic table only
    # When counted
    counted = count_segments(text)
    # Then it is GSM-7, one septet per character
    assert counted.encoding == "GSM-7"
    assert counted.characters == len(text)


# --- the reminder SMS ----------------------------------------------------------------


def test_danish_sms_says_who_what_how_much_and_by_when() -> None:
    # Given a Danish reminder over two invoices (no reference, no ways to pay)
    # When the SMS is rendered
    sms = render_sms(reminder())
    # Then it names tenant, step, invoices, total and pay-by date (never "at once") and fits GSM-7
    assert sms.text == (
        "Hansen & Søn ApS: Rykker 2. Fakturaerne 1001, 1002 er ikke betalt. Betal 1.250,00 kr. senest 25. januar 2026."
    )
    assert sms.encoding == "GSM-7"
    assert sms.segments == 1
    assert sms.characters == len(sms.text)


def test_english_sms_for_one_invoice() -> None:
    # Given an English reminder over one invoice
    # When the SMS is rendered
    sms = render_sms(reminder(language="en", invoices=[invoice("1001", "99.50")]))
    # Then it is English, singular, with a pay-by date
    assert sms.text == "Hansen & Søn ApS: Reminder. Invoice 1001 is unpaid. Please pay DKK 99.50 by 25 January 2026."
    assert sms.encoding == "GSM-7"


def test_sms_fee_and_last_step_sentences_still_fit_two_segments() -> None:
    # Given the last step, with a fee
    content = reminder(step_number=3, step_count=3, fee=Decimal("100"))
    # When rendered in both languages
    da = render_sms(content)
    en = render_sms(content.model_copy(update={"language": "en"}))
    # Then the fee is stated with when it is charged, and the text stays within budget
    assert "Rykkergebyr 100,00 kr. kommer på din næste faktura." in da.text
    assert "Reminder fee DKK 100.00 comes on your next invoice." in en.text
    for sms in (da, en):
        assert sms.encoding == "GSM-7"
        assert sms.segments <= MAX_REMINDER_SEGMENTS


def test_sms_without_fee_mentions_no_fee() -> None:
    # Given a step without a fee
    # When rendered
    sms = render_sms(reminder(fee=None))
    # Then no fee is mentioned
    assert "gebyr" not in sms.text


def test_sms_drops_invoice_numbers_that_do_not_fit() -> None:
    # Given forty invoices, whose numbers alone would fill more than two segments
    many = [invoice(f"INV-2025-{n:05d}", "100.00") for n in range(40)]
    # When the SMS is rendered
    sms = render_sms(reminder(invoices=many, fee=Decimal("100"), step_number=3, step_count=3))
    # Then it gives their count instead and stays within budget
    assert "INV-2025" not in sms.text
    assert "Du har 40 ubetalte fakturaer." in sms.text
    assert "4.000,00 kr." in sms.text
    assert sms.segments <= MAX_REMINDER_SEGMENTS


def test_sms_is_one_line_and_reports_ucs2_for_an_emoji_tenant() -> None:
    # Given a tenant name with a line break and an emoji
    sms = render_sms(reminder(tenant_name="Bager\nOlsen " + EMOJI))
    # When rendered
    # Then the text is one line and the counter reports UCS-2 honestly
    assert "\n" not in sms.text
    assert sms.text.startswith("Bager Olsen " + EMOJI + ": Rykker 2.")
    assert sms.encoding == "UCS-2"
    assert sms.characters == len(sms.text) + 1  # the emoji is two UTF-16 units
    assert sms.segments == count_segments(sms.text).segments


# --- phone numbers -------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["+45 20 12 34 56", "20123456", "20 12 34 56", "0045 20123456", "+45-2012-3456"])
def test_danish_numbers_normalise_to_e164(raw: str) -> None:
    # Given a Danish mobile number written in one of the usual ways
    # When normalised with Denmark as default region
    # Then it is E.164
    assert normalize_phone(raw) == "+4520123456"


def test_default_region_applies_to_numbers_without_prefix() -> None:
    # Given a Swedish number written nationally
    # When normalised with Sweden as default region
    # Then the Swedish country code is used
    assert normalize_phone("070-123 45 67", default_region="SE") == "+46701234567"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("garbage", "not a phone number: it does not look like a phone number"),
        ("", "not a phone number"),
        ("+999 1234", "country code"),
        ("123", r"not a possible phone number \(\+45\): it is too short"),
        ("+45 2012345678901", "not a possible phone number"),
        ("12345678", r"not a valid phone number \(\+45\)"),
    ],
)
def test_bad_numbers_raise_value_error_naming_the_problem(raw: str, problem: str) -> None:
    # Given something that is not a usable phone number
    # When it is normalised
    # Then a ValueError says what is wrong with it
    with pytest.raises(ValueError, match=problem):
        normalize_phone(raw)


def test_error_message_does_not_repeat_the_number() -> None:
    # Given an invalid number (error messages end up in logs)
    # When it is normalised
    with pytest.raises(ValueError) as error:
        normalize_phone("12345678")
    # Then the message names the problem, not the digits
    assert "12345678" not in str(error.value)


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_collection_warning_names_its_deadline_and_stays_gsm7(language: str) -> None:
    # Given the step that is the collection warning (inkassoloven § 10)
    content = reminder(language=language, warning_deadline=date(2026, 3, 23))
    # When the SMS is rendered
    rendered = render_sms(content)
    # Then it says so, with the deadline, and no character forces UCS-2
    assert ("Inkassovarsel" if language == "da" else "Debt collection warning") in rendered.text
    assert ("inkasso" if language == "da" else "debt collection") in rendered.text
    assert "straks" not in rendered.text and "immediately" not in rendered.text
    assert "2026" in rendered.text and "23" in rendered.text
    assert rendered.encoding == "GSM-7"


def test_the_warnings_otherwise_follows_the_payment_it_is_about_not_the_fee_line():
    # Given the collection warning's SMS with a fee (demo 2026-02-24, K001)
    from datetime import date as _date
    from decimal import Decimal as _Decimal

    from shared.rendering.content import ClaimLine
    from shared.rendering.letters import render_reminder
    from tests.unit.letter_samples import SETTINGS, Addressee, message

    charged = [ClaimLine(kind="fee", amount=_Decimal("100.00"), created_on=_date(2026, 3, 6))]
    for language, pay, otherwise, fee in (
        ("da", "Betal ", "Ellers går kravet til inkasso", "Rykkergebyr 100,00 kr."),
        ("en", "Please pay ", "Otherwise it goes to debt collection", "Reminder fee DKK 100.00"),
    ):
        text = render_reminder(message(3), Addressee("Jens Hansen", language), SETTINGS, None, charged).sms.text
        # Then "otherwise" comes right after the payment sentence (which ends with the pay link),
        # before the reference and the fee line
        assert text.index(pay) < text.index(f"/000000000000026. {otherwise}") < text.index("Ref. ")
        assert text.index(otherwise) < text.index(fee)
