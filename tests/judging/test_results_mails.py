"""The result mails: publishing drafts one for every finalist's registrant, winners and not, and one for every
co-author recorded with an e-mail address (none twice); the prize screen says how many go to whom, and sends
them, with the publication or after it, only once the committee confirms that count."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contest_portal.mail.models import OutgoingMail
from contest_portal.refusals import NotAllowed
from judging.models import FinalRound
from judging.prizes import awards_confirm
from judging.publication import RESULT_MAIL_KINDS, result_drafts_waiting, result_mails_planned, results_publish
from judging.runs import ranking_run_approve, ranking_run_start
from submissions.models import CoAuthor, SubmissionAuthor
from tests.finalists import TITLES
from tests.staff import make_staff_with

from .results_setup import prepare_round, score, set_prize_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english"), pytest.mark.judges(2)]

Draft, Sent = OutgoingMail.State.DRAFT, OutgoingMail.State.SENT
COUNT = "6 e-mails: 2 to prize winners, 2 to finalists without a prize, 2 to co-authors"


def _coauthor(clip, name, email, id_number):
    """A co-author who confirmed, as the registration names her and as the clip records her."""
    coauthor = CoAuthor.objects.create(
        registration=clip.registration,
        full_name=name,
        email=email,
        date_of_birth="2001-01-01",
        id_number=id_number,
        confirmed_at=timezone.now(),
    )
    SubmissionAuthor.objects.create(
        submission=clip,
        order=9,
        full_name=name,
        date_of_birth="2001-01-01",
        id_number=id_number,
        coauthor=coauthor,
    )


@pytest.fixture
def clips(make_finalists):
    """Four finalists by tacgia1…4@example.com. The first (which wins Giải Nhất) has a co-author, Ánh; the third
    (no prize) has Bình, one without an address and one with its registrant's own address."""
    clips = make_finalists(titles=TITLES[:4])
    _coauthor(clips[0], "Quàng Thị Ánh", "anh@example.com", "014301000001")
    _coauthor(clips[2], "Cầm Văn Bình", "binh@example.com", "014301000002")
    _coauthor(clips[2], "Lò Văn Không Thư", "", "014301000003")
    _coauthor(clips[2], "Lò Văn Chung Thư", "TacGia3@example.com", "014301000004")
    return clips


@pytest.fixture
def awarded(contest, committee, judges, clips, django_capture_on_commit_callbacks):
    """Giải Nhất to the first clip, Giải Nhì to the second; the third and fourth win nothing. Not published."""
    set_prize_counts(contest, nhat=1, nhi=1, ba=0, kk=0, phu=0)
    prepare_round(contest, committee, judges=judges, finalists=clips)
    for judge in judges:
        for clip, points in zip(clips, [10, 8, 6, 4], strict=True):
            score(judge, clip, [points] * 3)
    with django_capture_on_commit_callbacks(execute=True):
        run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    ranking_run_approve(run=run, user=committee)
    awards_confirm(contest=contest, user=committee)
    return clips


def _result_mails():
    # The judges were told of their assignments before: those mails are not the results'.
    return OutgoingMail.objects.filter(kind__in=RESULT_MAIL_KINDS)


def _mails():
    return sorted(_result_mails().values_list("kind", "to", "state"))


def _result_messages():
    return [message for message in mail.outbox if not message.to[0].startswith("giamkhao")]


def test_publishing_drafts_a_mail_for_every_finalist_and_every_co_author_with_an_address(
    contest, committee, awarded
):
    results_publish(contest=contest, user=committee)

    assert _mails() == [
        ("award", "anh@example.com", Draft),
        ("award", "tacgia1@example.com", Draft),
        ("award", "tacgia2@example.com", Draft),
        ("finalist_no_prize", "binh@example.com", Draft),
        ("finalist_no_prize", "tacgia3@example.com", Draft),
        ("finalist_no_prize", "tacgia4@example.com", Draft),
    ]
    to_anh = OutgoingMail.objects.get(to="anh@example.com")
    assert to_anh.body_text == OutgoingMail.objects.get(to="tacgia1@example.com").body_text
    assert "Giải Nhất" in to_anh.subject
    assert str(result_drafts_waiting(contest=contest)) == COUNT


