"""With a broker configured, tests not marked `worker` still run their tasks in-process, never through Redis."""

import pytest
from django.conf import settings

from contest_portal.celery import app as celery_app
from contest_portal.mail.models import OutgoingMail
from tests.conftest import ALICE_ID

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_a_test_without_the_worker_marker_never_publishes_a_task(
    redis_broker, monkeypatch, django_capture_on_commit_callbacks, mailoutbox, register, submit, alice
):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False

    def refuse_to_publish(name, *args, **kwargs):
        raise AssertionError(f"task {name} was sent to the broker")

    monkeypatch.setattr(celery_app, "send_task", refuse_to_publish)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))

    assert OutgoingMail.objects.get().state == OutgoingMail.State.SENT
    assert [message.subject for message in mailoutbox] == [OutgoingMail.objects.get().subject]
    submission.refresh_from_db()
    assert submission.thumbnail
