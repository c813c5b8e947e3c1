import datetime

import pytest
from django.core.exceptions import ValidationError

from submissions.identity import (
    GENDER_CHOICES,
    PROVINCE_CODES,
    mask_id_number,
    validate_id_number,
    validate_phone,
)

pytestmark = pytest.mark.usefixtures("english")


def _error(callable_, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        callable_(*args, **kwargs)
    return excinfo.value


# --- reference data -------------------------------------------------------


def test_the_official_list_has_63_province_codes():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["014"] == "Sơn La"
    assert PROVINCE_CODES["001"] == "Hà Nội"
    assert PROVINCE_CODES["096"] == "Cà Mau"
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCE_CODES)


def test_gender_choices_are_male_and_female_only():
    assert [value for value, _label in GENDER_CHOICES] == ["male", "female"]


# --- ID number: valid ---------------------------------------------------------


def test_a_son_la_man_born_in_1990_is_accepted():
    assert (
        validate_id_number("014090001234", date_of_birth=datetime.date(1990, 5, 17), gender="male")
        == "014090001234"
    )


def test_a_son_la_woman_born_in_2001_is_accepted():
    assert (
        validate_id_number("014301004567", date_of_birth=datetime.date(2001, 1, 2), gender="female")
        == "014301004567"
    )


def test_the_number_alone_is_accepted_without_date_of_birth_or_gender():
    assert validate_id_number("001099123456") == "001099123456"


def test_an_empty_gender_is_treated_as_not_given():
    assert validate_id_number("014090001234", gender="") == "014090001234"


def test_the_date_of_birth_may_be_a_datetime_or_a_year():
    assert validate_id_number("014090001234", date_of_birth=datetime.datetime(1990, 5, 17, 8, 0))
    assert validate_id_number("014090001234", date_of_birth=1990)


def test_spaces_dots_and_dashes_are_removed():
    assert validate_id_number("014 090 001 234") == "014090001234"
    assert validate_id_number("014.090.001.234") == "014090001234"
    assert validate_id_number("014-090-001234") == "014090001234"
    assert validate_id_number("  014090001234\n") == "014090001234"


@pytest.mark.parametrize(
    ("number", "year", "gender"),
    [
        ("001885000001", 1885, "male"),  # 8: male, 1800s
        ("001985000001", 1885, "female"),  # 9: female, 1800s
        ("001450000001", 2150, "male"),  # 4: male, 2100s
        ("001550000001", 2150, "female"),  # 5: female, 2100s
        ("001600000001", 2200, "male"),  # 6: male, 2200s
        ("001700000001", 2200, "female"),  # 7: female, 2200s
    ],
)
def test_every_century_digit_is_decoded(number, year, gender):
    assert validate_id_number(number, date_of_birth=year, gender=gender) == number


# --- ID number: refused ---------------------------------------------------------


@pytest.mark.parametrize("value", ["01409000123", "0140900012345", "", "   "])
def test_a_number_without_exactly_12_digits_is_refused(value):
    error = _error(validate_id_number, value)
    assert error.code == "format"
    assert error.messages == ["The ID number must have exactly 12 digits."]


@pytest.mark.parametrize("value", ["01409000123A", "O14090001234", "014090/01234"])
def test_a_number_with_letters_or_other_symbols_is_refused(value):
    assert _error(validate_id_number, value).code == "format"


def test_non_ascii_digits_are_refused():
    assert _error(validate_id_number, "٠١٤٠٩٠٠٠١٢٣٤").code == "format"


def test_none_is_refused_as_a_format_error():
    assert _error(validate_id_number, None).code == "format"


@pytest.mark.parametrize("code", ["099", "000", "003", "097"])
def test_an_unknown_province_code_is_refused(code):
    error = _error(validate_id_number, code + "090001234")
    assert error.code == "province"
    assert error.messages == [f"The first three digits ({code}) are not a province code."]


def test_a_birth_year_that_does_not_match_is_refused():
    error = _error(validate_id_number, "014090001234", date_of_birth=datetime.date(1991, 5, 17))
    assert error.code == "birth_year"
    assert error.messages == ["The ID number does not match the date of birth: it says born in 1990."]


def test_a_century_digit_that_does_not_match_is_refused():
    # Digit 4 = 0 means born 1900-1999, so "05" is 1905, not 2005.
    error = _error(validate_id_number, "014005001234", date_of_birth=datetime.date(2005, 3, 1))
    assert error.code == "birth_year"
    assert "1905" in error.messages[0]


def test_a_man_with_a_female_number_is_refused():
    error = _error(validate_id_number, "014301004567", gender="male")
    assert error.code == "gender"
    assert error.messages == ["The ID number does not match the gender given."]


def test_a_woman_with_a_male_number_is_refused():
    error = _error(validate_id_number, "014090001234", date_of_birth=1990, gender="female")
    assert error.code == "gender"


def test_format_is_checked_before_province_and_province_before_birth_year():
    assert _error(validate_id_number, "099", date_of_birth=1990).code == "format"
    assert _error(validate_id_number, "099190001234", date_of_birth=1991).code == "province"


def test_an_unsupported_gender_value_is_a_programming_error():
    with pytest.raises(ValueError, match="gender must be 'male' or 'female', not 'other'"):
        validate_id_number("014090001234", gender="other")


# --- phone numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0912345678", "0912345678"),
        ("091 234 5678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("091-234-5678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("(+84) 912-345-678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("0362 123 456", "0362123456"),
        ("0523 456 789", "0523456789"),
        ("0701 234 567", "0701234567"),
        ("0812 345 678", "0812345678"),
        ("0212 3852 123", "02123852123"),
        ("(0212) 3852 123", "02123852123"),
        ("+84 212 3852 123", "02123852123"),
        ("024 3825 1234", "02438251234"),
    ],
)
def test_each_phone_format_is_accepted_and_normalised(value, expected):
    assert validate_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "091234567",  # too short
        "09123456789",  # mobile too long
        "0212385212",  # landline too short
        "01234567890",  # old 01x mobile prefix
        "0123 456 789",
        "0412345678",  # 04 is not a mobile prefix
        "0612345678",
        "912345678",  # missing leading 0
        "+1 415 555 0123",  # foreign
        "+44 20 7946 0958",
        "0912a45678",
        "09123+45678",
        "",
        None,
    ],
)
def test_bad_phone_numbers_are_refused(value):
    error = _error(validate_phone, value)
    assert error.code == "phone"
    assert error.messages == ["Enter a Vietnamese phone number, e.g. 0912 345 678."]


# --- masking ------------------------------------------------------------------------


def test_masking_keeps_the_first_three_and_last_three_digits():
    assert mask_id_number("014090001234") == "014******234"


def test_masking_removes_separators_first():
    assert mask_id_number("014 090 001 234") == "014******234"


def test_masking_a_very_short_value_hides_everything():
    assert mask_id_number("12345") == "*****"
    assert mask_id_number("") == ""
