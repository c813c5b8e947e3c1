"""Publication of the finalists: the committee's switch, the public gallery, a share page and image per clip,
and the fanpage pack the communications staff post from.

Nothing here is public until the committee publishes; from then on every finalist of the contest is shown,
including one decided later, and a clip that stops being a finalist leaves the gallery at once. Which files
of a published finalist anyone may fetch (its preview and thumbnail, never its original or documents) is
decided in serving.py, with the rest of the rules on private media."""

import hashlib
import io
import logging
import shutil
import tempfile
import unicodedata
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from contest_portal.permissions import may_export_submissions, may_publish_finalists
from contest_portal.spreadsheets import CsvWriter

from .models import Contest, Submission, SubmissionEvent
from .phases import phase_check
from .services import NotAllowed, Refusal

log = logging.getLogger(__name__)

SHORTLISTED = Submission.Status.SHORTLISTED  # the state the publication events record


# The committee's switch.


@transaction.atomic
def finalists_publish(*, contest, user):
    """Opens the gallery of the contest's finalists to everyone. Publishing again changes nothing.

    Returns True when this call published them."""
    if not may_publish_finalists(user):
        raise NotAllowed(_("Only the Organizing Committee may publish the finalists."))
    phase_check(contest, "publish_finalists")
    finalists = list(Submission.objects.filter(contest=contest).finalists().only("pk"))
    if not finalists:
        raise Refusal(_("There is no finalist to publish yet."))
    now = timezone.now()
    published = Contest.objects.filter(pk=contest.pk, finalists_published_at__isnull=True).update(
        finalists_published_at=now
    )
    if not published:
        # Already published, by another click or another member of the committee.
        contest.refresh_from_db(fields=["finalists_published_at"])
        return False
    contest.finalists_published_at = now
    _record(finalists, user=user, action="published")
    log.info("Finalists of %s published by user %s: %d clips", contest.slug, user.pk, len(finalists))
    return True


@transaction.atomic
def finalists_unpublish(*, contest, user, reason):
    """Takes the gallery down again, when it was published by mistake; the reason goes in each finalist's
    history. Returns True when this call took it down."""
    if not may_publish_finalists(user):
        raise NotAllowed(_("Only the Organizing Committee may withdraw the publication."))
    phase_check(contest, "publish_finalists")
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Give the reason for withdrawing the publication."), field="reason")
    withdrawn = Contest.objects.filter(pk=contest.pk, finalists_published_at__isnull=False).update(
        finalists_published_at=None
    )
    contest.finalists_published_at = None
    if not withdrawn:
        return False
    finalists = Submission.objects.filter(contest=contest).finalists().only("pk")
    _record(finalists, user=user, action="unpublished", reason=reason)
    log.info("Finalists of %s unpublished by user %s: %s", contest.slug, user.pk, reason)
    return True


def _record(finalists, *, user, action, reason=""):
    SubmissionEvent.objects.bulk_create(
        SubmissionEvent(
            submission=finalist,
            actor=user,
            action=action,
            from_status=SHORTLISTED,
            to_status=SHORTLISTED,
            reason=reason,
        )
        for finalist in finalists
    )


# What the public sees of a finalist.


def finalist_authors(submission):
    """The clip's recorded authors as the gallery names them: "Group (registrant, co-author, …)", or the one
    author. Needs submission.registration and submission.authors (prefetch them for a list)."""
    names = ", ".join(author.full_name for author in submission.authors.all())
    group = submission.registration.group_name
    return f"{group} ({names})" if group else names


def _shown_authors(finalist, contest):
    """What pages and captions say of the authors: templates read this, never the registration."""
    return finalist_authors(finalist) if contest.shows_author_names else ""


def _with_authors(finalists, contest):
    """The finalists as a list, each with its `authors` set."""
    if contest.shows_author_names:
        finalists = finalists.select_related("registration").prefetch_related("authors")
    finalists = list(finalists)
    for finalist in finalists:
        finalist.shown_authors = _shown_authors(finalist, contest)
    return finalists


def _published_finalist(code):
    finalists = Submission.objects.published_finalists().select_related("contest", "genre", "registration")
    finalist = get_object_or_404(finalists.prefetch_related("authors"), code=code)
    finalist.shown_authors = _shown_authors(finalist, finalist.contest)
    return finalist


def gallery(request):
    contest = Contest.objects.current()
    if contest is None or contest.finalists_published_at is None:
        raise Http404(_("The finalists have not been published yet."))
    finalists = (
        Submission.objects.published_finalists()
        .filter(contest=contest)
        .select_related("genre")
        .order_by("sequence")
    )
    return render(
        request,
        "submissions/gallery.html",
        {"contest": contest, "finalists": _with_authors(finalists, contest)},
    )


def finalist_share(request, code):
    finalist = _published_finalist(code)
    description = _("Finalist clip %(code)s (%(genre)s) — %(contest)s") % {
        "code": finalist.code,
        "genre": finalist.genre.name,
        "contest": finalist.contest.name,
    }
    if finalist.shown_authors:
        description = f"{finalist.shown_authors}. {description}"
    return render(
        request,
        "submissions/share.html",
        {
            "contest": finalist.contest,
            "finalist": finalist,
            "description": description,
            "page_url": request.build_absolute_uri(reverse("submissions:finalist", args=[finalist.code])),
            "image_url": request.build_absolute_uri(share_image_path(finalist)),
            "preview_url": request.build_absolute_uri(reverse("submissions:preview", args=[finalist.code]))
            if finalist.preview
            else "",
        },
    )


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
_IMMUTABLE = "public, max-age=31536000, immutable"


