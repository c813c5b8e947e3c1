"""Pure helpers for the contest registration form ("Phiếu đăng ký dự thi").

No database access: these functions only inspect and normalise strings.

* :func:`validate_id_number` – 12-digit Vietnamese personal identification
  number (số định danh cá nhân / CCCD), Circular 59/2021/TT-BCA and
  Decree 137/2015/ND-CP.
* :func:`validate_phone` – Vietnamese mobile and landline numbers.
* :func:`mask_id_number` – hide the middle of an ID number for display.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "GENDER_CHOICES",
    "PROVINCE_CODES",
    "decode_birth_year",
    "mask_id_number",
    "validate_id_number",
    "validate_phone",
]

# Vietnamese ID cards only record male / female.
GENDER_CHOICES = [
    ("male", _("Male")),
    ("female", _("Female")),
]

# Province / centrally-run city codes of the place of birth (first three
# digits of the ID number): the official list of 63 codes.
PROVINCE_CODES = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hoà Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hoá",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hoà",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

# Digit 4 of the ID number // 2 -> first year of the century of birth.
# Even digit = male, odd digit = female.
_CENTURY_BY_PAIR = {0: 1900, 1: 2000, 2: 2100, 3: 2200, 4: 1800}

# Separators people type inside numbers.  Use [0-9] rather than \d so that
# non-ASCII digits are refused.
_ID_SEPARATORS = re.compile(r"[\s.\-]+")
_ID_RE = re.compile(r"[0-9]{12}")

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]+")
_PHONE_CHARS = re.compile(r"\+?[0-9]+")
_MOBILE_RE = re.compile(r"0[35789][0-9]{8}")
_LANDLINE_RE = re.compile(r"02[0-9]{9}")

_PHONE_MESSAGE = _("Enter a Vietnamese phone number, e.g. 0912 345 678.")


def _normalise_id(value) -> str:
    if value is None:
        return ""
    return _ID_SEPARATORS.sub("", str(value))


def decode_birth_year(id_number: str) -> int:
    """Return the birth year encoded in a (normalised, 12-digit) ID number."""
    century = _CENTURY_BY_PAIR[int(id_number[3]) // 2]
    return century + int(id_number[4:6])


def _birth_year_of(date_of_birth) -> int:
    if isinstance(date_of_birth, (datetime.date, datetime.datetime)):
        return date_of_birth.year
    if isinstance(date_of_birth, int) and not isinstance(date_of_birth, bool):
        return date_of_birth
    raise TypeError("date_of_birth must be a date, a datetime or a year (int).")


def validate_id_number(value: str, *, date_of_birth=None, gender=None) -> str:
    """Validate a 12-digit Vietnamese personal identification number.

    Returns the number normalised (spaces, dots and dashes removed).

    Structure: digits 1-3 = province code of the birth place, digit 4 =
    century and gender (0/1 = 1900s, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s,
    8/9 = 1800s; even = male, odd = female), digits 5-6 = last two digits of
    the birth year, digits 7-12 = random.

    ``date_of_birth`` (a ``date``/``datetime`` or an ``int`` year) and
    ``gender`` (``"male"`` or ``"female"``) are optional; whatever is given
    (not ``None``/empty) is checked against the number.

    Raises ``ValidationError`` with code ``"format"``, ``"province"``,
    ``"birth_year"`` or ``"gender"`` (checked in that order, first failure
    wins).  Raises ``ValueError`` for a gender other than male/female and
    ``TypeError`` for a ``date_of_birth`` of an unsupported type.
    """
    if gender in ("", None):
        gender = None
    elif gender not in ("male", "female"):
        raise ValueError(f"gender must be 'male' or 'female', not {gender!r}.")

    number = _normalise_id(value)
    if not _ID_RE.fullmatch(number):
        raise ValidationError(_("The ID number must have exactly 12 digits."), code="format")

    code = number[:3]
    if code not in PROVINCE_CODES:
        raise ValidationError(
            _("The first three digits (%(code)s) are not a province code."),
            code="province",
            params={"code": code},
        )

    if date_of_birth is not None:
        encoded_year = decode_birth_year(number)
        if encoded_year != _birth_year_of(date_of_birth):
            raise ValidationError(
                _("The ID number does not match the date of birth: it says born in %(year)s."),
                code="birth_year",
                params={"year": encoded_year},
            )

    if gender is not None:
        encoded_gender = "male" if int(number[3]) % 2 == 0 else "female"
        if encoded_gender != gender:
            raise ValidationError(
                _("The ID number does not match the gender given."),
                code="gender",
            )

    return number


def validate_phone(value: str) -> str:
    """Validate a Vietnamese phone number and return it in national format.

    Accepts separators (spaces, dots, dashes, parentheses) and the +84 / 84
    country prefix (an extra trunk 0 after it, "+84 (0) 912 …", is tolerated).
    Mobile: 10 digits starting 03, 05, 07, 08 or 09.  Landline: 11 digits
    starting 02 (02xx area code + 7 digits).  Returns e.g. "0912345678" or
    "02123852123"; anything else raises ``ValidationError`` (code "phone").
    """
    raw = "" if value is None else str(value)
    compact = _PHONE_SEPARATORS.sub("", raw)
    if not _PHONE_CHARS.fullmatch(compact):
        raise ValidationError(_PHONE_MESSAGE, code="phone")

    if compact.startswith("+"):
        if not compact.startswith("+84"):
            raise ValidationError(_PHONE_MESSAGE, code="phone")
        subscriber = compact[3:]
    elif compact.startswith("84"):
        subscriber = compact[2:]
    else:
        subscriber = None

    if subscriber is None:
        national = compact
    elif subscriber.startswith("0"):
        national = subscriber
    else:
        national = "0" + subscriber

    if _MOBILE_RE.fullmatch(national) or _LANDLINE_RE.fullmatch(national):
        return national
    raise ValidationError(_PHONE_MESSAGE, code="phone")


def mask_id_number(value: str) -> str:
    """Mask an ID number for display: keep the first 3 and last 3 digits.

    ``"014090001234"`` -> ``"014******234"``.  Separators are removed first;
    a value of 6 characters or fewer is masked completely.
    """
    number = _normalise_id(value)
    if len(number) <= 6:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 6) + number[-3:]
