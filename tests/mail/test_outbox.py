"""Decision e-mails: drafted after each decision, released by the committee, sent once each, retried when SMTP fails.

The SMTP server is a real one (aiosmtpd) on loopback; tasks run in-process, after the commit that released
them. The same release through Redis and a real worker is in tests/integration/test_decision_mail_worker.py."""

import importlib
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from contest_portal.mail.models import MailTemplate, OutgoingMail
from contest_portal.mail.outbox import drafts_redraft, drafts_release
from contest_portal.mail.services import mail_draft_edit, mail_retry, mail_send_due
from contest_portal.refusals import NotAllowed, Refusal
from submissions.decision_mail import decision_mail_prepare
from submissions.models import Submission, SubmissionEvent

pytestmark = pytest.mark.django_db

Draft, Sent, Failed = OutgoingMail.State.DRAFT, OutgoingMail.State.SENT, OutgoingMail.State.FAILED


def _release(mails, user, callbacks):
    with callbacks(execute=True):
        return drafts_release(mails=mails, user=user)


def _drafts():
    return OutgoingMail.objects.filter(state=Draft)


def _text(message):
    return message.get_body(("plain",)).get_content()


def test_a_finalist_is_drafted_a_polite_mail_in_vietnamese_and_nothing_is_sent(smtp, contest, alice_clip, decide):
    mail = decide(alice_clip, "shortlisted")

    assert (mail.state, mail.kind, mail.to) == (Draft, "decision_shortlisted", "alice@example.com")
    assert mail.subject == f"[{contest.short_name}] Clip {alice_clip.code} được chọn vào vòng Chung kết"
    for words in (
        "Kính gửi tác giả Lò Thị Alice,",
        f"Ban Tổ chức {contest.name} trân trọng thông báo",
        f"Mã clip: {alice_clip.code}",
        "Tên clip: Chợ phiên số hoá",
        "https://facebook.com/chuyendoisostonla2024",
        "cuocthichuyendoiso@sonla.gov.vn",
        "http://127.0.0.1:8000/test-contest/clip-cua-toi/",
    ):
        assert words in mail.body_text
    assert "{{" not in mail.body_text and "{%" not in mail.body_text
    assert '<a href="https://facebook.com/chuyendoisostonla2024"' in mail.body_html
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("decision", "subject", "kind"),
    [
        ("not_selected", "Kết quả vòng Sơ loại của clip", "decision_not_selected"),
        ("disqualified", "không đủ điều kiện dự thi", "decision_disqualified"),
    ],
)
def test_a_clip_turned_down_is_told_why(alice_clip, decide, decision, subject, kind):
    mail = decide(alice_clip, decision, reason="Clip dài hơn 15 phút & không có tiếng <Việt>")

    assert mail.kind == kind
    assert subject in mail.subject and alice_clip.code in mail.subject
    assert "Lý do: Clip dài hơn 15 phút & không có tiếng <Việt>" in mail.body_text
    assert "facebook.com" not in mail.body_text
    # The text is written as it is; only the HTML part escapes it.
    assert "Clip dài hơn 15 phút &amp; không có tiếng &lt;Việt&gt;" in mail.body_html


def test_a_group_is_greeted_by_its_name(contest, alice, register, submit, decide):
    from tests.conftest import ALICE_ID

    clip = submit(register(alice, "Lò Thị Alice", ALICE_ID, group_name="Nhóm Bản Mòng"))
    assert "Kính gửi nhóm tác giả Nhóm Bản Mòng," in decide(clip, "shortlisted").body_text


def test_a_decision_changed_before_release_rewords_the_same_draft(alice_clip, decide):
    first = decide(alice_clip, "shortlisted")
    second = decide(alice_clip, "not_selected", reason="Chưa đúng chủ đề")

    assert second.pk == first.pk
    assert OutgoingMail.objects.filter(kind__startswith="decision_").count() == 1
    assert (second.state, second.kind) == (Draft, "decision_not_selected")
    assert "Lý do: Chưa đúng chủ đề" in second.body_text


def test_drafting_again_without_a_new_decision_keeps_the_committees_wording(alice_clip, decide):
    mail = decide(alice_clip, "shortlisted")
    assert mail_draft_edit(mail=mail, subject="Chúc mừng!", body_text="Lời chúc mừng riêng.\n")

    again = decision_mail_prepare(submission=alice_clip)

    assert (again.pk, again.subject, again.body_text) == (mail.pk, "Chúc mừng!", "Lời chúc mừng riêng.\n")
    assert "<p>Lời chúc mừng riêng.</p>" in again.body_html


def test_a_released_mail_cannot_be_reworded(alice_clip, decide, committee):
    mail = decide(alice_clip, "shortlisted")
    drafts_release(mails=[mail], user=committee)

    assert not mail_draft_edit(mail=mail, subject="Khác", body_text="Khác")
    mail.refresh_from_db()
    assert mail.subject != "Khác"


