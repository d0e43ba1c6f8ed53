"""GB 11643 numbers, the GB 3304 民族 table, masking and the keyed hash."""
from __future__ import annotations

from datetime import date

import pytest

from devices.idcard import idnumber
from devices.idcard.nation import NATIONS, nation_code, nation_name


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_the_standards_worked_examples_are_valid(number):
    assert idnumber.check_digit(number[:17]) == number[17]
    assert idnumber.is_valid(number)


def test_lower_case_x_and_spaces_are_normalized():
    assert idnumber.is_valid(" 11010519491231002x ")
    assert idnumber.normalize(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("number", [
    "110105194912310021",  # wrong check digit
    "11010519491331002X",  # month 13 (check digit recomputed below would not help)
    "1101051949123100",  # too short
    "11010519491231002Y",
    "",
])
def test_invalid_numbers(number):
    assert not idnumber.is_valid(number)


def test_a_correct_check_digit_does_not_save_an_impossible_date():
    first17 = "11010519490230001"  # 30 February
    assert not idnumber.is_valid(first17 + idnumber.check_digit(first17))


def test_check_digit_needs_17_digits():
    with pytest.raises(ValueError):
        idnumber.check_digit("1234")


def test_birth_date_and_sex_from_the_number():
    assert idnumber.birth_date("11010519491231002X") == date(1949, 12, 31)
    assert idnumber.sex_code("11010519491231002X") == "2"  # 17th digit 2: even, female
    assert idnumber.sex_code("440524188001010014") == "1"
    assert idnumber.birth_date("bad") is None and idnumber.sex_code("bad") is None


def test_2017_permit_shape():
    assert idnumber.is_permit_2017_shape("USA110800115001")
    assert not idnumber.is_permit_2017_shape("US1110800115001")
    assert not idnumber.is_permit_2017_shape("USA11080011500")


@pytest.mark.parametrize("number, masked", [
    ("370102195505200046", "3701**********0046"),
    ("11010519491231002x", "1101**********002X"),
    ("USA110800115001", "USA1*******5001"),
    ("12345678", "********"),
])
def test_mask_id_number(number, masked):
    assert idnumber.mask_id_number(number) == masked


@pytest.mark.parametrize("name, masked", [
    ("张三丰", "张*丰"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("王", "*"), ("", ""),
    ("阿依古丽·买买提", "阿******提"), ("DOE, JANE", "D*******E"),
])
def test_mask_name(name, masked):
    assert idnumber.mask_name(name) == masked


def test_keyed_hash_is_hmac_sha256_of_the_normalized_number_written_in_letters():
    # reference value from: printf %s 11010519491231002X | openssl dgst -sha256 -hmac hall-secret
    # = cf6049a9da497dbb7a1db59c2fe8c51e9bb7b0db6e03fabb2165927026e032e8, one letter a-p per hex digit
    expected = "kh-mpgaejkjnkejhnllhkbnlfjmcpoimfbojllhlanlgoadpkllcbgfjchacgoadcoi"
    assert idnumber.is_keyed_hash(expected) and not any(c.isdigit() for c in expected[3:])
    assert idnumber.keyed_hash("11010519491231002X", b"hall-secret") == expected
    assert idnumber.keyed_hash("11010519491231002x ", "hall-secret") == expected
    assert idnumber.keyed_hash("11010519491231002X", b"other-hall") != expected


def test_keyed_hash_refuses_an_empty_key():
    with pytest.raises(ValueError):
        idnumber.keyed_hash("11010519491231002X", b"")


def test_nation_table_has_56_groups_and_the_two_extra_codes():
    assert len(NATIONS) == 58
    assert [f"{n:02d}" for n in range(1, 57)] + ["97", "98"] == list(NATIONS)
    assert nation_name("01") == "汉" and nation_name("1") == "汉"
    assert nation_name("46") == "德昂"  # not Heiher's typo 德昴
    assert nation_name("56") == "基诺"
    assert nation_name("97") == "其他"
    assert nation_name("98") == "外国血统中国籍人士"
    assert nation_name("57") is None and nation_name("") is None
    assert nation_code("维吾尔族") == "05" and nation_code("蒙古") == "02" and nation_code("火星") is None
