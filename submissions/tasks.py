from celery import shared_task

from .services import submission_thumbnail_make


@shared_task(acks_late=True)
def submission_thumbnail_task(submission_id):
    submission_thumbnail_make(submission_id=submission_id)


@shared_task
def uploads_expire_task():
    from .uploads import upload_expire_stale

    return upload_expire_stale()
