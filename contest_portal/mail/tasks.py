from celery import shared_task

from .services import mail_send, mail_send_due


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