def _share_image_key(finalist):
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
    return f"{reverse('submissions:share_image', args=[finalist.code])}?v={_share_image_key(finalist)}"


def share_image(finalist):
    """The name in storage of the finalist's share image, drawn on first use and again whenever its
    thumbnail, title or code changes."""
    folder = f"share/{finalist.contest.slug}"
    name = f"{folder}/{finalist.code}-{_share_image_key(finalist)}.jpg"
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


@require_safe
def finalist_share_image(request, code):
    finalist = _published_finalist(code)
    name = share_image(finalist)
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    # An address naming this version may be kept for good; any other must be asked again soon.
    current = request.GET.get("v") == _share_image_key(finalist)
    response["Cache-Control"] = _IMMUTABLE if current else "public, max-age=300"
    return response


# The fanpage pack, for the communications staff.


def may_export_fanpage_pack(user):
    return may_publish_finalists(user) or may_export_submissions(user)


def fanpage_pack_write(*, contest, file, page_url):
    """Writes the ZIP the communications staff post from into `file`: for each finalist its preview, its
    share image and its caption, in a folder named by its code; and every caption in chu-thich.txt and
    chu-thich.csv. `page_url(finalist)` is the absolute address of its share page.

    Works before publication too, so the posts can be ready when the gallery opens."""
    finalists = Submission.objects.filter(contest=contest).finalists().select_related("contest", "genre")
    finalists = _with_authors(finalists.order_by("sequence"), contest)
    captions = []
    table = io.StringIO()
    writer = CsvWriter(table)
    writer.writerow(["Mã clip", "Tên clip", "Thể loại", "Tác giả", "Trang chia sẻ", "Tệp xem trước", "Chú thích"])
    # Videos and JPEGs are compressed already; only the text is worth deflating.
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for finalist in finalists:
            folder = finalist.code
            url = page_url(finalist)
            caption = render_to_string(
                "submissions/share_caption.txt", {"contest": contest, "finalist": finalist, "url": url}
            ).strip()
            captions.append(caption)
            archive.writestr(f"{folder}/{folder}.txt", caption + "\n", compress_type=zipfile.ZIP_DEFLATED)
            with default_storage.open(share_image(finalist), "rb") as image:
                archive.writestr(f"{folder}/{folder}.jpg", image.read())
            preview = _add_preview(archive, finalist, f"{folder}/{folder}.mp4")
            writer.writerow(
                [finalist.code, finalist.title, finalist.genre.name, finalist.shown_authors, url, preview, caption]
            )
        archive.writestr(
            "chu-thich.txt", "\n\n-----\n\n".join(captions) + "\n", compress_type=zipfile.ZIP_DEFLATED
        )
        # With its byte-order mark Excel reads the CSV as UTF-8, and the Vietnamese letters survive.
        archive.writestr("chu-thich.csv", "\ufeff" + table.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    return len(finalists)


def _add_preview(archive, finalist, name):
    """Copies the preview into the archive in blocks; returns its name there, or a note when there is none."""
    if not finalist.preview:
        return "chưa có"
    try:
        with finalist.preview.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
    except FileNotFoundError:
        log.warning("Fanpage pack of %s: the preview of %s is missing", finalist.contest.slug, finalist.code)
        return "chưa có"
    return name


@require_safe
def fanpage_pack(request, slug):
    if not may_export_fanpage_pack(request.user):
        raise PermissionDenied
    contest = get_object_or_404(Contest, slug=slug)
    # On disk, not in memory: with the previews the pack runs to hundreds of megabytes.
    file = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        fanpage_pack_write(
            contest=contest,
            file=file,
            page_url=lambda finalist: request.build_absolute_uri(
                reverse("submissions:finalist", args=[finalist.code])
            ),
        )
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return FileResponse(
        file, as_attachment=True, filename=f"goi-fanpage-{contest.slug}.zip", content_type="application/zip"
    )


# The committee's page.


@permission_required("submissions.publish_finalists", raise_exception=True)
def publication(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    last_event = (
        SubmissionEvent.objects.filter(submission__contest=contest, action__in=["published", "unpublished"])
        .select_related("actor")
        .last()
    )
    return render(
        request,
        "submissions/gallery_publication.html",
        {
            "contest": contest,
            "finalist_count": Submission.objects.filter(contest=contest).finalists().count(),
            "last_event": last_event,
        },
    )


@require_POST
@permission_required("submissions.publish_finalists", raise_exception=True)
def publication_publish(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    try:
        finalists_publish(contest=contest, user=request.user)
    except Refusal as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("The finalists are published."))
    return redirect("submissions:publication", slug=contest.slug)


@require_POST
@permission_required("submissions.publish_finalists", raise_exception=True)
def publication_unpublish(request, slug):
    contest = get_object_or_404(Contest, slug=slug)
    try:
        finalists_unpublish(contest=contest, user=request.user, reason=request.POST.get("reason", ""))
    except Refusal as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("The publication is withdrawn: the gallery is closed."))
    return redirect("submissions:publication", slug=contest.slug)
