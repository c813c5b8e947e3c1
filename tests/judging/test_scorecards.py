"""Scorecards through judging.services: a draft saved and changed, every value checked before anything is written,
submitted and locked, reopened by the committee with a reason, and the history of each step."""

from decimal import Decimal

import pytest
from django.utils import timezone

from contest_portal.refusals import NotAllowed, Refusal
from judging.models import FinalRound, Score, Scorecard, ScorecardEvent
from judging.services import (
    scorecard_reopen,
    scorecard_save,
    scorecard_submit,
    scores_for_ranking,
)
from judging.son_la_2024 import load_son_la_2024
from submissions.models import Contest, StaffRole, Submission
from submissions.phases import Phase, WrongPhase

# Messages are checked in the English source text; judging/locale holds their Vietnamese.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _points(scorecard):
    return dict(scorecard.scores.values_list("criterion__name", "points"))


def _all(criteria, *values):
    return {criterion.pk: value for criterion, value in zip(criteria, values, strict=True)}


class TestDrafts:
    def test_a_draft_keeps_what_is_given_and_may_leave_criteria_blank(self, assignment, judge, criteria):
        content, creativity, *_ = criteria

        scorecard = scorecard_save(
            assignment=assignment,
            judge=judge,
            points={content.pk: Decimal("27.5"), creativity.pk: None},
            comment="  Hay, đúng chủ đề.  ",
        )

        assert scorecard.state == Scorecard.State.DRAFT
        assert scorecard.comment == "Hay, đúng chủ đề."
        assert _points(scorecard) == {"Nội dung đúng chủ đề": Decimal("27.5")}

    def test_saving_again_changes_and_clears_values(self, assignment, judge, criteria):
        content, creativity, *_ = criteria
        scorecard_save(assignment=assignment, judge=judge, points={content.pk: 20, creativity.pk: 20})

        scorecard = scorecard_save(
            assignment=assignment, judge=judge, points={content.pk: "22.25", creativity.pk: ""}
        )

        assert _points(scorecard) == {"Nội dung đúng chủ đề": Decimal("22.25")}
        assert Scorecard.objects.count() == 1

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("30.25", "between 0 and 30 points"),
            ("-1", "between 0 and 30 points"),
            ("ba mươi", "give a number"),
            ("NaN", "give a number"),
            ("Infinity", "give a number"),
            ("27.3", "steps of 0.25"),
        ],
    )
    def test_a_wrong_value_changes_nothing(self, assignment, judge, criteria, value, message):
        content, creativity, *_ = criteria
        scorecard_save(assignment=assignment, judge=judge, points={content.pk: 20, creativity.pk: 20}, comment="A")

        with pytest.raises(Refusal, match=message) as refused:
            scorecard_save(
                assignment=assignment, judge=judge, points={creativity.pk: 10, content.pk: value}, comment="B"
            )

        assert refused.value.field == content.pk
        scorecard = Scorecard.objects.get()
        assert (scorecard.comment, _points(scorecard)) == (
            "A",
            {"Nội dung đúng chủ đề": Decimal(20), "Tính sáng tạo": Decimal(20)},
        )

    def test_another_contest_s_criterion_is_refused(self, assignment, judge):
        other = load_son_la_2024(slug="other-contest", code_prefix="KHAC")

        with pytest.raises(Refusal, match="That is not a criterion of this contest's scorecard"):
            scorecard_save(assignment=assignment, judge=judge, points={other.criteria.first().pk: 10})
        assert not Scorecard.objects.exists()

    def test_nobody_scores_another_judge_s_clip(self, assignment, other_judge, criteria):
        with pytest.raises(NotAllowed, match="This clip is not assigned to you"):
            scorecard_save(assignment=assignment, judge=other_judge, points=_all(criteria, 1, 1, 1, 1))
        assert not Scorecard.objects.exists()

    def test_a_judge_who_left_the_jury_scores_nothing(self, assignment, judge):
        StaffRole.objects.filter(user=judge).delete()

        with pytest.raises(NotAllowed, match="You may not score finalists"):
            scorecard_save(assignment=assignment, judge=judge, points={})

    def test_a_clip_no_longer_a_finalist_is_not_scored(self, assignment, judge):
        Submission.objects.filter(pk=assignment.submission_id).update(status=Submission.Status.DISQUALIFIED)

        with pytest.raises(Refusal, match="no longer a finalist"):
            scorecard_save(assignment=assignment, judge=judge, points={})


