"""Mail after a crash, with real processes: a `celery worker` sending a batch through SMTP is killed with SIGKILL
mid-batch and a new one is started, without beat or cron. Every mail arrives; only the one in flight may arrive
twice, with the same Message-ID; all are sent within the lease of the new worker.

The workers here hold a claim for LEASE seconds instead of 9 × EMAIL_TIMEOUT = 180 s, so that the test runs in
seconds; the same sums with 180 s keep the recovery under 5 minutes."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.mail import EmailMessage
from django.db import transaction

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.services import mail_queue
from tests.integration.polling import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.worker]

LEASE = 8
WORKER = {"MAIL_SEND_LEASE_SECONDS": str(LEASE)}
Sending, Sent = OutgoingMail.State.SENDING, OutgoingMail.State.SENT


def _queue_batch(size):
    with transaction.atomic():
        return [
            mail_queue(
                message=EmailMessage(
                    subject=f"Biên nhận {number}", body="Nội dung", to=[f"tg{number}@example.com"]
                ),
                kind="test",
            )
            for number in range(1, size + 1)
        ]


def _all_sent(mails):
    return OutgoingMail.objects.filter(pk__in=[mail.pk for mail in mails], state=Sent).count() == len(mails)


def _message_ids(smtp):
    return Counter(message["Message-ID"] for message in smtp.messages)


def _attempts(mails):
    return dict(OutgoingMail.objects.filter(pk__in=[mail.pk for mail in mails]).values_list("pk", "attempts"))


def test_a_worker_killed_mid_send_leaves_no_mail_behind_and_the_one_in_flight_keeps_its_message_id(
    start_worker, smtp
):
    first_worker = start_worker(**WORKER)
    # The server keeps the third message and never answers: the worker cannot know it has it.
    smtp.hold_next("DATA", after=2)
    mails = _queue_batch(6)
    assert smtp.holding.wait(timeout=60)
    in_flight = OutgoingMail.objects.get(state=Sending)
    assert smtp.messages[-1]["X-Portal-Mail-Id"] == str(in_flight.pk)
    claimed_at = in_flight.last_attempt_at

    first_worker.kill()
    second_worker = start_worker(**WORKER)
    back_at = time.monotonic()
    wait_until(lambda: _all_sent(mails), timeout=LEASE + 30, what="every mail of the batch to be sent")
    recovery = time.monotonic() - back_at

    assert first_worker.process.returncode == -9
    assert second_worker.process.poll() is None
    # The new worker sends the mail in flight once its lease is over, not before, and not much later.
    print(f"every mail sent {recovery:.1f} s after the new worker answered (lease {LEASE} s)")
    assert recovery <= LEASE + 5
    in_flight.refresh_from_db()
    assert in_flight.last_attempt_at - claimed_at >= timedelta(seconds=LEASE)
    time.sleep(2)  # a late copy would show up here
    assert _message_ids(smtp) == {mail.message_id: 2 if mail == in_flight else 1 for mail in mails}
    assert _attempts(mails) == {mail.pk: 2 if mail == in_flight else 1 for mail in mails}


def test_a_worker_killed_after_the_server_accepted_a_mail_does_not_send_it_again(start_worker, smtp):
    first_worker = start_worker(**WORKER)
    # The server accepts the second message and then does not answer QUIT.
    smtp.hold_next("QUIT", after=1)
    mails = _queue_batch(3)
    assert smtp.holding.wait(timeout=60)
    accepted = OutgoingMail.objects.get(pk=smtp.messages[-1]["X-Portal-Mail-Id"])
    assert accepted.state == Sent

    first_worker.kill()
    start_worker(**WORKER)
    back_at = time.monotonic()
    wait_until(lambda: _all_sent(mails), timeout=30, what="every mail of the batch to be sent")
    # Long enough for the accepted mail's lease to end, had it been left `sending`.
    time.sleep(max(0, LEASE + 3 - (time.monotonic() - back_at)))

    assert _message_ids(smtp) == {mail.message_id: 1 for mail in mails}
    assert _attempts(mails) == {mail.pk: 1 for mail in mails}