def test_a_clip_without_a_decision_has_no_draft(alice_clip):
    assert decision_mail_prepare(submission=alice_clip) is None
    assert not _drafts().exists()


def test_releasing_sends_each_draft_once_and_tells_the_entrants(
    smtp, alice_clip, bob_clip, decide, committee, django_capture_on_commit_callbacks
):
    decide(alice_clip, "shortlisted")
    decide(bob_clip, "not_selected", reason="Chưa đúng chủ đề")

    release = _release(_drafts(), committee, django_capture_on_commit_callbacks)

    assert len(release.released) == 2 and release.redrafted == []
    assert sorted(message["To"] for message in smtp.messages) == ["alice@example.com", "bob@example.com"]
    for mail in OutgoingMail.objects.filter(pk__in=release.released):
        assert (mail.state, mail.attempts, mail.released_by) == (Sent, 1, committee)
    for clip in (alice_clip, bob_clip):
        clip.refresh_from_db()
        assert clip.decision_notified_at is not None
        [told] = SubmissionEvent.objects.filter(submission=clip, action="told")
        assert (told.actor, told.to_status) == (committee, clip.status)


def test_releasing_the_same_drafts_twice_sends_nothing_twice(
    smtp, alice_clip, decide, committee, django_capture_on_commit_callbacks
):
    mail = decide(alice_clip, "shortlisted")
    first = _release(OutgoingMail.objects.filter(pk=mail.pk), committee, django_capture_on_commit_callbacks)
    second = _release(OutgoingMail.objects.filter(pk=mail.pk), committee, django_capture_on_commit_callbacks)

    assert (first.released, second.released) == ([mail.pk], [])
    assert len(smtp.messages) == 1
    assert SubmissionEvent.objects.filter(submission=alice_clip, action="told").count() == 1
    # Drafting again after the release finds the mail that was sent, and makes nothing new.
    assert decision_mail_prepare(submission=alice_clip).pk == mail.pk
    assert not _drafts().exists()


def test_a_decision_changed_after_release_is_told_in_a_new_mail(
    smtp, alice_clip, decide, committee, django_capture_on_commit_callbacks
):
    told = decide(alice_clip, "not_selected", reason="Chưa đúng chủ đề")
    _release(_drafts(), committee, django_capture_on_commit_callbacks)

    correction = decide(alice_clip, "shortlisted")

    assert correction.pk != told.pk and correction.state == Draft
    assert correction.kind == "decision_shortlisted"
    alice_clip.refresh_from_db()
    assert alice_clip.decision_notified_at is None  # told the old decision, not this one
    _release(_drafts(), committee, django_capture_on_commit_callbacks)
    assert [message["Subject"].strip() for message in smtp.messages] == [told.subject, correction.subject]
    told.refresh_from_db()
    assert told.kind == "decision_not_selected" and "Chưa đúng chủ đề" in told.body_text


def test_releasing_needs_the_permission(
    smtp, alice_clip, decide, screener, django_capture_on_commit_callbacks, english
):
    mail = decide(alice_clip, "shortlisted")

    with pytest.raises(NotAllowed, match="You may not release e-mails"):
        _release(_drafts(), screener, django_capture_on_commit_callbacks)

    mail.refresh_from_db()
    assert mail.state == Draft and smtp.messages == []
    alice_clip.refresh_from_db()
    assert alice_clip.decision_notified_at is None


