from celery import shared_task
from django.conf import settings

from contest_portal.refusals import Refusal

from .media.pipeline import submission_media_prepare, submission_preview_improve, submission_preview_make


@shared_task(acks_late=True, soft_time_limit=settings.MEDIA_PREPARE_SOFT_TIME_LIMIT)
def submission_media_task(submission_id):
    submission_media_prepare(submission_id=submission_id)


# Routed to the `media` queue (settings.CELERY_TASK_ROUTES): transcoding must not hold up mail and thumbnails.
# Each call is sent with its clip's own, longer limits (pipeline.preview_time_limits); these are for a call
# sent without them.
@shared_task(
    acks_late=True,
    soft_time_limit=settings.MEDIA_PREVIEW_SOFT_TIME_LIMIT,
    time_limit=settings.MEDIA_PREVIEW_TIME_LIMIT,
)
def submission_preview_task(submission_id):
    submission_preview_make(submission_id=submission_id)


# Hashing and probing a received 4 GB clip takes a minute on a loaded machine: well within the limits.
# The 720p preview after a quick one, on the `media` queue too, sent at the lowest priority.
@shared_task(
    acks_late=True,
    soft_time_limit=settings.MEDIA_PREVIEW_SOFT_TIME_LIMIT,
    time_limit=settings.MEDIA_PREVIEW_TIME_LIMIT,
)
def submission_preview_improve_task(submission_id):
    submission_preview_improve(submission_id=submission_id)


@shared_task(acks_late=True, soft_time_limit=15 * 60, time_limit=16 * 60)
def upload_check_task(upload_id):
    from .uploads import upload_check

    try:
        upload_check(upload_id=upload_id)
    except Refusal:
        # Kept on the upload, with its status: the entrant's script reads it by HEAD.
        pass


@shared_task
def uploads_check_stalled_task():
    from .uploads import upload_check_stalled

    return upload_check_stalled()


@shared_task
def uploads_expire_task():
    from .uploads import upload_expire_stale

    return upload_expire_stale()


# No arguments, so nothing personal travels through the broker or its logs; the run logs slugs and counts only.
@shared_task
def personal_data_retention_task():
    from .retention import personal_data_retention_run

    return len(personal_data_retention_run())
