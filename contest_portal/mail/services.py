import logging
import math
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contest_portal.permissions import may_release_mail
from contest_portal.refusals import Refusal

from .models import MailTemplate, OutgoingMail

log = logging.getLogger(__name__)

Draft, Queued, Sending, Sent, Failed = (
    OutgoingMail.State.DRAFT,
    OutgoingMail.State.QUEUED,
    OutgoingMail.State.SENDING,
    OutgoingMail.State.SENT,
    OutgoingMail.State.FAILED,
)


@transaction.atomic
def _saved(contest):
    # A template's preview may draw on a made-up contest: the mail is then nobody's.
    return contest if contest is not None and contest.pk else None


def mail_queue(*, message, kind, dedupe_key=None, contest=None):
    """Stores a rendered EmailMessage and sends it from a Celery task once this transaction commits; `contest`
    is the one it is about (its outbox lists it).

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
                contest=_saved(contest),
            )
    except IntegrityError:
        # Already queued by an earlier call: that one is (or will be) sent.
        return OutgoingMail.objects.get(dedupe_key=dedupe_key)
    mail_send_task.delay_on_commit(mail.pk)
    return mail


def mail_render_and_queue(*, template, context, to, kind, dedupe_key=None, language=None):
    """Renders templates/emails/<template>_subject.txt, .txt and .html (without one, the text as HTML) in the
    given language and queues it, as a mail about the context's `contest`."""
    from django.core.mail import EmailMultiAlternatives
    from django.template import TemplateDoesNotExist

    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        try:
            html = render_to_string(f"emails/{template}.html", context)
        except TemplateDoesNotExist:
            html = mail_text_to_html(subject=subject, text=text, language=language)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    return mail_queue(message=message, kind=kind, dedupe_key=dedupe_key, contest=context.get("contest"))


# A mail just queued or released is left to its task this long before the sweep sends it.
QUEUED_GRACE = timedelta(minutes=5)
STALLED_ON_THE_LAST_ATTEMPT = "The last attempt stalled: its worker stopped before it finished. Not sent again."


def _retry_delay(attempts):
    return settings.MAIL_RETRY_BASE_SECONDS * 2 ** (attempts - 1)


def _lease():
    return timedelta(seconds=settings.MAIL_SEND_LEASE_SECONDS)


def mail_send(*, mail_id):
    """Sends one queued mail. Returns the seconds to wait before trying again, or None when nothing is left to do.

    The mail is claimed with a conditional update, so a task delivered twice, or run by two workers, sends it
    once. The claim is a lease of MAIL_SEND_LEASE_SECONDS: a mail still `sending` after that died with its
    worker, and may be claimed again."""
    now = timezone.now()
    # Durable: never inside another transaction, so the claim, and after it the outcome, are committed the
    # moment they are made, and other workers see them.
    with transaction.atomic(durable=True):
        claimed = (
            OutgoingMail.objects.filter(pk=mail_id, attempts__lt=settings.MAIL_MAX_ATTEMPTS)
            .filter(Q(state__in=[Queued, Failed]) | Q(state=Sending, last_attempt_at__lt=now - _lease()))
            .update(state=Sending, attempts=F("attempts") + 1, last_attempt_at=now)
        )
    if not claimed:
        # Nothing got updated: sent already, given up, or being sent under another claim.
        return _lease_left(mail_id=mail_id, now=now)
    mail = OutgoingMail.objects.get(pk=mail_id)
    connection = get_connection()
    try:
        connection.open()
        mail.as_message(connection=connection).send()
    except (smtplib.SMTPException, OSError) as exc:
        return _record_failure(mail, exc)
    else:
        # Recorded as soon as the server has accepted the message, before the goodbye (QUIT), which may take
        # as long as EMAIL_TIMEOUT: a worker that dies from here on does not send it again.
        _record_sent(mail)
        if timezone.now() > now + _lease():
            log.warning("mail %s: the send outlasted its lease; another worker may have sent it again", mail.pk)
        return None
    finally:
        # QUIT: a server that does not answer it holds the worker up to EMAIL_TIMEOUT, not the mail.
        connection.close()


def _lease_left(*, mail_id, now):
    """Seconds until the claim on a mail being sent runs out, or None when it is not being sent.

    A task that finds its mail claimed looks again then: the claim may be that of its own earlier delivery,
    whose worker process was killed mid-send (the task is then redelivered at once, reject_on_worker_lost)."""
    claimed_at = OutgoingMail.objects.filter(pk=mail_id, state=Sending).values_list("last_attempt_at", flat=True)
    claimed_at = claimed_at.first()
    if claimed_at is None or claimed_at + _lease() < now:
        return None
    return math.ceil((claimed_at + _lease() - now).total_seconds()) + 1


def _record_failure(mail, exc):
    # Only under its own claim: a send that outlasted its lease must not mark failed what another one sent.
    OutgoingMail.objects.filter(pk=mail.pk, state=Sending, attempts=mail.attempts).update(
        state=Failed, last_error=f"{type(exc).__name__}: {exc}"[:2000]
    )
    log.warning("mail %s (%s) attempt %s failed: %s", mail.pk, mail.kind, mail.attempts, type(exc).__name__)
    if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
        return None
    return _retry_delay(mail.attempts)


