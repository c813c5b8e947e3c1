"""The committee's irreversible results actions ask first: publishing the results (with its e-mails waiting in
the outbox, or sent with it) and sending the result e-mails. A POST without the confirmation's confirm=yes
changes nothing and shows what would happen, with the counts; the confirmed POST does it once; a double POST
does nothing more; a member without the permission is refused."""

import pytest
from django.core import mail
from django.urls import reverse

from contest_portal.mail.models import OutgoingMail
from judging.models import FinalRound
from judging.prizes import awards_confirm
from judging.publication import RESULT_MAIL_KINDS, results_publish
from judging.runs import ranking_run_approve, ranking_run_start
from submissions.models import ContestEvent
from tests.finalists import TITLES
from tests.staff import make_staff_with

from .results_setup import prepare_round, score, set_prize_counts

pytestmark = [pytest.mark.django_db, pytest.mark.judges(2)]

Draft = OutgoingMail.State.DRAFT
# Giải Nhất and Giải Nhì to the first two clips; the other two win nothing; nobody has a co-author.
COUNT = "4 e-mails: 2 to prize winners, 2 to finalists without a prize, 0 to co-authors"
RESULTS_URL = "/test-contest/ket-qua/"


def _award(contest, committee, judges, clips, capture, *, one_draft=False):
    """Scores, ranks and awards; with `one_draft`, the second judge leaves the fourth clip's scorecard a draft,
    which one needs a reason to publish without."""
    set_prize_counts(contest, nhat=1, nhi=1, ba=0, kk=0, phu=0)
    prepare_round(contest, committee, judges=judges, finalists=clips)
    for judge in judges:
        for clip, points in zip(clips, [10, 8, 6, 4], strict=True):
            score(judge, clip, [points] * 3, submit=not (one_draft and judge == judges[1] and clip == clips[3]))
    with capture(execute=True):
        run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    ranking_run_approve(run=run, user=committee)
    awards_confirm(contest=contest, user=committee)
    return clips


@pytest.fixture
def awarded(contest, committee, judges, make_finalists, django_capture_on_commit_callbacks):
    clips = make_finalists(titles=TITLES[:4])
    return _award(contest, committee, judges, clips, django_capture_on_commit_callbacks)


@pytest.fixture
def awarded_with_a_draft(contest, committee, judges, make_finalists, django_capture_on_commit_callbacks):
    clips = make_finalists(titles=TITLES[:4])
    return _award(contest, committee, judges, clips, django_capture_on_commit_callbacks, one_draft=True)


def _result_messages():
    # The finalists' registrants, tacgia1…4@example.com; the judges were told of their assignments before.
    return [message for message in mail.outbox if message.to[0].startswith("tacgia")]


def _result_mails():
    return OutgoingMail.objects.filter(kind__in=RESULT_MAIL_KINDS)


@pytest.fixture
def desk(client, committee):
    client.force_login(committee)
    client.cookies["django_language"] = "en"
    return client


def _publish_url(contest):
    return reverse("admin:judging_award_publish", args=[contest.slug])


def _release_url(contest):
    return reverse("admin:judging_award_release_mails", args=[contest.slug])


def _published(contest):
    return FinalRound.objects.get(contest=contest).results_published_at is not None


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def test_publishing_without_the_confirmation_publishes_nothing_and_says_what_would_happen(
    desk, contest, awarded, settings
):
    response = desk.post(_publish_url(contest))

    assert response.status_code == 200
    html = response.content.decode()
    assert "This publishes the results of" in html
    assert f'href="{settings.SITE_URL.rstrip("/")}{RESULTS_URL}"' in html
    assert "It cannot be undone" in html
    assert f"Drafted in the outbox, not sent yet: {COUNT}." in html
    assert 'name="confirm" value="yes"' in html
    assert 'name="release"' not in html
    assert not _published(contest)
    assert not _result_mails().exists()
    assert not ContestEvent.objects.filter(action="publish_results").exists()


