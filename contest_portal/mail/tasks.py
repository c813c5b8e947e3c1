from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from .services import mail_recover, mail_send, mail_send_due


@shared_task(bind=True, max_retries=None, acks_late=True)
def mail_send_task(self, mail_id):
    retry_in = mail_send(mail_id=mail_id)
    # Run in-process (no broker) there is no later to retry in: the mail stays failed until the
    # periodic sweep below, or `manage.py send_due_mail`, picks it up.
    if retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=retry_in)


@shared_task(acks_late=True)
def mail_send_due_task():
    mail_send_due()


@shared_task(bind=True, acks_late=True)
def mail_recover_task(self, mail_ids=None):
    mail_ids, due_at = mail_recover(mail_ids=mail_ids)
    # In-process, a countdown would run at once, and again, until the mails are done.
    if due_at is not None and not self.request.is_eager:
        self.apply_async(kwargs={"mail_ids": mail_ids}, eta=max(due_at, timezone.now() + timedelta(seconds=1)))


@worker_ready.connect
def _recover_mail_left_behind(**kwargs):
    # A worker killed mid-send (kill -9, out of memory, power) leaves its mail `sending`, and its task
    # unacknowledged in Redis, which hands it out again only after the visibility timeout (an hour). A worker
    # that starts sends such mail when its lease ends, without waiting for beat or cron.
    mail_recover_task.delay()
