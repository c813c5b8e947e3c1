"""The media work on a received clip, in two steps run by Celery tasks.

1. `submission_media_prepare` (the default queue, a second or so): the technical flags screeners see and the
   thumbnail the entrant sees; then it queues step 2.
2. `submission_preview_make` (the `media` queue): the browser-playable preview; the clip is then `ready`. A clip
   browsers play as it is gets its streams copied (seconds); any other gets the quick 480p rendition (a few
   minutes for a long clip), and then
3. `submission_preview_improve` (the `media` queue, at the lowest priority: only when no clip waits for its
   first preview) replaces it by the 720p one.
   The transcodes' time limits grow with the clip's length (`preview_time_limits`).

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
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..models import Submission
from .preview import FULL, QUICK, first_rendition, preview_write
from .probe import ClipRejected, display_size
from .thumbnail import THUMBNAIL_WIDTHS, clip_thumbnail, thumbnail_variant_name

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


# The quick rendition's file name ends so; the 720p one that replaces it is `<id>.mp4`.
QUICK_SUFFIX = ".quick.mp4"
# Redis takes a lower number first (kombu's default priority steps are 0, 3, 6 and 9).
IMPROVE_PRIORITY = 9


def submission_preview_make(*, submission_id):
    """Makes the first preview of a clip still `processing`, which is then `ready`; a withdrawn clip gets none.
    A quick rendition is followed by the 720p one (submission_preview_improve), queued at the lowest priority."""
    submission = _processing(submission_id)
    if submission is None or submission.status == Submission.Status.WITHDRAWN:
        return
    with _failing_on_error(submission, "the preview") as outcome:
        how = first_rendition(submission.clip.path)
        name = _file_name(submission, "previews", QUICK_SUFFIX if how == QUICK else ".mp4")
        final, made = _preview_write(submission, name, how)
    if outcome.failed:
        return
    if not made:
        # Another run of this task holds the clip and will finish the work.
        log.info("submission %s: its preview is being made by another run", submission.pk)
        return
    if not Submission.objects.filter(pk=submission.pk, media_state=Submission.MediaState.PROCESSING).update(
        preview=name, media_state=Submission.MediaState.READY, media_error="", media_checked_at=timezone.now()
    ):
        # Nothing got updated: the clip's media state changed meanwhile; the file has no owner.
        final.unlink(missing_ok=True)
        return
    log.info("submission %s: preview ready (%s)", submission.pk, how)
    if how == QUICK:
        from ..tasks import submission_preview_improve_task

        soft_limit, hard_limit = preview_time_limits(submission.duration)
        submission_preview_improve_task.apply_async_on_commit(
            (submission.pk,), soft_time_limit=soft_limit, time_limit=hard_limit, priority=IMPROVE_PRIORITY
        )


def submission_preview_improve(*, submission_id):
    """Replaces the quick rendition of a `ready` clip by the 720p preview. Should this fail, the clip keeps the
    quick one, which plays: the failure is only logged. The quick file stays, for a screener still playing it."""
    submission = (
        Submission.objects.select_related("contest")
        .filter(pk=submission_id, media_state=Submission.MediaState.READY, preview__endswith=QUICK_SUFFIX)
        .exclude(status=Submission.Status.WITHDRAWN)
        .first()
    )
    if submission is None:
        return
    quick = submission.preview.name
    name = _file_name(submission, "previews", ".mp4")
    try:
        final, made = _preview_write(submission, name, FULL)
    except SoftTimeLimitExceeded:
        log.warning("submission %s: the 720p preview reached its time limit; the quick one stays", submission.pk)
        return
    except Exception:
        log.exception("submission %s: the 720p preview could not be made; the quick one stays", submission.pk)
        return
    if made and not Submission.objects.filter(pk=submission.pk, preview=quick).update(preview=name):
        final.unlink(missing_ok=True)
        return
    if made:
        log.info("submission %s: 720p preview ready", submission.pk)


def _partial_preview_name(submission):
    return f"previews/tmp/{submission.pk}.partial.mp4"


def _preview_write(submission, name, how):
    storage = submission.preview.storage
    final = Path(storage.path(name))
    partial = Path(storage.path(_partial_preview_name(submission)))
    for folder in {final.parent, partial.parent}:
        folder.mkdir(parents=True, exist_ok=True)
    return final, preview_write(source=submission.clip.path, partial=partial, final=final, how=how)


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


def media_file_names(submission):
    """The storage names of every file the media work may have written for the clip, whether each exists or
    not: the thumbnail and its narrower copies, both renditions of the preview (the quick one stays after the
    720p one replaces it) and a transcode left half-done. For removing them with the clip."""
    thumbnails = {submission.thumbnail.name, _file_name(submission, "thumbnails", ".jpg")} - {""}
    return {
        *thumbnails,
        *(thumbnail_variant_name(name, width) for name in thumbnails for width in THUMBNAIL_WIDTHS),
        *({submission.preview.name} - {""}),
        _file_name(submission, "previews", ".mp4"),
        _file_name(submission, "previews", QUICK_SUFFIX),
        _partial_preview_name(submission),
    }


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
        media_state=Submission.MediaState.FAILED, media_error=message, media_checked_at=timezone.now()
    )
    log.warning("submission %s: media work failed (%s): %s", submission.pk, reason, detail)