class TestSubmitting:
    def test_submitting_locks_the_scorecard_and_records_when(self, assignment, judge, criteria, contest):
        scorecard = scorecard_save(assignment=assignment, judge=judge, points=_all(criteria, 28, 20, "22.5", 15))

        assert scorecard_submit(scorecard=scorecard, judge=judge)

        scorecard.refresh_from_db()
        assert scorecard.state == Scorecard.State.SUBMITTED
        assert scorecard.submitted_at is not None
        assert list(scorecard.events.values_list("action", "actor")) == [("submitted", judge.pk)]
        assert scores_for_ranking(contest).filter(scorecard=scorecard).count() == 4

    def test_every_criterion_is_needed(self, assignment, judge, criteria):
        content, creativity, technique, communication = criteria
        scorecard = scorecard_save(assignment=assignment, judge=judge, points={content.pk: 28, technique.pk: 20})

        with pytest.raises(Refusal, match="Tính sáng tạo, Hiệu quả truyền thông"):
            scorecard_submit(scorecard=scorecard, judge=judge)

        scorecard.refresh_from_db()
        assert (scorecard.state, scorecard.submitted_at) == (Scorecard.State.DRAFT, None)
        assert not scorecard.events.exists()

    def test_a_submitted_scorecard_cannot_be_changed(self, assignment, judge, criteria):
        scorecard = scorecard_save(assignment=assignment, judge=judge, points=_all(criteria, 28, 20, 20, 15))
        scorecard_submit(scorecard=scorecard, judge=judge)

        with pytest.raises(Refusal, match="only the Organizing Committee may reopen it"):
            scorecard_save(assignment=assignment, judge=judge, points=_all(criteria, 1, 1, 1, 1))

        assert _points(scorecard)["Nội dung đúng chủ đề"] == 28

    def test_submitting_twice_is_once(self, assignment, judge, criteria):
        scorecard = scorecard_save(assignment=assignment, judge=judge, points=_all(criteria, 28, 20, 20, 15))
        scorecard_submit(scorecard=scorecard, judge=judge)
        submitted_at = Scorecard.objects.get().submitted_at

        assert not scorecard_submit(scorecard=scorecard, judge=judge)

        assert Scorecard.objects.get().submitted_at == submitted_at
        assert ScorecardEvent.objects.filter(action="submitted").count() == 1

    def test_another_judge_cannot_submit_it(self, assignment, judge, other_judge, criteria):
        scorecard = scorecard_save(assignment=assignment, judge=judge, points=_all(criteria, 28, 20, 20, 15))

        with pytest.raises(NotAllowed, match="This clip is not assigned to you"):
            scorecard_submit(scorecard=scorecard, judge=other_judge)
        assert Scorecard.objects.get().state == Scorecard.State.DRAFT

    def test_published_results_freeze_the_scores(self, assignment, judge, criteria, contest):
        FinalRound.objects.filter(contest=contest).update(results_published_at=timezone.now())
        Contest.objects.filter(pk=contest.pk).update(stage=Phase.PUBLISHED)

        with pytest.raises(WrongPhase, match="Scoring is not possible now: .* its results are published"):
            scorecard_save(assignment=assignment, judge=judge, points=_all(criteria, 28, 20, 20, 15))


class TestReopening:
    @pytest.fixture
    def submitted(self, assignment, judge, criteria):
        scorecard = scorecard_save(assignment=assignment, judge=judge, points=_all(criteria, 28, 20, 20, 15))
        scorecard_submit(scorecard=scorecard, judge=judge)
        return scorecard

    def test_the_committee_reopens_with_a_reason_and_it_is_recorded(self, submitted, committee, contest):
        assert scorecard_reopen(scorecard=submitted, user=committee, reason="Nhập nhầm điểm sáng tạo.")

        submitted.refresh_from_db()
        assert (submitted.state, submitted.submitted_at) == (Scorecard.State.DRAFT, None)
        event = submitted.events.get(action="reopened")
        assert (event.actor, event.reason) == (committee, "Nhập nhầm điểm sáng tạo.")
        assert not scores_for_ranking(contest).filter(scorecard=submitted).exists()
        assert _points(submitted)["Nội dung đúng chủ đề"] == 28

    def test_the_judge_then_corrects_and_submits_again(self, submitted, committee, judge, criteria):
        scorecard_reopen(scorecard=submitted, user=committee, reason="Nhập nhầm.")

        scorecard_save(assignment=submitted.assignment, judge=judge, points={criteria[1].pk: 12})
        assert scorecard_submit(scorecard=submitted, judge=judge)

        assert _points(submitted)["Tính sáng tạo"] == 12
        assert list(submitted.events.values_list("action", flat=True)) == ["submitted", "reopened", "submitted"]

    def test_a_reason_is_required(self, submitted, committee):
        with pytest.raises(Refusal, match="Say why the scorecard is reopened") as refused:
            scorecard_reopen(scorecard=submitted, user=committee, reason=" ")

        assert refused.value.field == "reason"
        assert Scorecard.objects.get().state == Scorecard.State.SUBMITTED

    def test_a_judge_cannot_reopen_even_their_own(self, submitted, judge):
        with pytest.raises(NotAllowed, match="Only the Organizing Committee may reopen a scorecard"):
            scorecard_reopen(scorecard=submitted, user=judge, reason="Tôi muốn sửa.")
        assert Scorecard.objects.get().state == Scorecard.State.SUBMITTED

    def test_reopening_a_draft_changes_nothing(self, submitted, committee):
        scorecard_reopen(scorecard=submitted, user=committee, reason="Lần một.")

        assert not scorecard_reopen(scorecard=submitted, user=committee, reason="Lần hai.")
        assert list(ScorecardEvent.objects.filter(action="reopened").values_list("reason", flat=True)) == [
            "Lần một."
        ]

    def test_scores_are_never_negative_in_the_database_either(self, submitted):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Score.objects.filter(scorecard=submitted).update(points=-1)
