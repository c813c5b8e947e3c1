"""A finalist's share image: 1200×630 with its title and details over its thumbnail, drawn with Pillow in Noto
Sans (Vietnamese diacritics), stored once per version of what it shows."""

import hashlib
import io
import logging
import unicodedata

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

# The share image: 1200×630, the size Facebook and others show in full.

SHARE_IMAGE_SIZE = (1200, 630)
FONT_DIR = settings.BASE_DIR / "static" / "fonts"
TITLE_FONT = FONT_DIR / "NotoSans-Bold.ttf"
TEXT_FONT = FONT_DIR / "NotoSans-Regular.ttf"
# Bump when the drawing changes, so images already in storage are drawn again.
SHARE_IMAGE_VERSION = "1"
_MARGIN = 60
_BAND = (8, 24, 48, 215)
_ACCENT = (11, 92, 171, 255)
_PLAIN_BACKGROUND = (11, 92, 171)
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"


def share_image_key(finalist):
    drawn_from = "\n".join(
        [
            SHARE_IMAGE_VERSION,
            finalist.thumbnail.name or "",
            finalist.title,
            finalist.code,
            finalist.contest.short_name,
        ]
    )
    return hashlib.sha256(drawn_from.encode()).hexdigest()[:16]


def share_image_path(finalist):
    """The image's URL: it changes with the image, so each version may be cached for good."""
    return f"{reverse('submissions:share_image', args=[finalist.contest.slug, finalist.code])}?v={share_image_key(finalist)}"


def _share_folder(finalist):
    return f"share/{finalist.contest.slug}"


def share_image_names(finalist):
    """The names in storage of every share image drawn for the clip, whatever it showed: for removing them
    with the clip's files."""
    folder = _share_folder(finalist)
    try:
        names = default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []
    return [f"{folder}/{name}" for name in names if name.startswith(f"{finalist.code}-")]


def share_image(finalist):
    """The name in storage of the finalist's share image, drawn on first use and again whenever its
    thumbnail, title or code changes."""
    folder = _share_folder(finalist)
    name = f"{folder}/{finalist.code}-{share_image_key(finalist)}.jpg"
    if default_storage.exists(name):
        return name
    image = draw_share_image(
        background=_thumbnail_image(finalist),
        title=finalist.title,
        details=f"{finalist.code}  ·  {finalist.contest.short_name}",
    )
    saved = default_storage.save(name, ContentFile(image))
    if saved != name:
        # Another request drew the same image meanwhile and kept the name: theirs will do.
        default_storage.delete(saved)
    for stale in default_storage.listdir(folder)[1]:
        if stale.startswith(f"{finalist.code}-") and f"{folder}/{stale}" != name:
            default_storage.delete(f"{folder}/{stale}")
    return name


def _thumbnail_image(finalist):
    if not finalist.thumbnail:
        return None
    try:
        with finalist.thumbnail.open("rb") as file:
            image = Image.open(file)
            image.load()
    except (FileNotFoundError, UnidentifiedImageError, OSError):
        log.warning("Share image of %s drawn without its thumbnail", finalist.code, exc_info=True)
        return None
    return image


def draw_share_image(*, background, title, details):
    """A JPEG: the background cropped to fill, under a dark band with the title (wrapped, in at most three
    lines) and the details line."""
    width, height = SHARE_IMAGE_SIZE
    if background is None:
        canvas = Image.new("RGB", SHARE_IMAGE_SIZE, _PLAIN_BACKGROUND)
    else:
        canvas = ImageOps.fit(ImageOps.exif_transpose(background).convert("RGB"), SHARE_IMAGE_SIZE)
    # Titles typed on some phones arrive with the marks as separate characters; composed ones draw best.
    title = unicodedata.normalize("NFC", title.strip())
    title_font, lines = _fit_title(title, width - 2 * _MARGIN)
    details_font = ImageFont.truetype(str(TEXT_FONT), 30)
    line_height = round(title_font.size * 1.25)
    band_height = 40 + line_height * len(lines) + 14 + 40 + 36
    band_top = height - band_height

    overlay = Image.new("RGBA", SHARE_IMAGE_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle((0, band_top, width, height), fill=_BAND)
    draw.rectangle((0, band_top, width, band_top + 8), fill=_ACCENT)
    y = band_top + 40
    for line in lines:
        draw.text((_MARGIN, y), line, font=title_font, fill=(255, 255, 255, 255))
        y += line_height
    details = _ellipsized(details, details_font, width - 2 * _MARGIN)
    draw.text((_MARGIN, y + 14), details, font=details_font, fill=(207, 224, 245, 255))
    canvas = Image.alpha_composite(canvas.convert("RGBA"), overlay).convert("RGB")

    output = io.BytesIO()
    canvas.save(output, format="JPEG", quality=88, optimize=True, progressive=True)
    return output.getvalue()


def _fit_title(title, max_width, max_lines=3):
    """The largest font the title fits in `max_lines` lines at, and its lines; a title too long even at the
    smallest size ends with an ellipsis."""
    for size in (64, 56, 48):
        font = ImageFont.truetype(str(TITLE_FONT), size)
        lines = _wrap(title, font, max_width)
        if len(lines) <= max_lines:
            return font, lines
    # The last line kept runs on into the next, so it is always cut and ends with the ellipsis.
    last = _ellipsized(f"{lines[max_lines - 1]} {lines[max_lines]}", font, max_width)
    return font, [*lines[: max_lines - 1], last]


def _ellipsized(text, font, max_width):
    """The text, cut to fit `max_width` and ended with an ellipsis if it has to be cut."""
    if font.getlength(text) <= max_width:
        return text
    while text and font.getlength(f"{text}…") > max_width:
        text = text[:-1].rstrip()
    return f"{text}…"


def _wrap(text, font, max_width):
    lines = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
            continue
        # A single word wider than the line (a long code, a URL) is cut where it must be.
        while font.getlength(word) > max_width:
            cut = next(n for n in range(len(word), 0, -1) if font.getlength(word[:n]) <= max_width)
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines or [""]
