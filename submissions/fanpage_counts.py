"""The fanpage's counts: a finalist's likes and shares as the committee read them on the contest's fanpage, each
with a screenshot of the post as evidence. The screenshot is private media: it is checked to be a picture by
its content (not its name) when recorded, and served to those who may see the counts only."""

from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from PIL import Image, UnidentifiedImageError

from contest_portal.permissions import may_record_fanpage_counts, may_view_fanpage_counts
from contest_portal.refusals import NotAllowed, Refusal

from .models import FanpageCount, Submission
from .serving import serve_private_file

MAX_SCREENSHOT_BYTES = 10 * 1024 * 1024
# Pillow's name of each format accepted, with the file name's suffix and the content type it is served with.
SCREENSHOT_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
SCREENSHOT_NOT_A_PICTURE = gettext_lazy("The screenshot is not a picture: send a PNG, JPEG or WebP image.")


def screenshot_check(file):
    """The picture's format (a key of SCREENSHOT_FORMATS), read from its content; a ValidationError for a file
    that is too large or is not a PNG, JPEG or WebP picture, whatever its name says."""
    if file.size > MAX_SCREENSHOT_BYTES:
        raise ValidationError(_("The screenshot is larger than 10 MB: send a smaller picture."))
    file.seek(0)
    try:
        with Image.open(file) as picture:
            kind = picture.format
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        kind = None
    finally:
        file.seek(0)
    if kind not in SCREENSHOT_FORMATS:
        raise ValidationError(SCREENSHOT_NOT_A_PICTURE)
    return kind


@transaction.atomic
def fanpage_count_record(*, submission, count, screenshot, user):
    """Records the finalist's count on the fanpage with its screenshot, by `user` (who needs
    submissions.add_fanpagecount in the contest). Returns the record."""
    if not may_record_fanpage_counts(user, submission.contest):
        raise NotAllowed(_("Only the Organizing Committee may record the fanpage's counts."))
    if not Submission.objects.finalists().filter(pk=submission.pk).exists():
        raise Refusal(_("Only a finalist's fanpage count is recorded."), field="submission")
    try:
        kind = screenshot_check(screenshot)
    except ValidationError as error:
        raise Refusal(error.messages[0], field="screenshot") from None
    # The stored name says what the content is.
    screenshot.name = f"{PurePosixPath(screenshot.name).stem}.{SCREENSHOT_FORMATS[kind][0]}"
    record = FanpageCount(submission=submission, count=count, recorded_by=user)
    record.screenshot.save(screenshot.name, screenshot, save=False)
    record.save()
    return record


def latest_fanpage_counts(*, contest):
    """{finalist id: its latest FanpageCount} for the contest's finalists that have one."""
    latest = {}
    records = FanpageCount.objects.filter(submission__contest=contest).select_related("recorded_by")
    for record in records.order_by("-recorded_at", "-id"):
        latest.setdefault(record.submission_id, record)
    return latest


@require_safe
@login_required
def fanpage_screenshot(request, pk):
    record = get_object_or_404(FanpageCount.objects.select_related("submission__contest"), pk=pk)
    if not may_view_fanpage_counts(request.user, record.submission.contest):
        # As for clips (serving.py): a stranger does not learn that the record exists.
        raise Http404
    suffix = PurePosixPath(record.screenshot.name).suffix.lstrip(".")
    content_type = {ext: content_type for ext, content_type in SCREENSHOT_FORMATS.values()}.get(suffix)
    return serve_private_file(
        request,
        record.screenshot,
        content_type=content_type or "application/octet-stream",
        filename=f"{record.submission.code}-fanpage.{suffix}",
    )
