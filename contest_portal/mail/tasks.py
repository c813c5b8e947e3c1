from celery import shared_task

from .services import mail_send


@shared_task(bind=True, max_retries=None, acks_late=True)
def mail_send_task(self, mail_id):
    retry_in = mail_send(mail_id=mail_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)