def test_the_count_says_what_publishing_will_draft_and_nothing_is_drafted_twice(contest, committee, awarded):
    assert str(result_mails_planned(contest=contest)) == COUNT

    results_publish(contest=contest, user=committee)

    assert result_mails_planned(contest=contest).total == 0
    assert _result_mails().count() == 6


def test_publishing_with_the_release_sends_every_mail(
    contest, committee, awarded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        results_publish(contest=contest, user=committee, release=True)

    assert {state for _kind, _to, state in _mails()} == {Sent}
    assert sorted(message.to[0] for message in _result_messages()) == sorted(to for _kind, to, _state in _mails())
    assert result_drafts_waiting(contest=contest).total == 0


def test_publishing_with_the_release_needs_the_permission_to_release_mails(contest, awarded):
    publisher = make_staff_with("congbo@example.com", "publish_results", app_label="judging")

    with pytest.raises(NotAllowed, match="You may not release e-mails"):
        results_publish(contest=contest, user=publisher, release=True)

    assert FinalRound.objects.get(contest=contest).results_published_at is None
    assert not _result_mails().exists()


# The prize screen.


@pytest.fixture
def desk(client, committee):
    client.force_login(committee)
    client.cookies["django_language"] = "en"
    return client


def _prizes(desk, contest):
    return desk.get(reverse("admin:judging_award_prizes", args=[contest.slug])).content.decode()


def test_the_prize_screen_says_how_many_mails_publishing_drafts(desk, contest, awarded):
    html = _prizes(desk, contest)

    assert f'<p id="planned-mails">To be drafted: {COUNT}.</p>' in html
    assert 'id="publish-and-release"' in html


def test_publish_and_send_asks_for_the_confirmation_first(
    desk, contest, awarded, django_capture_on_commit_callbacks
):
    publish = reverse("admin:judging_award_publish", args=[contest.slug])

    response = desk.post(publish, {"release": "1", "reason": ""})

    assert response.status_code == 200
    assert f"These go out now: {COUNT}." in response.content.decode()
    assert FinalRound.objects.get(contest=contest).results_published_at is None
    assert not _result_mails().exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(publish, {"release": "1", "confirm": "yes", "reason": ""})

    assert response.status_code == 302
    assert FinalRound.objects.get(contest=contest).results_published_at is not None
    assert {state for _kind, _to, state in _mails()} == {Sent}
    assert len(_result_messages()) == 6


def test_after_publication_the_screen_offers_to_send_the_waiting_mails(
    desk, contest, committee, awarded, django_capture_on_commit_callbacks
):
    results_publish(contest=contest, user=committee)
    html = _prizes(desk, contest)
    assert f'<span class="help" id="award-drafts-count">{COUNT}</span>' in html
    release = reverse("admin:judging_award_release_mails", args=[contest.slug])
    assert f'action="{release}"' in html

    response = desk.post(release)
    assert f"These go out now: {COUNT}." in response.content.decode()
    assert {state for _kind, _to, state in _mails()} == {Draft}

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(release, {"confirm": "yes"}, follow=True)

    assert "6 e-mails are queued to be sent." in response.content.decode()
    assert {state for _kind, _to, state in _mails()} == {Sent}
    assert 'id="award-drafts"' not in _prizes(desk, contest)


def test_a_member_without_the_release_permission_is_not_offered_to_send(client, contest, awarded):
    publisher = make_staff_with("congbo@example.com", "publish_results", "view_award", app_label="judging")
    client.force_login(publisher)

    assert client.post(reverse("admin:judging_award_release_mails", args=[contest.slug])).status_code == 403