def test_the_confirmed_publication_happens_once_and_says_where_the_mails_are(desk, contest, awarded):
    response = desk.post(_publish_url(contest), {"confirm": "yes", "reason": ""}, follow=True)

    assert _published(contest)
    assert set(_result_mails().values_list("state", flat=True)) == {Draft}
    assert _result_mails().count() == 4
    [message] = _messages(response)
    assert RESULTS_URL in message
    assert f"Waiting in the outbox for you to release them: {COUNT}." in message
    published_at = FinalRound.objects.get(contest=contest).results_published_at

    again = desk.post(_publish_url(contest), {"confirm": "yes", "reason": ""}, follow=True)

    assert _messages(again) == ["The results were already published: nothing changed."]
    assert FinalRound.objects.get(contest=contest).results_published_at == published_at
    assert _result_mails().count() == 4
    assert ContestEvent.objects.filter(action="publish_results").count() == 1


def test_publish_and_send_confirms_with_the_count_then_queues_them_once(
    desk, contest, awarded, django_capture_on_commit_callbacks
):
    asked = desk.post(_publish_url(contest), {"release": "1", "reason": ""})

    assert f"These go out now: {COUNT}." in asked.content.decode()
    assert 'name="release" value="1"' in asked.content.decode()
    assert not _published(contest) and not _result_mails().exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(_publish_url(contest), {"release": "1", "confirm": "yes", "reason": ""}, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(_publish_url(contest), {"release": "1", "confirm": "yes", "reason": ""})

    assert _published(contest)
    assert f"Queued to be sent: {COUNT}." in _messages(response)[0]
    assert len(_result_messages()) == 4


def test_a_publication_that_would_be_refused_is_refused_before_the_confirmation(
    desk, contest, awarded_with_a_draft
):
    response = desk.post(_publish_url(contest), follow=True)

    assert "Scorecards are still missing for" in _messages(response)[0]
    assert 'name="confirm" value="yes"' not in response.content.decode()
    assert not _published(contest)


def test_the_reason_for_publishing_without_every_scorecard_is_carried_through_the_confirmation(
    desk, contest, awarded_with_a_draft
):
    reason = "Giám khảo 2 ốm, Ban Tổ chức đồng ý."

    asked = desk.post(_publish_url(contest), {"reason": reason})
    assert f'name="reason" value="{reason}"' in asked.content.decode()
    assert not _published(contest)

    desk.post(_publish_url(contest), {"reason": reason, "confirm": "yes"})

    assert _published(contest)
    assert ContestEvent.objects.get(action="publish_results").reason == reason


def test_sending_the_result_mails_asks_with_the_count_then_queues_them_once(
    desk, contest, committee, awarded, django_capture_on_commit_callbacks
):
    results_publish(contest=contest, user=committee)

    asked = desk.post(_release_url(contest))

    assert f"These go out now: {COUNT}." in asked.content.decode()
    assert "an e-mail once sent cannot be called back" in asked.content.decode()
    assert set(_result_mails().values_list("state", flat=True)) == {Draft}

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(_release_url(contest), {"confirm": "yes"}, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        again = desk.post(_release_url(contest), {"confirm": "yes"}, follow=True)

    assert "4 e-mails are queued to be sent." in _messages(response)
    assert "0 e-mails are queued to be sent." in _messages(again)
    assert len(_result_messages()) == 4


def test_the_prize_screen_says_a_confirmation_follows(desk, contest, awarded):
    html = desk.get(reverse("admin:judging_award_prizes", args=[contest.slug])).content.decode()

    assert 'value="Publish the results…"' in html
    assert "A page asks you to confirm first." in html


@pytest.mark.parametrize("confirm", [{}, {"confirm": "yes"}], ids=["asking", "confirming"])
def test_a_member_without_the_permission_is_refused(client, contest, awarded, confirm):
    viewer = make_staff_with("xem@example.com", "view_award", app_label="judging")
    publisher = make_staff_with("congbo@example.com", "publish_results", "view_award", app_label="judging")

    client.force_login(viewer)
    assert client.post(_publish_url(contest), confirm).status_code == 403
    assert client.post(_release_url(contest), confirm).status_code == 403
    client.force_login(publisher)
    assert client.post(_publish_url(contest), {"release": "1", **confirm}).status_code == 403

    assert not _published(contest)
    assert not _result_mails().exists()
