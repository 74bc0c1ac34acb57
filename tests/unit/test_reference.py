"""FI +71 payment ids: the contract's worked example and the modulus-10 check digit's properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.reference import (
    MAX_REFERENCE_NUMBER,
    fi_code_line,
    is_valid_payment_id,
    mod10_check_digit,
    payment_id,
)

numbers = st.integers(min_value=1, max_value=MAX_REFERENCE_NUMBER)


def test_the_contract_s_worked_example():
    # Given reference number 2 and creditor 87654321
    # When its payment id and code line are written
    reference = payment_id(2)
    # Then they read as in the contract (and on giro-kort.dk)
    assert reference == "000000000000026"
    assert fi_code_line(reference, "87654321") == "+71<000000000000026+87654321<"


def test_known_check_digits():
    # Weights 2, 1, 2, 1 … from the right; digit sums of the products
    # 1234: 4*2=8, 3*1=3, 2*2=4, 1*1=1 -> 16 -> check 4
    assert mod10_check_digit("1234") == "4"
    # 9: 9*2=18 -> 1+8=9 -> check 1
    assert mod10_check_digit("9") == "1"
    assert mod10_check_digit("0") == "0"


@given(numbers)
def test_every_payment_id_is_fifteen_digits_and_validates(number: int):
    reference = payment_id(number)
    assert len(reference) == 15 and reference.isdigit()
    assert is_valid_payment_id(reference)
    assert int(reference[:-1]) == number


@given(numbers, st.integers(min_value=0, max_value=14), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_detected(number: int, position: int, shift: int):
    # Given a valid payment id with one digit changed (to any other digit)
    reference = payment_id(number)
    changed = str((int(reference[position]) + shift) % 10)
    typo = reference[:position] + changed + reference[position + 1 :]
    # Then it no longer validates
    assert not is_valid_payment_id(typo)


@given(numbers, numbers)
def test_different_numbers_give_different_ids(first: int, second: int):
    assert (payment_id(first) == payment_id(second)) == (first == second)


@pytest.mark.parametrize("value", ["", "00000000000002", "0000000000000260", "00000000000002a", "٠٠٠٠٠٠٠٠٠٠٠٠٠٢٦"])
def test_malformed_ids_do_not_validate(value: str):
    assert not is_valid_payment_id(value)


@pytest.mark.parametrize("number", [0, -1, MAX_REFERENCE_NUMBER + 1])
def test_numbers_outside_the_id_space_are_refused(number: int):
    with pytest.raises(ValueError, match="reference number"):
        payment_id(number)
