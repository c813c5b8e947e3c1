"""The decision mails go to the clip's co-authors too: each co-author recorded on the clip with an e-mail address
gets the registrant's mail, as a draft of their own, released with it; only the registrant's release counts as
telling the entrant (decision_notified_at)."""

import pytest

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.outbox import drafts_release
from submissions.decision_mail import decision_mail_prepare
from submissions.models import CoAuthor, SubmissionAuthor

pytestmark = pytest.mark.django_db

Draft, Sent = OutgoingMail.State.DRAFT, OutgoingMail.State.SENT


def _coauthor(clip, name, email, id_number):
    """A co-author as the registration names her and as the clip records her."""
    coauthor = CoAuthor.objects.create(
        registration=clip.registration,
        full_name=name,
        email=email,
        date_of_birth="2001-01-01",
        id_number=id_number,
    )
    SubmissionAuthor.objects.create(
        submission=clip,
        order=9,
        full_name=name,
        date_of_birth="2001-01-01",
        id_number=id_number,
        coauthor=coauthor,
    )
    return coauthor


@pytest.fixture
def group_clip(alice_clip):
    _coauthor(alice_clip, "Quàng Thị Ánh", "anh@example.com", "014301000001")
    return alice_clip


def _decision_mails():
    return OutgoingMail.objects.filter(dedupe_key__startswith="decision:").order_by("to")


def test_each_co_author_with_an_address_is_drafted_the_registrants_mail(group_clip, decide):
    mail = decide(group_clip, "shortlisted")

    assert mail.to == "alice@example.com"
    mails = list(_decision_mails())
    assert [(m.to, m.state, m.kind) for m in mails] == [
        ("alice@example.com", Draft, "decision_shortlisted"),
        ("anh@example.com", Draft, "decision_shortlisted"),
    ]
    assert mails[0].subject == mails[1].subject and mails[0].body_text == mails[1].body_text
    assert mails[1].dedupe_key == f"{mails[0].dedupe_key}:coauthor:{CoAuthor.objects.get().pk}"


def test_a_co_author_without_an_address_or_with_the_registrants_is_not_mailed_again(alice_clip, decide):
    _coauthor(alice_clip, "Cầm Văn Bình", "", "014301000002")
    _coauthor(alice_clip, "Lò Văn Chung", "Alice@Example.com", "014301000003")

    decide(alice_clip, "not_selected", reason="Lạc đề.")

    assert list(_decision_mails().values_list("to", flat=True)) == ["alice@example.com"]


def test_a_decision_changed_before_release_rewords_every_draft(group_clip, decide):
    decide(group_clip, "shortlisted")

    decide(group_clip, "not_selected", reason="Lạc đề.")

    assert list(_decision_mails().values_list("to", "kind")) == [
        ("alice@example.com", "decision_not_selected"),
        ("anh@example.com", "decision_not_selected"),
    ]
    assert all("Lý do: Lạc đề." in body for body in _decision_mails().values_list("body_text", flat=True))


def test_only_the_registrants_mail_tells_the_entrant(
    group_clip, decide, committee, django_capture_on_commit_callbacks
):
    decide(group_clip, "shortlisted")
    with django_capture_on_commit_callbacks(execute=True):
        drafts_release(mails=_decision_mails().filter(to="anh@example.com"), user=committee)
    group_clip.refresh_from_db()
    assert group_clip.decision_notified_at is None

    with django_capture_on_commit_callbacks(execute=True):
        drafts_release(mails=_decision_mails(), user=committee)

    group_clip.refresh_from_db()
    assert group_clip.decision_notified_at is not None
    assert list(_decision_mails().values_list("to", "state")) == [
        ("alice@example.com", Sent),
        ("anh@example.com", Sent),
    ]


def test_a_released_decision_is_not_drafted_again_for_anyone(group_clip, decide, committee, mailoutbox):
    decide(group_clip, "disqualified", reason="Sao chép.")
    drafts_release(mails=_decision_mails(), user=committee)

    decision_mail_prepare(submission=group_clip)

    assert _decision_mails().count() == 2
    assert not _decision_mails().filter(state=Draft).exists()
