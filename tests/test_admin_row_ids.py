"""Row ids named in admin URLs and forms: digits that fit the database, or nothing (contest_portal.admin.row_id).
Python's int() refuses a string of over 4,300 digits, which str.isdigit() lets through."""

import pytest

from contest_portal.admin import row_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("10001", 10_001),
        (10001, 10_001),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("9" * 5000, None),
        ("", None),
        ("-1", None),
        ("1.0", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() says yes
        ("²", None),
        ("1\x00", None),
        (" 1", None),
    ],
)
def test_only_plain_digits_that_fit_the_database_are_an_id(value, expected):
    assert row_id(value) == expected
