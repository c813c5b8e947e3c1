"""The media work on a received clip, in two steps run by Celery tasks.

1. `submission_media_prepare` (the default queue, a second or so): the technical flags screeners see and the
   thumbnail the entrant sees; then it queues step 2.
2. `submission_preview_make` (the `media` queue, minutes): the browser-playable preview; the clip is then
   `ready`. Its time limits grow with the clip's length (`preview_time_limits`).

The clip's metadata (duration, size, codecs, rotation, frame rate, bitrate) is stored once, by
`submission_create`, from the probe that accepted the file.

Either step may be killed and run again, or run twice: files are written under a fixed name per clip through a
temporary file and a rename, rows change with conditional updates, and a clip that is no longer `processing`
is left alone. A failure leaves the clip `failed` with a short message for the entrant (English source text,
translated when shown: `{% translate submission.media_error %}`); the details go to the log, which names the
clip by its id only."""

import logging
import math
import os
from contextlib import contextmanager
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..models import Submission
from .preview import preview_write
from .probe import ClipRejected, display_size
from .thumbnail import clip_thumbnail

log = logging.getLogger(__name__)

# Short codes stored in Submission.technical_flags, in the order screeners read them, with their labels.
TECHNICAL_FLAGS = {
    "too_short": _("shorter than the contest's minimum"),
    "too_long": _("longer than the contest's maximum"),
    "no_audio": _("no sound"),
    "low_resolution": _("low resolution"),
    "portrait": _("portrait (vertical) picture"),
    "low_bitrate": _("very low bitrate"),
    "low_frame_rate": _("low frame rate"),
}

MEDIA_ERRORS = {
    "damaged": _(
        "We could not read the whole clip: the file seems damaged. Please check that it plays to the end on "
        "your device, then withdraw this entry and submit the file again."
    ),
    "too_slow": _(
        "Preparing this clip for viewing took too long. The organizers can see this and will look into it."
    ),
    "internal": _(
        "Preparing this clip for viewing failed because of a problem on our side. The organizers can see "
        "this and will look into it."
    ),
}


def technical_flags(clip, contest) -> list[str]:
    """The codes of TECHNICAL_FLAGS that apply to `clip` (a Submission or a ClipInfo) in `contest`.

    Flags inform the screening; they refuse nothing. Thresholds: settings.MEDIA_TECHNICAL_CHECKS."""
    checks = settings.MEDIA_TECHNICAL_CHECKS
    width, height = display_size(clip.width, clip.height, clip.rotation)
    short_side = min(width, height)
    found = set()
    if clip.duration < contest.min_duration:
        found.add("too_short")
    if clip.duration > contest.max_duration:
        found.add("too_long")
    if not clip.audio_codec:
        found.add("no_audio")
    if short_side < checks["min_short_side"]:
        found.add("low_resolution")
    if height > width:
        found.add("portrait")
    # Below the resolution threshold the picture is flagged already; a low bitrate is expected there.
    if (
        clip.bitrate is not None
        and clip.bitrate < checks["min_bitrate"]
        and short_side >= checks["min_short_side"]
    ):
        found.add("low_bitrate")
    if clip.frame_rate is not None and clip.frame_rate < checks["min_frame_rate"]:
        found.add("low_frame_rate")
    return [code for code in TECHNICAL_FLAGS if code in found]


def technical_flag_labels(codes) -> list:
    """The labels of stored flag codes (an unknown code is shown as it is)."""
    return [TECHNICAL_FLAGS.get(code, code) for code in codes or ()]


def thumbnail_moment(duration):
    """A tenth into the clip, after the first second: past a black or shaky start, never past the end."""
    return min(max(1.0, duration * 0.1), duration / 2)


def submission_media_prepare(*, submission_id):
    """Stores the technical flags and the thumbnail of a clip still `processing`, then queues its preview."""
    submission = _processing(submission_id)
    if submission is None:
        return
    Submission.objects.filter(pk=submission.pk).update(
        technical_flags=technical_flags(submission, submission.contest)
    )
    if not submission.thumbnail:
        name = _file_name(submission, "thumbnails", ".jpg")
        with _failing_on_error(submission, "the thumbnail") as outcome:
            jpeg = clip_thumbnail(submission.clip.path, at_seconds=thumbnail_moment(submission.duration))
            _write_atomically(Path(submission.thumbnail.storage.path(name)), jpeg)
        if outcome.failed:
            return
        Submission.objects.filter(pk=submission.pk, thumbnail="").update(thumbnail=name)
    from ..tasks import submission_preview_task

    soft_limit, hard_limit = preview_time_limits(submission.duration)
    submission_preview_task.apply_async_on_commit(
        (submission.pk,), soft_time_limit=soft_limit, time_limit=hard_limit
    )


