import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutgoingMail

log = logging.getLogger(__name__)


@transaction.atomic
def mail_queue(*, message, kind, dedupe_key=None):
    """Stores a rendered EmailMessage and sends it from a Celery task once this transaction commits.

    With a dedupe_key, queueing the same mail twice stores and sends it once."""
    from .tasks import mail_send_task

    html = next(
        (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
    )
    try:
        with transaction.atomic():
            mail = OutgoingMail.objects.create(
                kind=kind,
                dedupe_key=dedupe_key,
                to=message.to[0],
                from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
                subject=message.subject,
                body_text=message.body,
                body_html=html,
            )
    except IntegrityError:
        # Already queued by an earlier call: that one is (or will be) sent.
        return OutgoingMail.objects.get(dedupe_key=dedupe_key)
    mail_send_task.delay_on_commit(mail.pk)
    return mail


def mail_render_and_queue(*, template, context, to, kind, dedupe_key=None, language=None):
    """Renders templates/emails/<template>_subject.txt, .txt and .html in the given language and queues it."""
    from django.core.mail import EmailMultiAlternatives

    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    return mail_queue(message=message, kind=kind, dedupe_key=dedupe_key)


def _retry_delay(attempts):
    return settings.MAIL_RETRY_BASE_SECONDS * 2 ** (attempts - 1)


def mail_send(*, mail_id):
    """Sends one queued mail. Returns the seconds to wait before retrying, or None when nothing is left to do.

    The mail is claimed with a conditional update, so a task delivered twice, or run by two workers,
    sends it once."""
    claimed = OutgoingMail.objects.filter(
        pk=mail_id,
        state__in=[OutgoingMail.State.QUEUED, OutgoingMail.State.FAILED],
        attempts__lt=settings.MAIL_MAX_ATTEMPTS,
    ).update(state=OutgoingMail.State.SENDING, attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    if not claimed:
        # Nothing got updated: sent already, being sent by another worker, or given up.
        return None
    mail = OutgoingMail.objects.get(pk=mail_id)
    try:
        mail.as_message().send()
    except (smtplib.SMTPException, OSError) as exc:
        mail.state = OutgoingMail.State.FAILED
        mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        mail.save(update_fields=["state", "last_error"])
        log.warning("mail %s (%s) attempt %s failed: %s", mail.pk, mail.kind, mail.attempts, type(exc).__name__)
        if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
            return None
        return _retry_delay(mail.attempts)
    mail.state = OutgoingMail.State.SENT
    mail.sent_at = timezone.now()
    mail.last_error = ""
    mail.save(update_fields=["state", "sent_at", "last_error"])
    log.info("mail %s (%s) sent after %s attempt(s)", mail.pk, mail.kind, mail.attempts)
    return None


def mail_send_due():
    """Sends what is still waiting: failed mails whose backoff is over, queued ones whose task was lost
    (a broker restart, tasks run in-process without a worker) and stalled sends. Returns how many were sent."""
    now = timezone.now()
    # A send that stalled this long died with its worker. The message may, in a rare case, have been
    # handed over just before: it goes out again with the same Message-ID, which mail servers deduplicate.
    OutgoingMail.objects.filter(
        state=OutgoingMail.State.SENDING, last_attempt_at__lt=now - timedelta(minutes=15)
    ).update(state=OutgoingMail.State.FAILED, last_error="The send stalled; the worker probably stopped.")
    waiting = OutgoingMail.objects.filter(
        state__in=[OutgoingMail.State.QUEUED, OutgoingMail.State.FAILED],
        attempts__lt=settings.MAIL_MAX_ATTEMPTS,
    ).exclude(state=OutgoingMail.State.QUEUED, created_at__gt=now - timedelta(minutes=5))
    sent = 0
    for mail in waiting.only("pk", "attempts", "last_attempt_at"):
        if mail.attempts and mail.last_attempt_at + timedelta(seconds=_retry_delay(mail.attempts)) > now:
            continue
        mail_send(mail_id=mail.pk)
        sent += OutgoingMail.objects.filter(pk=mail.pk, state=OutgoingMail.State.SENT).exists()
    return sent
