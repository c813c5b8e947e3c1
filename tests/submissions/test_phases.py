"""A contest's lifecycle (submissions.phases): where the dates and the committee's moves put it, what each action
may do in each phase, the moves themselves with their history, and the refusals, which name the phase."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from contest_portal.mail.models import OutgoingMail
from contest_portal.refusals import NotAllowed, Refusal, WindowClosed
from judging.models import Assignment
from submissions.models import Contest, ContestEvent, Submission
from submissions.phases import (
    Phase,
    WrongPhase,
    contest_announce,
    contest_archive,
    contest_close_preliminary,
    contest_phase,
    phase_allows,
)
from submissions.screening import submission_decide
from submissions.services import submission_update, submission_withdraw
from tests.conftest import ALICE_ID, BOB_ID, close_entries
from tests.staff import make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOW = timezone.now()
DAY = datetime.timedelta(days=1)


def _contest(stage, opens, closes):
    return Contest(stage=stage, opens_at=NOW + opens, closes_at=NOW + closes)


@pytest.mark.parametrize(
    ("stage", "opens", "closes", "phase"),
    [
        (Phase.DRAFT, -DAY, DAY, Phase.DRAFT),
        (Phase.ANNOUNCED, DAY, 2 * DAY, Phase.ANNOUNCED),
        (Phase.ANNOUNCED, -DAY, DAY, Phase.OPEN),
        (Phase.ANNOUNCED, -2 * DAY, -DAY, Phase.PRELIMINARY),
        (Phase.FINAL, -2 * DAY, -DAY, Phase.FINAL),
        (Phase.PUBLISHED, -2 * DAY, -DAY, Phase.PUBLISHED),
        (Phase.ARCHIVED, -2 * DAY, -DAY, Phase.ARCHIVED),
    ],
)
def test_the_stage_and_the_dates_give_the_phase(stage, opens, closes, phase):
    assert contest_phase(_contest(stage, opens, closes), NOW) == phase


def test_the_last_second_of_the_window_is_open_and_the_next_is_the_preliminary_round():
    contest = Contest(stage=Phase.ANNOUNCED, opens_at=NOW - DAY, closes_at=NOW.replace(microsecond=0))

    assert contest_phase(contest, NOW.replace(microsecond=999_999)) == Phase.OPEN
    assert contest_phase(contest, NOW.replace(microsecond=0) + datetime.timedelta(seconds=1)) == Phase.PRELIMINARY


# Which action each phase allows, written out: D(raft) A(nnounced) O(pen) P(reliminary) F(inal) R(esults
# published) X (archived). Screening here is without rolling screening; see the test after.
EXPECTED = {
    "announce": "D",
    "register": "AO",
    "submit": "O",
    "change_clip": "O",
    "screen": "P",
    "publish_finalists": "PF",
    "close_preliminary": "P",
    "assign": "F",
    "score": "F",
    "rank": "F",
    "award": "F",
    "publish_results": "F",
    "correct_results": "R",
    "archive": "R",
}
LETTERS = {
    "D": Phase.DRAFT,
    "A": Phase.ANNOUNCED,
    "O": Phase.OPEN,
    "P": Phase.PRELIMINARY,
    "F": Phase.FINAL,
    "R": Phase.PUBLISHED,
    "X": Phase.ARCHIVED,
}
CONTESTS = {
    Phase.DRAFT: (Phase.DRAFT, -DAY, DAY),
    Phase.ANNOUNCED: (Phase.ANNOUNCED, DAY, 2 * DAY),
    Phase.OPEN: (Phase.ANNOUNCED, -DAY, DAY),
    Phase.PRELIMINARY: (Phase.ANNOUNCED, -2 * DAY, -DAY),
    Phase.FINAL: (Phase.FINAL, -2 * DAY, -DAY),
    Phase.PUBLISHED: (Phase.PUBLISHED, -2 * DAY, -DAY),
    Phase.ARCHIVED: (Phase.ARCHIVED, -2 * DAY, -DAY),
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_action_is_allowed_in_its_phases_only(action):
    allowed = {
        phase
        for phase, args in CONTESTS.items()
        if phase_allows(
            Contest(stage=args[0], opens_at=NOW + args[1], closes_at=NOW + args[2], rolling_screening=False),
            action,
            NOW,
        )
    }

    assert allowed == {LETTERS[letter] for letter in EXPECTED[action]}


def test_with_rolling_screening_the_office_screens_while_entries_are_open_too():
    allowed = {
        phase
        for phase, args in CONTESTS.items()
        if phase_allows(
            Contest(stage=args[0], opens_at=NOW + args[1], closes_at=NOW + args[2], rolling_screening=True),
            "screen",
            NOW,
        )
    }

    assert allowed == {Phase.OPEN, Phase.PRELIMINARY}


class TestTheCommitteesMoves:
    def test_a_draft_is_announced_and_the_move_recorded(self, contest, committee):
        Contest.objects.filter(pk=contest.pk).update(stage=Phase.DRAFT)
        contest.refresh_from_db()

        contest = contest_announce(contest=contest, user=committee)

        assert Contest.objects.get(pk=contest.pk).stage == Phase.ANNOUNCED
        event = ContestEvent.objects.get(contest=contest)
        assert (event.actor, event.action, event.from_phase, event.to_phase) == (
            committee,
            "announce",
            Phase.DRAFT,
            Phase.ANNOUNCED,
        )
        assert Contest.objects.published().filter(pk=contest.pk).exists()

    def test_an_announced_contest_is_not_announced_again(self, contest, committee):
        with pytest.raises(WrongPhase, match="Announcing the contest is not possible now: .* is open for entries"):
            contest_announce(contest=contest, user=committee)

    def test_only_the_committee_moves_a_contest(self, contest, office):
        close_entries(contest)

        with pytest.raises(NotAllowed, match="Only the Organizing Committee moves a contest"):
            contest_close_preliminary(contest=contest, user=office)

    def test_the_preliminary_round_does_not_close_while_entries_are_open(self, contest, committee):
        with pytest.raises(
            WrongPhase, match="Closing the preliminary round is not possible now: .* open for entries"
        ):
            contest_close_preliminary(contest=contest, user=committee)
        assert Contest.objects.get(pk=contest.pk).stage == Phase.ANNOUNCED

    def test_it_does_not_close_while_a_clip_waits_for_a_decision_and_says_which(
        self, contest, committee, alice, bob, register, submit
    ):
        decided = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        waiting = submit(register(bob, "Cầm Văn Bob", BOB_ID))
        submission_decide(submission=decided, user=committee, decision=Submission.Status.SHORTLISTED)
        close_entries(contest)

        with pytest.raises(Refusal, match=f"Every clip must be decided first; still waiting: {waiting.code}"):
            contest_close_preliminary(contest=contest, user=committee)
        assert contest_phase(Contest.objects.get(pk=contest.pk)) == Phase.PRELIMINARY

    def test_closing_it_opens_the_final_round_assigns_the_judges_and_tells_them(
        self, contest, committee, alice, bob, register, submit, django_capture_on_commit_callbacks
    ):
        judges = [make_staff(f"giamkhao{n}@example.com", "jury") for n in (1, 2)]
        finalist = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        other = submit(register(bob, "Cầm Văn Bob", BOB_ID))
        submission_decide(submission=finalist, user=committee, decision=Submission.Status.SHORTLISTED)
        submission_decide(
            submission=other, user=committee, decision=Submission.Status.NOT_SELECTED, reason="Lạc đề."
        )
        close_entries(contest)
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            contest = contest_close_preliminary(contest=contest, user=committee)

        assert contest_phase(Contest.objects.get(pk=contest.pk)) == Phase.FINAL
        assert ContestEvent.objects.get(contest=contest, action="close_preliminary").to_phase == Phase.FINAL
        assert sorted(Assignment.objects.values_list("judge__email", "submission__code")) == [
            ("giamkhao1@example.com", finalist.code),
            ("giamkhao2@example.com", finalist.code),
        ]
        told = OutgoingMail.objects.filter(kind="judge_assigned")
        assert sorted(told.values_list("to", flat=True)) == [judge.email for judge in judges]
        assert sorted(message.to[0] for message in mail.outbox) == [judge.email for judge in judges]
        assert "1 clip" in mail.outbox[0].subject

    def test_a_contest_is_archived_once_its_results_are_out_only(self, contest, committee):
        with pytest.raises(WrongPhase, match="Archiving the contest is not possible now"):
            contest_archive(contest=contest, user=committee)

        Contest.objects.filter(pk=contest.pk).update(stage=Phase.PUBLISHED)
        contest_archive(contest=Contest.objects.get(pk=contest.pk), user=committee)

        assert Contest.objects.get(pk=contest.pk).stage == Phase.ARCHIVED


class TestTheEntrant:
    def test_a_decided_clip_is_frozen_for_its_entrant(self, contest, committee, alice, register, submit):
        clip = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        submission_decide(submission=clip, user=committee, decision=Submission.Status.SHORTLISTED)
        clip.refresh_from_db()

        with pytest.raises(Refusal, match=f"{clip.code} has been screened: it can no longer be changed"):
            submission_update(submission=clip, user=alice, title="Tên mới", genre=clip.genre, summary="Khác.")
        with pytest.raises(Refusal, match=f"{clip.code} has been screened"):
            submission_withdraw(submission=clip, user=alice)
        clip.refresh_from_db()
        assert (clip.title, clip.status) == ("Chuyển đổi số ở bản em", Submission.Status.SHORTLISTED)

    def test_an_undecided_clip_is_still_the_entrants_to_change(self, contest, alice, register, submit):
        clip = submit(register(alice, "Lò Thị Alice", ALICE_ID))

        submission_update(submission=clip, user=alice, title="Tên mới", genre=clip.genre, summary="Khác.")

        assert Submission.objects.get(pk=clip.pk).title == "Tên mới"

    def test_after_the_window_the_refusal_gives_the_deadline(self, contest, alice, register, submit):
        clip = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        close_entries(contest)
        clip.refresh_from_db()

        with pytest.raises(WindowClosed, match="Submissions closed at"):
            submission_update(submission=clip, user=alice, title="Tên mới", genre=clip.genre, summary="Khác.")

    def test_in_the_final_round_nothing_is_submitted_even_if_the_dates_were_moved(
        self, contest, alice, register, submit
    ):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        Contest.objects.filter(pk=contest.pk).update(stage=Phase.FINAL)
        registration.refresh_from_db()

        with pytest.raises(WrongPhase, match="Submitting a clip is not possible now: .* is in its final round"):
            submit(registration)


class TestScreeningByPhase:
    def test_without_rolling_screening_nothing_is_decided_while_entries_are_open(
        self, contest, office, alice, register, submit
    ):
        clip = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        Contest.objects.filter(pk=contest.pk).update(rolling_screening=False)

        with pytest.raises(WrongPhase, match="Screening is not possible now: .* is open for entries"):
            submission_decide(submission=clip, user=office, decision=Submission.Status.SHORTLISTED)

        close_entries(contest)
        assert submission_decide(submission=clip, user=office, decision=Submission.Status.SHORTLISTED)

    def test_in_the_final_round_the_preliminary_decisions_stand(self, contest, office, alice, register, submit):
        clip = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        Contest.objects.filter(pk=contest.pk).update(stage=Phase.FINAL)

        with pytest.raises(WrongPhase, match="Screening is not possible now: .* is in its final round"):
            submission_decide(submission=clip, user=office, decision=Submission.Status.SHORTLISTED)