def test_a_draft_telling_an_outdated_decision_is_held_back_and_reworded(
    smtp, alice_clip, committee, decide, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from submissions.models import Submission

    mail = decide(alice_clip, "shortlisted")
    # Decided again without the draft being prepared again (not through submission_decide, which drafts): the
    # draft still tells "finalist".
    Submission.objects.filter(pk=alice_clip.pk).update(
        status="not_selected", decision_reason="Trùng lặp", decided_at=timezone.now()
    )

    release = _release(_drafts(), committee, django_capture_on_commit_callbacks)

    assert (release.released, release.redrafted) == ([], [mail.pk])
    mail.refresh_from_db()
    assert (mail.state, mail.kind) == (Draft, "decision_not_selected")
    assert "Lý do: Trùng lặp" in mail.body_text
    assert smtp.messages == []
    alice_clip.refresh_from_db()
    assert alice_clip.decision_notified_at is None


def test_other_drafts_in_the_selection_are_released_too(
    smtp, alice_clip, decide, committee, django_capture_on_commit_callbacks
):
    decide(alice_clip, "shortlisted")
    other = OutgoingMail.objects.create(
        kind="notice", to="c@example.com", from_email="x@example.com", subject="S", body_text="B", state=Draft
    )

    release = _release(_drafts(), committee, django_capture_on_commit_callbacks)

    assert other.pk in release.released and len(smtp.messages) == 2


def test_a_failed_send_is_logged_and_retried_after_its_backoff(
    smtp, settings, alice_clip, decide, committee, django_capture_on_commit_callbacks
):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    smtp.fail_next(1)
    mail = decide(alice_clip, "shortlisted")

    _release(_drafts(), committee, django_capture_on_commit_callbacks)

    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (Failed, 1)
    assert "451" in mail.last_error
    assert smtp.messages == [] and smtp.refused == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert mail_send_due() == 1
    mail.refresh_from_db()
    assert (mail.state, mail.attempts, mail.last_error) == (Sent, 2, "")
    [message] = smtp.messages
    assert message["To"] == "alice@example.com" and alice_clip.code in message["Subject"]


def test_the_committee_sends_a_mail_again_that_failed_for_good(
    smtp, settings, alice_clip, decide, committee, django_capture_on_commit_callbacks
):
    settings.MAIL_MAX_ATTEMPTS = 1
    smtp.fail_next(1)
    mail = decide(alice_clip, "shortlisted")
    _release(_drafts(), committee, django_capture_on_commit_callbacks)
    assert mail_send_due() == 0  # given up

    with django_capture_on_commit_callbacks(execute=True):
        assert mail_retry(mails=OutgoingMail.objects.all(), user=committee) == [mail.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert mail_retry(mails=OutgoingMail.objects.all(), user=committee) == []

    mail.refresh_from_db()
    assert (mail.state, mail.attempts) == (Sent, 1)
    assert len(smtp.messages) == 1


def test_a_just_released_draft_is_left_to_its_task_by_the_sweep(
    smtp, alice_clip, decide, committee, django_capture_on_commit_callbacks
):
    OutgoingMail.objects.filter(kind="submission_receipt").update(state=Sent)
    mail = decide(alice_clip, "shortlisted")
    OutgoingMail.objects.filter(pk=mail.pk).update(created_at=timezone.now() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=False):
        drafts_release(mails=_drafts(), user=committee)  # its task is lost

    assert mail_send_due() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert mail_send_due() == 1
    assert len(smtp.messages) == 1


def test_a_broken_template_is_refused_with_what_to_fix(alice_clip, decide, english):
    MailTemplate.objects.filter(key="decision_shortlisted").update(body_text="{% if %}")

    with pytest.raises(Refusal, match="needs fixing: The text has an error"):
        decide(alice_clip, "shortlisted")


def test_drafts_are_reworded_from_an_edited_template(alice_clip, bob_clip, decide, committee):
    decide(alice_clip, "shortlisted")
    decide(bob_clip, "shortlisted")
    mail_draft_edit(mail=_drafts().first(), subject="Sửa tay", body_text="Sửa tay")
    MailTemplate.objects.filter(key="decision_shortlisted").update(subject="Chúc mừng {{ submission.code }}")

    assert drafts_redraft(mails=_drafts(), user=committee) == 2

    assert sorted(_drafts().values_list("subject", flat=True)) == [
        f"Chúc mừng {alice_clip.code}",
        f"Chúc mừng {bob_clip.code}",
    ]


def test_rewording_drafts_needs_the_permission(alice_clip, decide, screener, english):
    decide(alice_clip, "shortlisted")
    with pytest.raises(NotAllowed, match="You may not change e-mails"):
        drafts_redraft(mails=_drafts(), user=screener)


def test_the_default_templates_come_from_the_files_and_keep_the_committees_wording():
    migration = importlib.import_module("contest_portal.mail.migrations.0004_decision_mail_templates")
    MailTemplate.objects.all().delete()
    MailTemplate.objects.create(key="decision_shortlisted", subject="Đã sửa", body_text="Đã sửa")

    migration.create_decision_templates(apps, None)

    templates = {template.key: template for template in MailTemplate.objects.all()}
    assert set(templates) == {"decision_shortlisted", "decision_not_selected", "decision_disqualified"}
    assert templates["decision_shortlisted"].subject == "Đã sửa"
    assert templates["decision_not_selected"].subject.startswith("[{{ contest.short_name }}]")
    assert "{{ reason }}" in templates["decision_disqualified"].body_text


def test_a_missing_template_is_made_again_from_the_files(alice_clip, decide):
    MailTemplate.objects.all().delete()

    assert "Chợ phiên số hoá" in decide(alice_clip, "shortlisted").body_text
    assert MailTemplate.objects.get(key="decision_shortlisted").description


def test_only_released_mails_count_as_told(alice_clip, decide):
    decide(alice_clip, "shortlisted")
    assert Submission.objects.get(pk=alice_clip.pk).decision_notified_at is None
