"""Receipts through the real chain: commit -> Redis -> `celery worker` -> SMTP, each message sent once."""

import time

import pytest
from django.utils import translation

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.tasks import mail_send_task
from submissions.models import Submission
from submissions.templatetags.portal import bytes_exact
from tests.conftest import ALICE_ID
from tests.integration.polling import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.worker]


@pytest.fixture
def alice_registration(register, alice):
    return register(alice, "Lò Thị Alice", ALICE_ID)


def _wait_until_sent(mail, smtp):
    wait_until(lambda: smtp.messages, timeout=60, what="a message at the SMTP server")
    wait_until(
        lambda: OutgoingMail.objects.filter(pk=mail.pk, state=OutgoingMail.State.SENT).exists(),
        timeout=15,
        what=f"mail {mail.pk} to be marked sent",
    )
    mail.refresh_from_db()


def _receipt(submission):
    return OutgoingMail.objects.get(dedupe_key=f"submission_receipt:{submission.pk}")


def test_the_receipt_is_sent_once_when_the_first_smtp_attempt_fails(
    celery_worker, smtp, alice_registration, submit
):
    smtp.fail_next(1)
    submission = submit(alice_registration, title="Chợ phiên số hoá")
    mail = _receipt(submission)

    _wait_until_sent(mail, smtp)

    assert smtp.refused == 1
    assert mail.attempts == 2
    [message] = smtp.messages
    assert message["To"] == "alice@example.com"
    assert message["X-Portal-Mail-Id"] == str(mail.pk)
    assert submission.code in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    with translation.override("vi"):
        size = bytes_exact(submission.size)
    for detail in (submission.code, "Chợ phiên số hoá", "bản em.mp4", size, submission.sha256):
        assert detail in body
    # A late retry or a redelivered task would show up here.
    time.sleep(3)
    assert len(smtp.messages) == 1
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (OutgoingMail.State.SENT, 2)


def test_running_the_task_again_for_a_sent_mail_sends_nothing(celery_worker, smtp, alice_registration, submit):
    mail = _receipt(submit(alice_registration))
    _wait_until_sent(mail, smtp)

    again = [mail_send_task.delay(mail.pk), mail_send_task.delay(mail.pk)]
    celery_worker.wait_for_tasks([result.id for result in again])

    assert len(smtp.messages) == 1
    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (OutgoingMail.State.SENT, 1)


def test_the_worker_makes_the_thumbnail_from_the_stored_clip(celery_worker, smtp, alice_registration, submit):
    submission = submit(alice_registration)

    thumbnail = wait_until(
        lambda: (
            Submission.objects.filter(pk=submission.pk)
            .exclude(thumbnail="")
            .values_list("thumbnail", flat=True)
            .first()
        ),
        timeout=60,
        what="the worker to store a thumbnail",
    )

    assert (celery_worker.media_root / thumbnail).read_bytes().startswith(b"\xff\xd8")


def test_the_media_queue_makes_a_playable_preview(celery_worker, smtp, alice_registration, submit):
    submission = submit(alice_registration)

    state = wait_until(
        lambda: (
            Submission.objects.filter(pk=submission.pk)
            .exclude(media_state=Submission.MediaState.PROCESSING)
            .values_list("media_state", flat=True)
            .first()
        ),
        timeout=120,
        what="the media worker to make the preview",
    )

    assert state == Submission.MediaState.READY
    submission.refresh_from_db()
    assert (celery_worker.media_root / submission.preview.name).read_bytes()[4:8] == b"ftyp"
