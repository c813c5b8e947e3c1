"""Fixtures for the mail tests: a real SMTP server on loopback, staff in their roles, decided clips.

Staff, by what they may do: `screener` screens clips; `committee` (Organizing Committee) screens, changes told
decisions, disqualifies, edits and releases the outbox."""

import socket

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from tests.conftest import ALICE_ID, BOB_ID
from tests.smtp import RecordingSMTPHandler

SCREENING = ["submissions.screen_submission"]
COMMITTEE = [
    *SCREENING,
    "submissions.change_told_decision",
    "submissions.disqualify_submission",
    "mail.view_outgoingmail",
    "mail.change_outgoingmail",
    "mail.release_outgoingmail",
    "mail.view_mailtemplate",
    "mail.change_mailtemplate",
]


@pytest.fixture(autouse=True)
def _decision_templates(db):
    """The templates the data migration made, which a transactional test run earlier may have flushed."""
    from contest_portal.mail.services import mail_template_get
    from submissions.decision_mail import DECISION_TEMPLATES

    for key, description in DECISION_TEMPLATES.values():
        mail_template_get(key=key, description=description)


@pytest.fixture
def smtp(settings):
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = RecordingSMTPHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def make_staff(email, permissions):
    user = get_user_model().objects.create_user(email=email, password="a-long-test-password", is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def screener(db):
    return make_staff("screener@example.com", SCREENING)


@pytest.fixture
def alice_clip(contest, alice, register, submit):
    return submit(register(alice, "Lò Thị Alice", ALICE_ID), title="Chợ phiên số hoá")


@pytest.fixture
def bob_clip(contest, bob, register, submit):
    return submit(register(bob, "Cầm Văn Bob", BOB_ID), title="Bản em lên mạng")


@pytest.fixture
def decide(committee):
    """decide(submission, decision, reason="", by=committee): the screening service, then the drafting, as the
    screening admin does after each decision."""
    from submissions.decision_mail import decision_mail_prepare
    from submissions.screening import submission_decide

    def _decide(submission, decision, reason="", by=None):
        submission_decide(submission=submission, user=by or committee, decision=decision, reason=reason)
        submission.refresh_from_db()
        return decision_mail_prepare(submission=submission)

    return _decide