def media_work_requeue():
    """Queues again the media work of every clip still `processing`, oldest first; returns how many. For a
    worker lost with its tasks (`manage.py resume_work`, which `make run` runs at each start): both steps are
    safe to run twice, so a clip whose task is still queued is not harmed by a second one."""
    from ..tasks import submission_media_task

    waiting = Submission.objects.filter(media_state=Submission.MediaState.PROCESSING).order_by("submitted_at")
    submission_ids = list(waiting.values_list("pk", flat=True))
    for submission_id in submission_ids:
        submission_media_task.delay(submission_id)
    return len(submission_ids)


def preview_time_limits(duration):
    """The soft and hard time limits, in seconds, of making the preview of a clip lasting `duration` seconds:
    the transcode's time grows with the clip's length. See settings.MEDIA_PREVIEW_*."""
    extra = math.ceil(duration * settings.MEDIA_PREVIEW_TIME_LIMIT_PER_CLIP_SECOND)
    return settings.MEDIA_PREVIEW_SOFT_TIME_LIMIT + extra, settings.MEDIA_PREVIEW_TIME_LIMIT + extra


def submission_preview_make(*, submission_id):
    """Makes the preview of a clip still `processing`, which is then `ready`; a withdrawn clip gets none."""
    submission = _processing(submission_id)
    if submission is None or submission.status == Submission.Status.WITHDRAWN:
        return
    storage = submission.preview.storage
    name = _file_name(submission, "previews", ".mp4")
    final = Path(storage.path(name))
    partial = Path(storage.path(f"previews/tmp/{submission.pk}.partial.mp4"))
    for folder in {final.parent, partial.parent}:
        folder.mkdir(parents=True, exist_ok=True)
    with _failing_on_error(submission, "the preview") as outcome:
        made = preview_write(source=submission.clip.path, partial=partial, final=final)
    if outcome.failed:
        return
    if not made:
        # Another run of this task holds the clip and will finish the work.
        log.info("submission %s: its preview is being made by another run", submission.pk)
        return
    if not Submission.objects.filter(pk=submission.pk, media_state=Submission.MediaState.PROCESSING).update(
        preview=name, media_state=Submission.MediaState.READY, media_error=""
    ):
        # Nothing got updated: the clip's media state changed meanwhile; the file has no owner.
        final.unlink(missing_ok=True)
        return
    log.info("submission %s: preview ready", submission.pk)


class _Outcome:
    failed = False


@contextmanager
def _failing_on_error(submission, what):
    """Runs the block; any error in it marks the clip failed (with the reason the entrant reads) and is
    logged, rather than raised: Celery would not run the task again, and the clip would stay `processing`."""
    outcome = _Outcome()
    try:
        yield outcome
    except ClipRejected as refusal:
        outcome.failed = True
        _fail(submission, "damaged", detail=f"{what}: {refusal}")
    except SoftTimeLimitExceeded:
        outcome.failed = True
        _fail(submission, "too_slow", detail=f"{what}: the soft time limit was reached")
    except Exception:
        outcome.failed = True
        log.exception("submission %s: %s could not be made", submission.pk, what)
        _fail(submission, "internal", detail=f"{what}: unexpected error, see the traceback above")


def _processing(submission_id):
    return (
        Submission.objects.select_related("contest")
        .filter(pk=submission_id, media_state=Submission.MediaState.PROCESSING)
        .first()
    )


def _file_name(submission, folder, suffix):
    # One name per clip, so a run repeated after a kill replaces its own file instead of leaving one more.
    return f"{folder}/{submission.contest.slug}/{submission.pk}{suffix}"


def _write_atomically(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _fail(submission, reason, *, detail):
    # The message is stored untranslated and translated when shown, in the reader's language.
    with translation.override(None):
        message = str(MEDIA_ERRORS[reason])
    Submission.objects.filter(pk=submission.pk, media_state=Submission.MediaState.PROCESSING).update(
        media_state=Submission.MediaState.FAILED, media_error=message
    )
    log.warning("submission %s: media work failed (%s): %s", submission.pk, reason, detail)
