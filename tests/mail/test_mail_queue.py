"""The mail queue: every message logged with its state, retried with backoff when SMTP fails, never sent twice.

The SMTP server is a real one (aiosmtpd) on loopback; tasks run in-process here. The same behaviour through
Redis and a real worker is in tests/integration/."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.utils import timezone

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.services import mail_queue, mail_send, mail_send_due
from contest_portal.mail.tasks import mail_send_task

pytestmark = pytest.mark.django_db


def _message(to="alice@example.com"):
    message = EmailMultiAlternatives(subject="Biên nhận CDS2024-0001", body="Nội dung", to=[to])
    message.attach_alternative("<p>Nội dung</p>", "text/html")
    return message


def test_a_queued_mail_is_sent_after_commit_and_logged(smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mail = mail_queue(message=_message(), kind="test")
    assert mail.state == OutgoingMail.State.QUEUED
    assert smtp.messages == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (OutgoingMail.State.SENT, 1)
    [received] = smtp.messages
    assert received["Subject"] == "Biên nhận CDS2024-0001"
    assert received.get_body(("html",)).get_content().strip() == "<p>Nội dung</p>"


def test_a_failed_send_is_retried_with_backoff_and_logged(smtp, settings):
    settings.MAIL_RETRY_BASE_SECONDS = 30
    smtp.fail_next(2)
    mail = OutgoingMail.objects.create(
        kind="test", to="a@example.com", from_email="x@example.com", subject="S", body_text="B"
    )

    assert mail_send(mail_id=mail.pk) == 30
    mail.refresh_from_db()
    assert mail.state == OutgoingMail.State.FAILED and "451" in mail.last_error
    assert mail_send(mail_id=mail.pk) == 60
    assert mail_send(mail_id=mail.pk) is None
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.last_error) == (OutgoingMail.State.SENT, 3, "")
    assert len(smtp.messages) == 1


def _mail():
    return OutgoingMail.objects.create(
        kind="test", to="a@example.com", from_email="x@example.com", subject="S", body_text="B"
    )


def test_without_a_worker_a_failed_mail_waits_for_the_sweep_after_its_backoff(smtp, settings):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    smtp.fail_next(1)
    mail = _mail()
    mail_send_task.delay(mail.pk)  # in-process: no exception reaches the request that queued it
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (OutgoingMail.State.FAILED, 1)
    assert mail_send_due() == 0  # the backoff is not over
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert mail_send_due() == 1
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (OutgoingMail.State.SENT, 2)
    assert len(smtp.messages) == 1


def test_the_sweep_sends_a_queued_mail_whose_task_was_lost(smtp):
    mail = _mail()
    assert mail_send_due() == 0  # just queued: its task is probably on the way
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        call_command("send_due_mail", stdout=io.StringIO())
    mail.refresh_from_db()
    assert mail.state == OutgoingMail.State.SENT


def test_it_gives_up_after_the_last_attempt(smtp, settings):
    settings.MAIL_MAX_ATTEMPTS = 3
    smtp.fail_next(10)
    mail = _mail()
    for _ in range(5):
        mail_send(mail_id=mail.pk)
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (OutgoingMail.State.FAILED, 3)
    assert smtp.refused == 3
    assert smtp.messages == []


def test_a_sent_mail_is_never_sent_again(smtp):
    mail = OutgoingMail.objects.create(
        kind="test", to="a@example.com", from_email="x@example.com", subject="S", body_text="B"
    )
    mail_send(mail_id=mail.pk)
    mail_send(mail_id=mail.pk)
    mail_send_task.delay(mail.pk)
    assert len(smtp.messages) == 1


def test_queueing_the_same_receipt_twice_stores_and_sends_it_once(smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = mail_queue(message=_message(), kind="receipt", dedupe_key="submission_receipt:1")
    with django_capture_on_commit_callbacks(execute=True):
        second = mail_queue(message=_message(), kind="receipt", dedupe_key="submission_receipt:1")
    assert first.pk == second.pk
    assert OutgoingMail.objects.count() == 1
    assert len(smtp.messages) == 1


def test_a_mail_that_vanished_is_ignored(smtp):
    assert mail_send(mail_id=987654) is None
