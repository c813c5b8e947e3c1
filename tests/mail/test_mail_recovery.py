"""Mail after a crash: a send claims its mail for a lease; one whose worker died goes out again when the lease
ends, with the same Message-ID, and a worker that starts sends what was left behind.

The SMTP server is a real one (aiosmtpd) on loopback, the clock is moved with time_machine, tasks run
in-process. A real worker killed mid-batch is in tests/integration/test_mail_crash.py."""

import threading
from datetime import timedelta

import pytest
import time_machine
from celery.signals import worker_ready
from django.db import connection
from django.utils import timezone

from contest_portal.mail import tasks  # noqa: F401  (connects the worker_ready handler, as in the worker)
from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.services import mail_recover, mail_retry, mail_send, mail_send_due

pytestmark = pytest.mark.django_db

Queued, Sending, Sent, Failed = (
    OutgoingMail.State.QUEUED,
    OutgoingMail.State.SENDING,
    OutgoingMail.State.SENT,
    OutgoingMail.State.FAILED,
)
T = timezone.now().replace(microsecond=0)


@pytest.fixture(autouse=True)
def _timings(settings):
    settings.MAIL_SEND_LEASE_SECONDS = 180
    settings.MAIL_RETRY_BASE_SECONDS = 30
    settings.MAIL_MAX_ATTEMPTS = 6


def _at(seconds):
    return time_machine.travel(T + timedelta(seconds=seconds), tick=False)


def _mail(to="a@example.com", *, queued_at=0, **state):
    """A mail queued `queued_at` seconds after T; with `state`, as a send left it, claimed at T."""
    with _at(queued_at):
        mail = OutgoingMail.objects.create(
            kind="test", to=to, from_email="x@example.com", subject="S", body_text="B"
        )
    if state:
        state.setdefault("last_attempt_at", T)
        OutgoingMail.objects.filter(pk=mail.pk).update(**state)
    mail.refresh_from_db()
    return mail


def _in_a_thread(function):
    """Runs function() in a thread of its own, with its own database connection; .result once joined."""

    def run():
        try:
            thread.result["returned"] = function()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.result = {}
    thread.start()
    return thread


def _state(mail):
    mail.refresh_from_db()
    return mail.state, mail.attempts


def test_a_send_in_progress_is_left_alone_until_its_lease_ends(smtp):
    mail = _mail(state=Sending, attempts=1)

    with _at(179):
        assert mail_send_due() == 0
    assert smtp.messages == []

    with _at(181):
        assert mail_send_due() == 1
    assert _state(mail) == (Sent, 2)
    [received] = smtp.messages
    assert received["Message-ID"] == mail.message_id == f"<portal-mail-{mail.pk}.{T:%Y%m%d%H%M%S}@example.com>"


def test_a_task_that_finds_its_mail_claimed_looks_again_when_the_lease_ends(smtp):
    # As when a prefork child is killed mid-send and its task is redelivered at once.
    mail = _mail(state=Sending, attempts=1)

    with _at(60):
        assert mail_send(mail_id=mail.pk) == 121
    assert smtp.messages == []

    with _at(181):
        assert mail_send(mail_id=mail.pk) is None
    assert _state(mail) == (Sent, 2)
    assert [received["Message-ID"] for received in smtp.messages] == [mail.message_id]


def test_a_stalled_send_goes_again_when_its_lease_ends_without_waiting_for_a_backoff(smtp):
    # A fourth attempt that failed would wait 30 × 2³ = 240 s; a crash is not the SMTP server's doing.
    mail = _mail(state=Sending, attempts=4)

    with _at(181):
        assert mail_send_due() == 1

    assert _state(mail) == (Sent, 5)