def _record_sent(mail):
    # Not conditional on the claim: the server has the message, whichever attempt gave it. A copy sent earlier
    # keeps its time.
    OutgoingMail.objects.filter(pk=mail.pk).exclude(state=Sent).update(
        state=Sent, sent_at=timezone.now(), last_error=""
    )
    log.info("mail %s (%s) sent after %s attempt(s)", mail.pk, mail.kind, mail.attempts)


_DUE_FIELDS = ["pk", "state", "attempts", "created_at", "released_at", "last_attempt_at"]


def _unfinished():
    """The mails still to be sent: queued, failed with attempts left, and those being sent."""
    return OutgoingMail.objects.filter(
        Q(state__in=[Queued, Failed], attempts__lt=settings.MAIL_MAX_ATTEMPTS) | Q(state=Sending)
    )


def _due_at(mail):
    """When an unfinished mail is for the sweep to send, because its task may have been lost."""
    if mail.state == Sending:
        # Its worker died mid-send. No backoff: that is for the SMTP server's refusals.
        return mail.last_attempt_at + _lease()
    if mail.state == Failed:
        return mail.last_attempt_at + timedelta(seconds=_retry_delay(mail.attempts))
    # Just queued, or a draft just released: its task is probably on the way.
    return max(mail.created_at, mail.released_at or mail.created_at) + QUEUED_GRACE


def mail_send_due():
    """Sends what is still waiting: failed mails whose backoff is over, queued ones whose task was lost
    (a broker restart, tasks run in-process without a worker) and sends whose worker died, once their lease is
    over. Returns how many were sent.

    A send that died may, in a rare case, have been accepted by the server just before: it goes out again with
    the same Message-ID."""
    now = timezone.now()
    sent = 0
    for mail in _unfinished().only(*_DUE_FIELDS):
        if _due_at(mail) > now:
            continue
        if mail.state == Sending and mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
            # Shown as failed in the outbox, where the committee can send it again.
            OutgoingMail.objects.filter(pk=mail.pk, state=Sending, last_attempt_at=mail.last_attempt_at).update(
                state=Failed, last_error=STALLED_ON_THE_LAST_ATTEMPT
            )
            log.warning("mail %s (%s): the last attempt stalled; given up", mail.pk, mail.kind)
            continue
        mail_send(mail_id=mail.pk)
        sent += OutgoingMail.objects.filter(pk=mail.pk, state=Sent).exists()
    return sent


def mail_recover(*, mail_ids=None):
    """Sends what is due, and says when to look again: returns the ids of the mails among `mail_ids` (at first,
    all unfinished ones) that are still unfinished, and when the first of them falls due; ([], None) when none.

    Run by every worker as it starts, and again at each of those times, so that mail left behind by a worker
    that died (its task unacknowledged in the broker for an hour) goes out without beat or cron."""
    mail_send_due()
    mails = _unfinished()
    if mail_ids is not None:
        mails = mails.filter(pk__in=mail_ids)
    mails = list(mails.only(*_DUE_FIELDS))
    return [mail.pk for mail in mails], min((_due_at(mail) for mail in mails), default=None)


class MailTemplateError(Exception):
    """A committee-edited template that cannot be rendered: `message` says why, `field` which part is wrong."""

    def __init__(self, message, *, field):
        super().__init__(message)
        self.message = message
        self.field = field


def mail_template_get(*, key, description="", contest=None):
    """The editable template with this key: the contest's own wording if it has one, else the portal's
    default, made from templates/emails/<key>_subject.txt and <key>.txt if missing.

    A data migration stores the defaults; they are made again here when the row is gone (a flushed test
    database, a new kind of mail added after the migration ran)."""
    if _saved(contest) is not None:
        own = MailTemplate.objects.filter(key=key, contest=contest).first()
        if own:
            return own
    template = MailTemplate.objects.filter(key=key, contest=None).first()
    if template:
        return template
    template, _created = MailTemplate.objects.get_or_create(
        key=key,
        contest=None,
        defaults={
            "description": description,
            "subject": get_template(f"emails/{key}_subject.txt").template.source.strip(),
            "body_text": get_template(f"emails/{key}.txt").template.source,
        },
    )
    return template


def _in_readers_language(message, **params):
    """The message in the language of whoever reads it: templates render under the mail's own language."""
    return lazy(lambda: str(message) % params, str)()


def _syntax_error(field, error):
    if field == "subject":
        return _in_readers_language(gettext_lazy("The subject has an error: %(error)s"), error=str(error))
    return _in_readers_language(gettext_lazy("The text has an error: %(error)s"), error=str(error))


def _rendering_error(field, error):
    error = f"{type(error).__name__}: {error}"
    if field == "subject":
        return _in_readers_language(gettext_lazy("The subject cannot be filled in: %(error)s"), error=error)
    return _in_readers_language(gettext_lazy("The text cannot be filled in: %(error)s"), error=error)


