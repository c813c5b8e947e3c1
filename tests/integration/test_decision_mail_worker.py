"""Decision e-mails through the real chain: release -> commit -> Redis -> `celery worker` -> SMTP, once each."""

import time

import pytest
from django.contrib.auth import get_user_model

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.outbox import drafts_release
from submissions.decision_mail import decision_mail_prepare
from submissions.models import Submission
from submissions.screening import submission_decide
from tests.conftest import ALICE_ID, BOB_ID
from tests.integration.polling import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.worker]

Sent = OutgoingMail.State.SENT


def _sent(mail_ids):
    return OutgoingMail.objects.filter(pk__in=mail_ids, state=Sent).count()


def test_released_decisions_reach_each_entrant_once_when_the_first_smtp_attempt_fails(
    celery_worker, smtp, contest, alice, bob, register, submit
):
    committee = get_user_model().objects.create_superuser(email="btc@example.com", password="x")
    clips = [
        submit(register(alice, "Lò Thị Alice", ALICE_ID), title="Chợ phiên số hoá"),
        submit(register(bob, "Cầm Văn Bob", BOB_ID), title="Bản em lên mạng"),
    ]
    receipts = OutgoingMail.objects.filter(kind="submission_receipt").values_list("pk", flat=True)
    # The receipts go out first; this test counts the decision mails.
    wait_until(lambda: _sent(receipts) == 2, timeout=60, what="the two receipts to be sent")
    smtp.reset()
    for clip, decision, reason in zip(
        clips, ["shortlisted", "not_selected"], ["", "Chưa đúng chủ đề"], strict=True
    ):
        submission_decide(submission=clip, user=committee, decision=decision, reason=reason)
        decision_mail_prepare(submission=clip)
    drafts = OutgoingMail.objects.filter(state=OutgoingMail.State.DRAFT)
    smtp.fail_next(1)

    release = drafts_release(mails=drafts, user=committee)

    assert len(release.released) == 2
    wait_until(lambda: _sent(release.released) == 2, timeout=60, what="both decision mails to be marked sent")
    assert drafts_release(mails=OutgoingMail.objects.all(), user=committee).released == []
    # A late retry, a redelivered task or the second release would show up here.
    time.sleep(3)
    assert smtp.refused == 1
    assert sorted(message["To"] for message in smtp.messages) == ["alice@example.com", "bob@example.com"]
    mails = OutgoingMail.objects.filter(pk__in=release.released)
    assert sorted(mail.attempts for mail in mails) == [1, 2]
    for message in smtp.messages:
        mail = mails.get(to=message["To"])
        assert message["X-Portal-Mail-Id"] == str(mail.pk)
        assert message.get_body(("plain",)).get_content().split() == mail.body_text.split()
    assert not Submission.objects.filter(pk__in=[clip.pk for clip in clips], decision_notified_at=None).exists()
