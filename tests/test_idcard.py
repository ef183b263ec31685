"""kq.id_card_info: resident identity numbers read without guessing."""

from __future__ import annotations

import pandas as pd
import pytest

import kequn_lib as kq

GOOD = "11010519491231002X"  # the standard's own example (GB 11643-1999)


def test_valid_numbers_give_birth_age_sex_region():
    ids = pd.Series([GOOD, "110105491231002", "440304199001011234"], index=["a", "b", "c"])
    info = kq.id_card_info(ids, as_of="2024-12-31")
    assert info.index.tolist() == ["a", "b", "c"]
    assert info.loc["a", "valid"] and info.loc["a", "check_digit_ok"]
    assert info.loc["a", "birth_date"] == pd.Timestamp("1949-12-31")
    assert info.loc["a", "age"] == 75 and info.loc["a", "sex"] == "female"
    assert info.loc["a", "region_code"] == "110105"
    assert info.loc["b", "valid"] and pd.isna(info.loc["b", "check_digit_ok"])  # 15 digits
    # the age changes on the birthday, not before
    before = kq.id_card_info([GOOD], as_of="2024-12-30").loc[0, "age"]
    assert before == 74


def test_check_digit_is_iso_7064_mod_11_2():
    # changing any one digit breaks the check character
    for pos in range(17):
        digit = str((int(GOOD[pos]) + 1) % 10)
        broken = GOOD[:pos] + digit + GOOD[pos + 1:]
        info = kq.id_card_info([broken], as_of="2024-01-01").iloc[0]
        assert not info["valid"], broken
    assert kq.id_card_info([GOOD.lower()], as_of="2024-01-01").loc[0, "valid"]


@pytest.mark.parametrize("bad, why", [
    ("11010519490230002X", "does not exist"),
    ("110105194912310021", "check digit"),
    ("1101051949", "characters"),
    ("11010520991231002X", "after as_of"),
    (None, "missing"),
])
def test_invalid_numbers_are_flagged_never_guessed(bad, why):
    info = kq.id_card_info([bad], as_of="2024-01-01").iloc[0]
    assert not info["valid"] and why in info["problem"]
    assert pd.isna(info["birth_date"]) and pd.isna(info["age"]) and info["sex"] is None


def test_bad_as_of():
    with pytest.raises(kq.ParameterError, match="as_of"):
        kq.id_card_info([GOOD], as_of="someday")