def _render_part(template, field, context):
    try:
        compiled = Template(getattr(template, field))
    except TemplateSyntaxError as error:
        raise MailTemplateError(_syntax_error(field, error), field=field) from error
    try:
        return compiled.render(Context(context, autoescape=False))
    except Exception as error:
        # The text is the committee's, and a template can fail in many ways while it renders (a filter given
        # the wrong kind of value, a tag that looks something up): each is reported, none becomes a 500.
        raise MailTemplateError(_rendering_error(field, error), field=field) from error


def mail_text_to_html(*, subject, text, language=None):
    """The HTML part of a mail written as plain text: escaped, with paragraphs and clickable links."""
    return render_to_string(
        "mail/from_text.html",
        {
            "subject": subject,
            # urlize escapes the text; linebreaks, left unescaping, keeps urlize's links.
            "body": mark_safe(linebreaks(urlize(text.strip(), autoescape=True))),
            "language": language or settings.LANGUAGE_CODE,
        },
    )


def mail_template_render(*, template, context, language=None):
    """Renders an editable template (Django template syntax, no HTML escaping) into (subject, text, html).

    Raises MailTemplateError when the committee's text does not render."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(_render_part(template, "subject", context).split())
        text = _render_part(template, "body_text", context).strip() + "\n"
    if not subject:
        raise MailTemplateError(_("The subject comes out empty."), field="subject")
    return subject, text, mail_text_to_html(subject=subject, text=text, language=language)


# What a draft holds besides its state: what mail_draft fills in, and what rewording a draft in place replaces.
DRAFT_FIELDS = ("kind", "dedupe_key", "to", "from_email", "subject", "body_text", "body_html", "contest")


def mail_draft(*, key, description, context, to, dedupe_key):
    """An unsaved draft of the mail `key` for one reader, rendered from the committee's template of that key.

    The decision and award mails are drafted this way and wait in the outbox until the committee releases
    them. The wording is the context's `contest`'s own, or the portal's default. A template that does not
    render is a Refusal naming it (the committee fixes it in the outbox)."""
    contest = context.get("contest")
    template = mail_template_get(key=key, description=description, contest=contest)
    try:
        subject, text, html = mail_template_render(template=template, context=context)
    except MailTemplateError as error:
        raise Refusal(
            _("The e-mail template “%(template)s” needs fixing: %(error)s")
            % {"template": template, "error": error.message}
        ) from error
    return OutgoingMail(
        state=Draft,
        kind=key,
        dedupe_key=dedupe_key,
        to=to,
        from_email=settings.DEFAULT_FROM_EMAIL,
        subject=subject,
        body_text=text,
        body_html=html,
        contest=_saved(contest),
    )


@transaction.atomic
def mail_draft_edit(*, mail, subject, body_text):
    """Changes the wording of a draft; the HTML part is made again from the text.

    Returns False when the mail is no longer a draft (released meanwhile): then nothing changed."""
    subject = " ".join(subject.split())
    body_text = body_text.replace("\r\n", "\n")
    return bool(
        OutgoingMail.objects.filter(pk=mail.pk, state=Draft).update(
            subject=subject,
            body_text=body_text,
            body_html=mail_text_to_html(subject=subject, text=body_text),
        )
    )


def mail_ids(mails):
    """The ids of `mails`, a queryset (read without loading the bodies) or any iterable of mails."""
    if isinstance(mails, QuerySet):
        return list(mails.values_list("pk", flat=True))
    return [mail.pk for mail in mails]


def _check_may_release(user):
    if not may_release_mail(user):
        raise PermissionDenied(_("You may not release e-mails."))


@transaction.atomic
def mail_release(*, mails, user):
    """Releases drafts: each becomes queued, records who released it, and is sent after this transaction commits.

    Returns the ids of the mails released by this call. A mail that was not a draft any more (released by a
    double click or by a colleague a moment earlier) is left alone, so releasing twice sends nothing twice."""
    _check_may_release(user)
    # The rows are locked first, so two releases of the same drafts do not both read them as drafts; the
    # update below still checks the state, as every claim does.
    released = list(
        OutgoingMail.objects.select_for_update()
        .filter(pk__in=mail_ids(mails), state=Draft)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    OutgoingMail.objects.filter(pk__in=released, state=Draft).update(
        state=Queued, released_by=user, released_at=timezone.now()
    )
    _send_after_commit(released)
    return released


@transaction.atomic
def mail_retry(*, mails, user):
    """Sends failed mails again now, with a fresh count of attempts (the last error stays until one succeeds).

    Returns the ids of the mails queued again."""
    _check_may_release(user)
    retried = list(
        OutgoingMail.objects.select_for_update()
        .filter(pk__in=mail_ids(mails), state=Failed)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    OutgoingMail.objects.filter(pk__in=retried, state=Failed).update(state=Queued, attempts=0)
    _send_after_commit(retried)
    return retried


def _send_after_commit(mail_ids):
    from .tasks import mail_send_task

    for mail_id in mail_ids:
        mail_send_task.delay_on_commit(mail_id)
