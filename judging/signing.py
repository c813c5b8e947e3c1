"""How a contest's certificates are signed: the place-and-date line, the signatory's title, and the seal or
signature image the committee uploads, recognised by its content and kept in private storage.

The image is kept like the clips and documents: under MEDIA_ROOT, which no address of the portal serves (there
is no MEDIA_URL, and nginx's location for it is internal, deploy/nginx); only the committee's page for the final
round serves it back (judging/admin.py), and the certificates print it. A signature is its signatory's personal
data: a replaced one is removed from the storage."""

import uuid

from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

SEAL_MAX_BYTES = 2 * 1024 * 1024
# A scanned seal needs no more; a larger picture would only make every certificate heavier.
SEAL_MAX_SIDE = 4000
SEAL_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
SIGNATORY_TITLE_LINES = 2


def seal_format(file):
    """'PNG' or 'JPEG' from the bytes of an uploaded or stored file, or None for anything else (a renamed PDF,
    a broken image, a GIF)."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        file.seek(0)
    return kind if kind in SEAL_FORMATS else None


def validate_seal_image(value):
    # A seal stored before is not read again at every save of the round; only a new upload is checked.
    if isinstance(value, FieldFile) and value._committed:
        return
    if value.size > SEAL_MAX_BYTES:
        raise ValidationError(
            _("The image is too large: at most %(size)d MB."),
            code="seal_too_large",
            params={"size": SEAL_MAX_BYTES // 1024**2},
        )
    if seal_format(value) is None:
        raise ValidationError(_("Upload a PNG or JPEG image of the seal or signature."), code="seal_not_image")
    value.seek(0)
    with Image.open(value) as image:
        width, height = image.size
    value.seek(0)
    if max(width, height) > SEAL_MAX_SIDE:
        raise ValidationError(
            _("The image is too large: at most %(side)d pixels on its longer side."),
            code="seal_too_many_pixels",
            params={"side": SEAL_MAX_SIDE},
        )


def seal_path(final_round, filename):
    # Nothing of the name it had on the committee's computer: what it is, its content says (seal_content_type).
    return f"certificate-seals/{final_round.contest.slug}/{uuid.uuid4().hex}"


def seal_content_type(file):
    return SEAL_FORMATS.get(seal_format(file), "application/octet-stream")


def validate_signatory_title(value):
    if len([line for line in value.splitlines() if line.strip()]) > SIGNATORY_TITLE_LINES:
        raise ValidationError(
            _("The title has at most two lines, such as “TM. BAN TỔ CHỨC” and “TRƯỞNG BAN”."),
            code="title_too_long",
        )


def signatory_title_lines(value):
    return [" ".join(line.split()) for line in value.splitlines() if line.strip()]


def signing_line(*, place, day):
    """The line above the signature, as Vietnamese official documents write it (Decree 30/2020/NĐ-CP): "Sơn La,
    ngày 05 tháng 02 năm 2025", a day below 10 and the months 1 and 2 with a leading zero; without a place,
    "Ngày 15 tháng 12 năm 2024".

    Always Vietnamese, whatever language the committee's screens or the winner's browser are in: a certificate
    is an official Vietnamese document, handed out and filed as one; the rest of it is Vietnamese too."""
    day_number = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_number = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    date = f"ngày {day_number} tháng {month_number} năm {day.year}"
    return f"{place}, {date}" if place else date[0].upper() + date[1:]
