"""The audience vote on the finalist gallery: one vote per finalist per confirmed account, open between the
committee's times, rate limited; counts seen by the committee during the vote and by everyone after it; bursts
flagged; the side prize's reason taken from it.

Alice and bob are confirmed accounts; frank signed up and has not confirmed his e-mail address; the committee
is btc@example.com (the `committee` fixture)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from contest_portal.refusals import NotAllowed
from judging.prizes import side_prize_designate
from submissions import audience_vote
from submissions.audience_vote import (
    AlreadyVoted,
    Burst,
    NotAFinalist,
    VoteRecord,
    VotingTooFast,
    audience_vote_cast,
    audience_vote_withdraw,
    side_prize_suggestion,
    vote_bursts,
    vote_counts,
)
from submissions.models import AudienceVote, AudienceVoteWindow, PersonalDataAccess, Submission
from submissions.publication import finalists_publish
from tests.conftest import close_entries, make_user, open_final_round

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


@pytest.fixture
def frank(db):
    """Signed up, e-mail address not confirmed."""
    return get_user_model().objects.create_user(email="frank@example.com", password="a-long-test-password")


@pytest.fixture
def finalists(contest, committee, make_finalists):
    clips = make_finalists(3)
    close_entries(contest)
    finalists_publish(contest=contest, user=committee)
    return clips


def _vote_open(contest, *, opened_ago=datetime.timedelta(hours=1), closes_in=datetime.timedelta(days=3)):
    now = timezone.now()
    AudienceVoteWindow.objects.update_or_create(
        contest=contest, defaults={"opens_at": now - opened_ago, "closes_at": now + closes_in}
    )
    contest.refresh_from_db()
    return contest


def _vote_closed(contest):
    now = timezone.now()
    AudienceVoteWindow.objects.update_or_create(
        contest=contest,
        defaults={"opens_at": now - datetime.timedelta(days=3), "closes_at": now - datetime.timedelta(minutes=1)},
    )
    contest.refresh_from_db()
    return contest


def _cast(submission, user, address=ADDRESS):
    submission = Submission.objects.select_related("contest").get(pk=submission.pk)
    return audience_vote_cast(submission=submission, user=user, address=address)


def _vote_url(finalist):
    return reverse("submissions:vote_cast", args=[finalist.contest.slug, finalist.code])


def _gallery_url(contest):
    return reverse("submissions:gallery", args=[contest.slug])


class TestTheRules:
    def test_it_counts_one_vote_per_finalist_per_account(self, contest, finalists, alice, bob):
        _vote_open(contest)
        _cast(finalists[0], alice)
        _cast(finalists[1], alice)
        _cast(finalists[0], bob)
        with pytest.raises(AlreadyVoted) as refused:
            _cast(finalists[0], alice)
        assert refused.value.status == 409
        assert vote_counts(contest=contest) == {finalists[0].pk: 2, finalists[1].pk: 1}

    def test_the_database_refuses_a_second_vote_that_slipped_past_the_check(
        self, contest, finalists, alice, monkeypatch
    ):
        _vote_open(contest)
        _cast(finalists[0], alice)
        # As if a double click's other request had voted between this one's check and its insert.
        monkeypatch.setattr(AudienceVote.objects, "filter", lambda **lookups: AudienceVote.objects.none())
        with pytest.raises(AlreadyVoted):
            _cast(finalists[0], alice)
        monkeypatch.undo()
        assert AudienceVote.objects.filter(user=alice).count() == 1

    def test_it_refuses_an_account_whose_email_is_not_confirmed(self, contest, finalists, frank):
        _vote_open(contest)
        with pytest.raises(NotAllowed) as refused:
            _cast(finalists[0], frank)
        assert refused.value.status == 403
        assert not AudienceVote.objects.exists()

    def test_it_refuses_before_the_vote_opens_and_after_it_closes(self, contest, finalists, alice):
        _vote_open(contest, opened_ago=-datetime.timedelta(hours=1))
        with pytest.raises(NotAllowed):
            _cast(finalists[0], alice)
        _vote_closed(contest)
        with pytest.raises(NotAllowed):
            _cast(finalists[0], alice)
        assert not AudienceVote.objects.exists()

    def test_a_contest_without_a_vote_takes_none(self, contest, finalists, alice):
        with pytest.raises(NotAllowed):
            _cast(finalists[0], alice)

    def test_it_refuses_a_clip_that_is_not_a_finalist(self, contest, finalists, make_finalists, alice):
        _vote_open(contest)
        (not_selected,) = make_finalists(1, status=Submission.Status.NOT_SELECTED)
        with pytest.raises(NotAFinalist) as refused:
            _cast(not_selected, alice)
        assert refused.value.status == 404

    def test_it_refuses_a_finalist_of_a_gallery_not_published(self, contest, make_finalists, alice):
        _vote_open(contest)
        (finalist,) = make_finalists(1)
        with pytest.raises(NotAFinalist):
            _cast(finalist, alice)

    def test_an_account_voting_faster_than_its_limit_is_refused(
        self, contest, finalists, make_finalists, alice, monkeypatch
    ):
        monkeypatch.setitem(audience_vote.VOTE_RATES, "account", "2/m")
        _vote_open(contest)
        _cast(finalists[0], alice)
        _cast(finalists[1], alice)
        with pytest.raises(VotingTooFast) as refused:
            _cast(finalists[2], alice)
        assert refused.value.status == 429
        assert AudienceVote.objects.filter(user=alice).count() == 2

    def test_an_address_voting_faster_than_its_limit_is_refused(
        self, contest, finalists, alice, bob, charlie, monkeypatch
    ):
        monkeypatch.setitem(audience_vote.VOTE_RATES, "address", "2/h")
        _vote_open(contest)
        _cast(finalists[0], alice)
        _cast(finalists[0], bob)
        with pytest.raises(VotingTooFast):
            _cast(finalists[0], charlie)
        # Another address is not held back by this one.
        _cast(finalists[0], charlie, address="198.51.100.1")

    def test_a_vote_is_withdrawn_while_the_vote_is_open_but_not_after(self, contest, finalists, alice):
        _vote_open(contest)
        _cast(finalists[0], alice)
        submission = Submission.objects.select_related("contest").get(pk=finalists[0].pk)
        assert audience_vote_withdraw(submission=submission, user=alice)
        assert not AudienceVote.objects.exists()
        _cast(finalists[0], alice)
        _vote_closed(contest)
        submission.contest.refresh_from_db()
        with pytest.raises(NotAllowed):
            audience_vote_withdraw(submission=Submission.objects.get(pk=finalists[0].pk), user=alice)
        assert AudienceVote.objects.count() == 1


class TestTheButton:
    def test_a_vote_without_the_script_redirects_back_to_the_finalists_card(
        self, client, contest, finalists, alice
    ):
        _vote_open(contest)
        client.force_login(alice)
        response = client.post(_vote_url(finalists[0]), REMOTE_ADDR=ADDRESS)
        assert response.status_code == 302
        assert response["Location"] == f"{_gallery_url(contest)}#{finalists[0].code}"
        vote = AudienceVote.objects.get()
        assert (vote.user, vote.submission_id, vote.address) == (alice, finalists[0].pk, ADDRESS)
        page = client.get(_gallery_url(contest)).content.decode()
        assert reverse("submissions:vote_withdraw", args=[contest.slug, finalists[0].code]) in page

    def test_a_second_vote_answers_409_with_the_reason_and_the_gallery(self, client, contest, finalists, alice):
        _vote_open(contest)
        client.force_login(alice)
        client.cookies["django_language"] = "en"
        client.post(_vote_url(finalists[0]))
        response = client.post(_vote_url(finalists[0]))
        assert response.status_code == 409
        assert "You have already voted for this clip." in response.content.decode()
        assert AudienceVote.objects.count() == 1

    def test_the_script_gets_json_with_the_cards_new_vote_block(self, client, contest, finalists, alice):
        _vote_open(contest)
        client.force_login(alice)
        response = client.post(_vote_url(finalists[0]), headers={"accept": "application/json"})
        assert response.status_code == 200
        answer = response.json()
        assert answer["voted"] is True
        assert 'data-voted="yes"' in answer["html"]
        again = client.post(_vote_url(finalists[0]), headers={"accept": "application/json"})
        assert again.status_code == 409
        assert again.json()["voted"] is True

    def test_an_unconfirmed_account_is_refused_with_403(self, client, contest, finalists, frank):
        _vote_open(contest)
        client.force_login(frank)
        response = client.post(_vote_url(finalists[0]))
        assert response.status_code == 403
        assert not AudienceVote.objects.exists()

    def test_a_stranger_is_refused_with_403_and_asked_to_sign_in(self, client, contest, finalists):
        _vote_open(contest)
        assert client.post(_vote_url(finalists[0])).status_code == 403
        page = client.get(_gallery_url(contest)).content.decode()
        assert reverse("account_login") in page

    def test_a_vote_for_a_clip_outside_the_gallery_is_404(self, client, contest, finalists, make_finalists, alice):
        _vote_open(contest)
        (not_selected,) = make_finalists(1, status=Submission.Status.NOT_SELECTED)
        client.force_login(alice)
        assert client.post(_vote_url(not_selected)).status_code == 404
        assert (
            client.post(reverse("submissions:vote_cast", args=[contest.slug, "CDS2024-9999"])).status_code == 404
        )

    def test_an_unpublished_gallery_takes_no_vote(self, client, contest, make_finalists, alice):
        (finalist,) = make_finalists(1)
        _vote_open(contest)
        client.force_login(alice)
        assert client.post(_vote_url(finalist)).status_code == 404
        assert client.get(_gallery_url(contest)).status_code == 404

    def test_too_fast_answers_429(self, client, contest, finalists, alice, monkeypatch):
        monkeypatch.setitem(audience_vote.VOTE_RATES, "account", "1/m")
        _vote_open(contest)
        client.force_login(alice)
        client.post(_vote_url(finalists[0]))
        assert client.post(_vote_url(finalists[1])).status_code == 429
        assert AudienceVote.objects.count() == 1


class TestWhoSeesTheCounts:
    def _votes(self, finalists, *voters):
        for voter in voters:
            _cast(finalists[0], voter)

    def test_the_public_sees_no_count_while_the_vote_is_open(self, client, contest, finalists, alice, bob):
        _vote_open(contest)
        self._votes(finalists, alice, bob)
        page = client.get(_gallery_url(contest)).content.decode()
        assert "vote-count" not in page
        client.force_login(alice)
        page = client.get(_gallery_url(contest)).content.decode()
        assert "vote-count" not in page
        assert page.count('data-voted="yes"') == 1

    def test_everyone_sees_the_counts_once_it_has_closed(self, client, contest, finalists, alice, bob):
        _vote_open(contest)
        self._votes(finalists, alice, bob)
        _vote_closed(contest)
        client.cookies["django_language"] = "en"
        page = client.get(_gallery_url(contest)).content.decode()
        assert 'data-votes="2"' in page
        assert "2 votes" in page
        assert page.count('data-votes="0"') == 2
        assert "vote-form" not in page

    def test_the_committee_sees_the_counts_during_the_vote(
        self, client, contest, finalists, committee, alice, bob
    ):
        _vote_open(contest)
        self._votes(finalists, alice, bob)
        client.force_login(committee)
        response = client.get(reverse("admin:submissions_contest_audience_vote", args=[contest.pk]))
        assert response.status_code == 200
        rows = response.context["finalists"]
        assert [(row.code, row.votes) for row in rows][0] == (finalists[0].code, 2)
        assert response.context["total"] == 2

    def test_the_standing_office_and_entrants_do_not(self, client, contest, finalists, office, alice):
        _vote_open(contest)
        url = reverse("admin:submissions_contest_audience_vote", args=[contest.pk])
        client.force_login(office)
        assert client.get(url).status_code in (403, 404)
        client.force_login(alice)
        assert client.get(url).status_code == 302  # the admin's login page


T0 = datetime.datetime(2024, 9, 1, 20, 0, tzinfo=datetime.UTC)
OLD = T0 - datetime.timedelta(days=30)  # an account made long before the vote


def _minutes(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def _new_account_votes(submission_id, minutes, address_prefix="10.0.0."):
    """Votes from accounts made a minute before each, one address each."""
    return [
        VoteRecord(submission_id, f"{address_prefix}{i}", _minutes(m), _minutes(m) - datetime.timedelta(minutes=1))
        for i, m in enumerate(minutes)
    ]


class TestBurstsFlagged:
    """The rules of audience_vote.vote_bursts, worked out by hand: more than 20 votes from one address; at least
    10 votes for one finalist within 10 minutes from accounts less than 24 hours old."""

    def test_twenty_votes_from_one_address_are_not_flagged_twenty_one_are(self):
        twenty = [VoteRecord(1 + i % 3, "203.0.113.9", _minutes(i), OLD) for i in range(20)]
        assert vote_bursts(twenty) == []
        twenty_one = [*twenty, VoteRecord(1, "203.0.113.9", _minutes(100), OLD)]
        assert vote_bursts(twenty_one) == [Burst("address", 21, _minutes(0), _minutes(100), address="203.0.113.9")]

    def test_votes_whose_address_was_cleared_are_no_address_s_burst(self):
        cleared = [VoteRecord(1 + i % 3, None, _minutes(i), OLD) for i in range(30)]
        assert vote_bursts(cleared) == []

    def test_ten_new_accounts_within_ten_minutes_for_one_finalist_are_flagged(self):
        votes = _new_account_votes(7, [0, 1, 2, 3, 4, 5, 6, 7, 8, 10])
        assert vote_bursts(votes) == [Burst("new_accounts", 10, _minutes(0), _minutes(10), submission_id=7)]

    @pytest.mark.parametrize(
        "minutes, why",
        [
            ([0, 1, 2, 3, 4, 5, 6, 7, 8], "nine votes only"),
            ([0, 1, 2, 3, 4, 5, 6, 7, 8, 11], "the tenth is 11 minutes after the first"),
        ],
    )
    def test_fewer_or_slower_new_accounts_are_not(self, minutes, why):
        assert vote_bursts(_new_account_votes(7, minutes)) == [], why

    def test_old_accounts_voting_together_are_not_flagged(self):
        votes = [VoteRecord(7, f"10.0.0.{i}", _minutes(i / 2), OLD) for i in range(15)]
        assert vote_bursts(votes) == []

    def test_an_account_a_day_old_is_not_new(self):
        votes = [
            VoteRecord(7, f"10.0.0.{i}", _minutes(i), _minutes(i) - datetime.timedelta(hours=24))
            for i in range(10)
        ]
        assert vote_bursts(votes) == []

    def test_overlapping_windows_make_one_burst_and_separate_ones_two(self):
        # 0..14 in one dense stretch (each window of 10 minutes holds 10 or more); then 60..69 apart.
        votes = _new_account_votes(7, [*range(15), *range(60, 70)])
        assert vote_bursts(votes) == [
            Burst("new_accounts", 15, _minutes(0), _minutes(14), submission_id=7),
            Burst("new_accounts", 10, _minutes(60), _minutes(69), submission_id=7),
        ]

    def test_each_finalist_is_counted_on_its_own(self):
        votes = _new_account_votes(7, range(5)) + _new_account_votes(8, range(5), address_prefix="10.0.1.")
        assert vote_bursts(votes) == []

    def test_the_committee_page_shows_the_bursts(self, client, contest, finalists, committee):
        _vote_open(contest)
        voters = [make_user(f"moi{i}@example.com") for i in range(10)]
        for voter in voters:
            _cast(finalists[1], voter, address="198.51.100.20")
        client.force_login(committee)
        client.cookies["django_language"] = "en"
        response = client.get(reverse("admin:submissions_contest_audience_vote", args=[contest.pk]))
        bursts = response.context["bursts"]
        assert [(burst.kind, burst.submission_id, burst.votes) for burst, _kind, _finalist in bursts] == [
            ("new_accounts", finalists[1].pk, 10)
        ]
        page = response.content.decode()
        assert "Many votes within minutes from new accounts" in page
        assert 'class="flagged"' in page
        # No address is shown for a finalist's burst: nothing to account for.
        assert not PersonalDataAccess.objects.exists()

    def test_showing_an_address_s_burst_is_logged(self, client, contest, finalists, committee):
        _vote_open(contest)
        for i in range(21):
            _cast(finalists[i % 2], make_user(f"truong{i}@example.com"), address="203.0.113.9")
        client.force_login(committee)

        response = client.get(reverse("admin:submissions_contest_audience_vote", args=[contest.pk]))

        assert "203.0.113.9" in response.content.decode()
        access = PersonalDataAccess.objects.get()
        assert (access.user, access.contest, access.what, access.records) == (
            committee,
            contest,
            "Audience vote: addresses of flagged bursts",
            1,
        )


class TestTheSidePrizesReason:
    def test_it_names_the_finalist_with_the_most_votes_once_the_vote_has_closed(
        self, contest, finalists, alice, bob, english
    ):
        _vote_open(contest)
        _cast(finalists[1], alice)
        _cast(finalists[1], bob)
        _cast(finalists[0], alice)
        assert side_prize_suggestion(contest=contest, source="vote") is None  # still open
        _vote_closed(contest)
        suggestion = side_prize_suggestion(contest=contest, source="vote")
        assert suggestion.submission == finalists[1]
        assert suggestion.reason == "Most votes in the audience vote: 2 votes"

    def test_thousands_are_grouped_as_vietnamese_writes_them(self, contest, finalists, monkeypatch):
        _vote_closed(contest)
        monkeypatch.setattr(audience_vote, "vote_counts", lambda contest: {finalists[2].pk: 1234})
        suggestion = side_prize_suggestion(contest=contest, source="vote")
        assert suggestion.submission == finalists[2]
        assert "1.234" in suggestion.reason

    def test_the_reason_is_accepted_by_the_side_prize(self, contest, finalists, committee, alice, english):
        _vote_closed(contest)
        AudienceVote.objects.create(
            contest=contest, submission=finalists[0], user=alice, address=ADDRESS, created_at=timezone.now()
        )
        open_final_round(contest)
        suggestion = side_prize_suggestion(contest=contest, source="vote")
        tier = contest.prize_tiers.get(is_side_prize=True)
        award = side_prize_designate(
            tier=tier, submission=suggestion.submission, user=committee, reason=suggestion.reason
        )
        assert award.reason == "Most votes in the audience vote: 1 vote"

    def test_the_prize_screen_prefills_the_side_prize_from_the_vote(
        self, client, contest, finalists, committee, alice
    ):
        _vote_closed(contest)
        AudienceVote.objects.create(
            contest=contest, submission=finalists[2], user=alice, address=ADDRESS, created_at=timezone.now()
        )
        open_final_round(contest)
        client.force_login(committee)
        client.cookies["django_language"] = "en"
        url = reverse("admin:judging_award_prizes", args=[contest.slug])
        page = client.get(url).content.decode()
        assert "?side_from=vote#side-prizes" in page
        page = client.get(f"{url}?side_from=vote").content.decode()
        assert f'<option value="{finalists[2].pk}" selected>' in page
        assert "Most votes in the audience vote: 1 vote</textarea>" in page

    def test_nothing_to_go_by_gives_no_suggestion(self, contest, finalists):
        _vote_closed(contest)
        assert side_prize_suggestion(contest=contest, source="vote") is None
        assert side_prize_suggestion(contest=contest, source="fanpage") is None
        assert side_prize_suggestion(contest=contest, source="anything") is None


@pytest.mark.parametrize("count", [1, 3])
def test_the_gallerys_queries_do_not_grow_with_the_finalists(
    client, contest, committee, make_finalists, alice, count, django_assert_num_queries
):
    clips = make_finalists(count)
    close_entries(contest)
    finalists_publish(contest=contest, user=committee)
    _vote_open(contest)
    for clip in clips:
        _cast(clip, alice)
    client.force_login(alice)
    # The session's account, the contest, the finalists, the vote's dates, the account's votes and whether its
    # address is confirmed.
    with django_assert_num_queries(7):
        response = client.get(_gallery_url(contest))
    assert response.content.decode().count('data-voted="yes"') == count