def test_a_stalled_last_attempt_is_given_up_and_the_committee_can_send_it_again(
    smtp, settings, committee, django_capture_on_commit_callbacks
):
    settings.MAIL_MAX_ATTEMPTS = 3
    mail = _mail(state=Sending, attempts=3)

    with _at(181):
        assert mail_send_due() == 0

    assert _state(mail) == (Failed, 3)
    assert mail.last_error == "The last attempt stalled: its worker stopped before it finished. Not sent again."
    assert smtp.messages == []
    with django_capture_on_commit_callbacks(execute=True):
        assert mail_retry(mails=[mail], user=committee) == [mail.pk]
    assert _state(mail) == (Sent, 1)
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_the_mail_is_recorded_as_sent_before_the_goodbye_to_the_server(smtp):
    # The server has accepted the message and takes its time to answer QUIT: a worker killed meanwhile must
    # not leave the mail `sending`, to be sent again.
    mail = OutgoingMail.objects.create(
        kind="test", to="a@example.com", from_email="x@example.com", subject="S", body_text="B"
    )
    smtp.hold_next("QUIT")
    send = _in_a_thread(lambda: mail_send(mail_id=mail.pk))
    assert smtp.holding.wait(timeout=5)

    assert _state(mail) == (Sent, 1)

    smtp.release()
    send.join(timeout=5)
    assert send.result == {"returned": None}
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_a_send_that_outlasts_its_lease_may_go_twice_but_does_not_undo_the_other_one(smtp, settings):
    # The first send's server keeps the message and never answers; once the lease is over the mail is claimed
    # and sent again, and the first send's timeout, coming last, must not mark it failed.
    settings.MAIL_SEND_LEASE_SECONDS = 1
    settings.EMAIL_TIMEOUT = 2
    mail = OutgoingMail.objects.create(
        kind="test", to="a@example.com", from_email="x@example.com", subject="S", body_text="B"
    )
    smtp.hold_next("DATA")
    slow_send = _in_a_thread(lambda: mail_send(mail_id=mail.pk))
    assert smtp.holding.wait(timeout=5)

    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        assert mail_send(mail_id=mail.pk) is None
    slow_send.join(timeout=10)

    assert slow_send.result == {"returned": 30}  # its task would try again, and find the mail sent
    assert _state(mail) == (Sent, 2)
    assert [received["Message-ID"] for received in smtp.messages] == [mail.message_id, mail.message_id]


def test_recovery_follows_the_mails_waiting_when_it_started_until_each_is_sent(smtp):
    stalled = _mail("stalled@example.com", state=Sending, attempts=1)
    failed = _mail("failed@example.com", state=Failed, attempts=2)  # tried again 60 s after T
    queued = _mail("queued@example.com")  # left to its task for 5 minutes
    _mail("sent@example.com", state=Sent, attempts=1)

    with _at(0):
        waiting, due_at = mail_recover()
        assert (set(waiting), due_at) == ({stalled.pk, failed.pk, queued.pk}, T + timedelta(seconds=60))
    with _at(61):
        later = _mail("later@example.com", queued_at=61)
        waiting, due_at = mail_recover(mail_ids=waiting)
        assert (set(waiting), due_at) == ({stalled.pk, queued.pk}, T + timedelta(seconds=180))
    with _at(181):
        assert mail_recover(mail_ids=waiting) == ([queued.pk], T + timedelta(seconds=300))
    with _at(301):
        assert mail_recover(mail_ids=[queued.pk]) == ([], None)

    assert [received["To"] for received in smtp.messages] == [
        "failed@example.com",
        "stalled@example.com",
        "queued@example.com",
    ]
    assert [_state(mail) for mail in (stalled, failed, queued)] == [(Sent, 2), (Sent, 3), (Sent, 1)]
    # Queued after recovery started, it is its own task's, and the sweep's once its 5 minutes are over.
    assert _state(later) == (Queued, 0)


def test_a_worker_that_starts_sends_a_mail_its_predecessor_left_sending(smtp):
    mail = _mail(state=Sending, attempts=1)

    with _at(181):
        # What a worker sends as it starts; the handler is in tasks.py, which the worker imports first.
        worker_ready.send(sender=None)

    assert _state(mail) == (Sent, 2)
    assert [received["Message-ID"] for received in smtp.messages] == [mail.message_id]
