"""The rubric, the assignment of finalists to judges in each mode, conflicts of interest, the judges' progress and
the reminders, through judging.services."""

import math
from collections import Counter
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contest_portal.mail.models import OutgoingMail
from contest_portal.refusals import NotAllowed, Refusal
from judging.models import Assignment, Criterion, FinalRound, Panel, Scorecard, ScorecardEvent
from judging.services import (
    Progress,
    assignment_declare_conflict,
    assignments_generate,
    criterion_save,
    criterion_validate,
    judge_progress,
    judges_remind,
    judging_progress,
    scorecard_save,
    scorecard_submit,
    scores_for_ranking,
)
from judging.son_la_2024 import load_son_la_2024
from submissions.models import StaffRole, Submission
from tests.finalists import AUTHOR, COAUTHOR, GROUP
from tests.staff import make_staff

# Messages are checked in the English source text; judging/locale holds their Vietnamese.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _set_mode(contest, mode, **settings):
    FinalRound.objects.update_or_create(contest=contest, defaults={"assignment": mode, **settings})


def _pairs(contest):
    return set(Assignment.objects.filter(submission__contest=contest).values_list("submission_id", "judge_id"))


def _full_marks(assignment, judge, *, submit=True):
    criteria = assignment.submission.contest.criteria.all()
    scorecard = scorecard_save(
        assignment=assignment, judge=judge, points={criterion.pk: criterion.max_points for criterion in criteria}
    )
    if submit:
        scorecard_submit(scorecard=scorecard, judge=judge)
    return scorecard


class TestRubric:
    def test_the_contest_ships_a_100_point_rubric_whose_first_two_criteria_break_ties(self, contest):
        criteria = [(c.name, c.max_points, c.weight, c.breaks_ties) for c in contest.criteria.all()]

        assert criteria == [
            ("Nội dung đúng chủ đề", 30, 1, True),
            ("Tính sáng tạo", 25, 1, True),
            ("Chất lượng kỹ thuật", 25, 1, False),
            ("Hiệu quả truyền thông", 20, 1, False),
        ]
        assert contest.judging.assignment == FinalRound.Assignment.EVERYONE
        assert contest.judging.blind

    def test_loading_the_contest_again_keeps_the_committees_rubric(self, contest):
        contest.criteria.filter(name="Tính sáng tạo").update(max_points=40)
        FinalRound.objects.filter(contest=contest).update(blind=False)

        load_son_la_2024(slug=contest.slug, opens_at=contest.opens_at, closes_at=contest.closes_at)

        assert contest.criteria.get(name="Tính sáng tạo").max_points == 40
        assert contest.criteria.count() == 4
        assert not FinalRound.objects.get(contest=contest).blind

    @pytest.mark.parametrize(
        ("field", "message"),
        [("max_points", "The maximum must be more than 0"), ("weight", "The weight must be more than 0")],
    )
    @pytest.mark.parametrize("value", [Decimal(0), Decimal(-5)])
    def test_a_maximum_or_weight_not_above_zero_is_refused(self, contest, field, message, value):
        criterion = Criterion(contest=contest, name="Âm nhạc", max_points=10, weight=1)
        setattr(criterion, field, value)

        with pytest.raises(ValidationError, match=message) as refused:
            criterion_save(criterion=criterion)

        assert field in refused.value.message_dict
        assert not contest.criteria.filter(name="Âm nhạc").exists()

    def test_the_database_refuses_a_maximum_of_zero_too(self, contest):
        # SQLite and PostgreSQL word it differently; both name the constraint.
        with pytest.raises(IntegrityError, match="criterion_max_points_positive"), transaction.atomic():
            Criterion.objects.create(contest=contest, name="Âm nhạc", max_points=0)

    def test_the_maximum_cannot_go_below_a_score_already_given(self, contest, judge, committee, make_finalists):
        make_finalists(1)
        assignments_generate(contest=contest, user=committee)
        content = contest.criteria.get(name="Nội dung đúng chủ đề")
        scorecard_save(
            assignment=Assignment.objects.get(judge=judge), judge=judge, points={content.pk: Decimal("27.5")}
        )

        content.max_points = Decimal(25)
        with pytest.raises(ValidationError, match="27.5"):
            criterion_validate(criterion=content)
        content.max_points = Decimal("27.5")
        criterion_validate(criterion=content)

    def test_a_new_criterion_waits_until_no_scorecard_is_submitted(
        self, contest, judge, committee, make_finalists
    ):
        make_finalists(1)
        assignments_generate(contest=contest, user=committee)
        scorecard = _full_marks(Assignment.objects.get(judge=judge), judge)
        music = Criterion(contest=contest, name="Âm nhạc", max_points=10)

        with pytest.raises(ValidationError, match="submitted scorecards"):
            criterion_save(criterion=music)

        from judging.services import scorecard_reopen

        scorecard_reopen(scorecard=scorecard, user=committee, reason="Thêm tiêu chí âm nhạc.")
        criterion_save(criterion=music)
        assert contest.criteria.filter(name="Âm nhạc").exists()


class TestEveryJudgeScoresEveryFinalist:
    def test_each_judge_gets_each_finalist_and_nothing_else(self, contest, judges, committee, make_finalists):
        finalists = make_finalists(4)
        make_finalists(1, status=Submission.Status.NOT_SELECTED)
        make_staff("vanphong@example.com", "office")

        generated = assignments_generate(contest=contest, user=committee)

        assert (generated.created, generated.removed, generated.kept) == (12, 0, 0)
        assert _pairs(contest) == {(clip.pk, judge.pk) for clip in finalists for judge in judges}

    def test_running_again_changes_nothing(self, contest, judges, committee, make_finalists):
        make_finalists(4)
        assignments_generate(contest=contest, user=committee)
        before = set(Assignment.objects.values_list("pk", flat=True))

        generated = assignments_generate(contest=contest, user=committee)

        assert (generated.created, generated.removed, generated.kept) == (0, 0, 12)
        assert set(Assignment.objects.values_list("pk", flat=True)) == before

    def test_a_new_finalist_is_added_and_the_scorecards_stay(self, contest, judges, committee, make_finalists):
        first, *_ = make_finalists(2)
        assignments_generate(contest=contest, user=committee)
        scorecard = _full_marks(Assignment.objects.get(judge=judges[0], submission=first), judges[0])
        (added,) = make_finalists(1)

        generated = assignments_generate(contest=contest, user=committee)

        assert generated.created == 3
        assert set(Assignment.objects.filter(submission=added).values_list("judge_id", flat=True)) == {
            judge.pk for judge in judges
        }
        assert Scorecard.objects.get(pk=scorecard.pk).state == Scorecard.State.SUBMITTED

    def test_a_clip_that_stops_being_a_finalist_keeps_only_its_scorecards(
        self, contest, judges, committee, make_finalists
    ):
        clip, other = make_finalists(2)
        assignments_generate(contest=contest, user=committee)
        scored = Assignment.objects.get(judge=judges[0], submission=clip)
        _full_marks(scored, judges[0])
        Submission.objects.filter(pk=clip.pk).update(status=Submission.Status.DISQUALIFIED)

        generated = assignments_generate(contest=contest, user=committee)

        assert generated.removed == 2
        assert list(Assignment.objects.filter(submission=clip)) == [scored]
        assert not scores_for_ranking(contest).filter(scorecard__assignment=scored).exists()
        assert judge_progress(judge=judges[0]) == Progress(submitted=0, assigned=1)

    def test_a_judge_who_leaves_the_jury_loses_the_clips_not_scored(
        self, contest, judges, committee, make_finalists
    ):
        make_finalists(2)
        assignments_generate(contest=contest, user=committee)
        leaving = judges[2]
        StaffRole.objects.filter(user=leaving).delete()

        assignments_generate(contest=contest, user=committee)

        assert not Assignment.objects.filter(judge=leaving).exists()

    def test_only_the_committee_assigns(self, contest, judge, make_finalists):
        make_finalists(1)

        with pytest.raises(NotAllowed, match="You may not assign clips to judges"):
            assignments_generate(contest=contest, user=judge)
        assert not Assignment.objects.exists()


class TestPanels:
    def test_each_panel_scores_its_own_finalists(self, contest, judges, committee, make_finalists):
        first, second, third = make_finalists(3)
        _set_mode(contest, FinalRound.Assignment.PANELS)
        north = Panel.objects.create(contest=contest, name="Phía Bắc")
        north.judges.set(judges[:2])
        north.submissions.set([first, second])
        south = Panel.objects.create(contest=contest, name="Phía Nam")
        south.judges.set(judges[2:])
        south.submissions.set([third])

        assignments_generate(contest=contest, user=committee)

        assert _pairs(contest) == {
            (first.pk, judges[0].pk),
            (first.pk, judges[1].pk),
            (second.pk, judges[0].pk),
            (second.pk, judges[1].pk),
            (third.pk, judges[2].pk),
        }

    def test_a_clip_moved_to_another_panel_changes_judges_unless_scored(
        self, contest, judges, committee, make_finalists
    ):
        (clip,) = make_finalists(1)
        _set_mode(contest, FinalRound.Assignment.PANELS)
        north = Panel.objects.create(contest=contest, name="Phía Bắc")
        north.judges.set(judges[:2])
        north.submissions.set([clip])
        south = Panel.objects.create(contest=contest, name="Phía Nam")
        south.judges.set(judges[2:])
        assignments_generate(contest=contest, user=committee)
        scorecard_save(assignment=Assignment.objects.get(judge=judges[0]), judge=judges[0], points={})
        north.submissions.clear()
        south.submissions.set([clip])

        assignments_generate(contest=contest, user=committee)

        assert _pairs(contest) == {(clip.pk, judges[0].pk), (clip.pk, judges[2].pk)}


class TestJudgesPerClip:
    @pytest.mark.parametrize(
        ("finalists", "judge_count", "per_clip"), [(7, 3, 2), (10, 4, 3), (5, 5, 1), (11, 6, 4), (4, 6, 2)]
    )
    def test_each_clip_gets_n_judges_and_each_judge_a_fair_share(
        self, contest, committee, make_finalists, finalists, judge_count, per_clip
    ):
        clips = make_finalists(finalists)
        jury = [make_staff(f"gk{index}@example.com", "jury") for index in range(judge_count)]
        _set_mode(contest, FinalRound.Assignment.PER_CLIP, judges_per_clip=per_clip)

        assignments_generate(contest=contest, user=committee)

        pairs = _pairs(contest)
        per_clip_counts = Counter(clip for clip, _judge in pairs)
        assert all(per_clip_counts[clip.pk] == per_clip for clip in clips)
        loads = Counter(judge for _clip, judge in pairs)
        share = finalists * per_clip / judge_count
        assert {loads[judge.pk] for judge in jury} <= {math.floor(share), math.ceil(share)}

    def test_it_is_deterministic_and_running_again_changes_nothing(
        self, contest, judges, committee, make_finalists
    ):
        make_finalists(5)
        _set_mode(contest, FinalRound.Assignment.PER_CLIP, judges_per_clip=2)
        assignments_generate(contest=contest, user=committee)
        first = _pairs(contest)

        generated = assignments_generate(contest=contest, user=committee)
        Assignment.objects.all().delete()
        assignments_generate(contest=contest, user=committee)

        assert (generated.created, generated.removed) == (0, 0)
        assert _pairs(contest) == first

    def test_a_judge_with_a_conflict_is_replaced_on_that_clip(self, contest, judges, committee, make_finalists):
        (clip,) = make_finalists(1)
        _set_mode(contest, FinalRound.Assignment.PER_CLIP, judges_per_clip=2)
        assignments_generate(contest=contest, user=committee)
        conflicted = Assignment.objects.filter(submission=clip).order_by("judge_id").first()
        assignment_declare_conflict(assignment=conflicted, judge=conflicted.judge, reason="Người nhà tác giả.")

        generated = assignments_generate(contest=contest, user=committee)

        assert generated.created == 1
        assert set(Assignment.objects.filter(submission=clip).values_list("judge_id", flat=True)) == {
            judge.pk for judge in judges
        }
        assert Assignment.objects.get(pk=conflicted.pk).has_conflict

    def test_more_judges_per_clip_than_judges_gives_every_judge(self, contest, judges, committee, make_finalists):
        make_finalists(2)
        _set_mode(contest, FinalRound.Assignment.PER_CLIP, judges_per_clip=5)

        assignments_generate(contest=contest, user=committee)

        assert Assignment.objects.count() == 6

    def test_switching_from_everyone_removes_only_unscored_extras(
        self, contest, judges, committee, make_finalists
    ):
        clips = make_finalists(3)
        assignments_generate(contest=contest, user=committee)
        scored = Assignment.objects.get(judge=judges[2], submission=clips[0])
        scorecard_save(assignment=scored, judge=judges[2], points={})
        _set_mode(contest, FinalRound.Assignment.PER_CLIP, judges_per_clip=1)

        assignments_generate(contest=contest, user=committee)

        assert Assignment.objects.filter(submission=clips[0]).get() == scored
        assert Counter(Assignment.objects.values_list("submission_id", flat=True)) == {
            clip.pk: 1 for clip in clips
        }


class TestConflicts:
    @pytest.fixture
    def assignment(self, contest, judge, committee, make_finalists):
        make_finalists(1)
        assignments_generate(contest=contest, user=committee)
        return Assignment.objects.get(judge=judge)

    def test_a_conflict_takes_the_judge_s_submitted_scores_out_and_is_recorded(self, assignment, judge, contest):
        scorecard = _full_marks(assignment, judge)
        assert scores_for_ranking(contest).filter(scorecard=scorecard).count() == 4

        assert assignment_declare_conflict(
            assignment=assignment, judge=judge, reason="Tôi là cô giáo của tác giả."
        )

        assignment.refresh_from_db()
        assert assignment.conflict_reason == "Tôi là cô giáo của tác giả."
        assert not scores_for_ranking(contest).filter(scorecard=scorecard).exists()
        event = scorecard.events.get(action="conflict_declared")
        assert (event.actor, event.reason) == (judge, "Tôi là cô giáo của tác giả.")

    def test_then_the_judge_cannot_score_the_clip(self, assignment, judge):
        assignment_declare_conflict(assignment=assignment, judge=judge, reason="Người nhà.")

        with pytest.raises(Refusal, match="conflict of interest"):
            scorecard_save(assignment=assignment, judge=judge, points={})
        assert not Scorecard.objects.exists()

    def test_a_reason_is_required(self, assignment, judge):
        with pytest.raises(Refusal) as refused:
            assignment_declare_conflict(assignment=assignment, judge=judge, reason="  ")

        assert refused.value.field == "reason"
        assert not Assignment.objects.get(pk=assignment.pk).has_conflict

    def test_nobody_declares_a_conflict_for_another_judge(self, assignment, other_judge):
        with pytest.raises(NotAllowed, match="This clip is not assigned to you"):
            assignment_declare_conflict(assignment=assignment, judge=other_judge, reason="Thử.")

        assert not Assignment.objects.get(pk=assignment.pk).has_conflict

    def test_declaring_twice_keeps_the_first_reason(self, assignment, judge):
        assignment_declare_conflict(assignment=assignment, judge=judge, reason="Lần đầu.")

        assert not assignment_declare_conflict(assignment=assignment, judge=judge, reason="Lần hai.")
        assert Assignment.objects.get(pk=assignment.pk).conflict_reason == "Lần đầu."


class TestProgress:
    def test_it_counts_submitted_out_of_the_clips_without_a_conflict(
        self, contest, judge, committee, make_finalists
    ):
        make_finalists(5)
        assignments_generate(contest=contest, user=committee)
        first, second, third, fourth, _fifth = Assignment.objects.filter(judge=judge).order_by(
            "submission__sequence"
        )
        _full_marks(first, judge)
        _full_marks(second, judge, submit=False)
        assignment_declare_conflict(assignment=third, judge=judge, reason="Người nhà.")
        _full_marks(fourth, judge)

        progress = judge_progress(judge=judge)

        assert progress == Progress(submitted=2, assigned=4, drafts=1, conflicts=1)
        assert (progress.remaining, progress.not_started, progress.finished) == (2, 1, False)

    def test_the_committee_sees_every_judge_even_one_without_clips(
        self, contest, judges, committee, make_finalists
    ):
        make_finalists(2)
        assignments_generate(contest=contest, user=committee)
        late = make_staff("giamkhao9@example.com", "jury", full_name="Giám Khảo Đến Muộn")
        _full_marks(Assignment.objects.filter(judge=judges[1]).first(), judges[1])

        rows = {judge.email: progress for judge, progress in judging_progress(contest=contest)}

        assert rows == {
            "giamkhao1@example.com": Progress(submitted=0, assigned=2),
            "giamkhao2@example.com": Progress(submitted=1, assigned=2),
            "giamkhao3@example.com": Progress(submitted=0, assigned=2),
            late.email: Progress(),
        }


class TestReminders:
    @pytest.fixture
    def round_half_done(self, contest, judges, committee, make_finalists):
        """Judge 1 has finished; judge 2 has a draft and a clip not started; judge 3 declared conflicts on both."""
        make_finalists(2)
        assignments_generate(contest=contest, user=committee)
        for assignment in Assignment.objects.filter(judge=judges[0]):
            _full_marks(assignment, judges[0])
        _full_marks(Assignment.objects.filter(judge=judges[1]).first(), judges[1], submit=False)
        for assignment in Assignment.objects.filter(judge=judges[2]):
            assignment_declare_conflict(assignment=assignment, judge=judges[2], reason="Người nhà.")

    def test_only_judges_with_unfinished_scorecards_are_e_mailed(
        self, contest, committee, round_half_done, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            reminded = judges_remind(contest=contest, user=committee)

        assert reminded == 1
        reminder = OutgoingMail.objects.get(kind="judge_reminder")
        assert (reminder.to, reminder.state) == ("giamkhao2@example.com", OutgoingMail.State.SENT)
        [sent] = mail.outbox
        assert sent.to == ["giamkhao2@example.com"]
        assert "còn 2 phiếu chấm điểm chưa nộp" in sent.subject
        assert "Đã nộp: 0 / 2 phiếu (trong đó 1 phiếu đang lưu nháp" in sent.body
        assert "/admin/judging/assignment/" in sent.body
        html = sent.alternatives[0][0]
        for secret in (AUTHOR, GROUP, COAUTHOR):
            assert secret not in sent.body and secret not in html

    def test_a_second_reminder_the_same_day_sends_nothing(
        self, contest, committee, round_half_done, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            judges_remind(contest=contest, user=committee)
            again = judges_remind(contest=contest, user=committee)

        assert again == 0
        assert OutgoingMail.objects.filter(kind="judge_reminder").count() == 1
        assert len(mail.outbox) == 1

    def test_the_task_is_given_the_mail_s_id_only(self, contest, committee, round_half_done, monkeypatch):
        from contest_portal.mail import tasks

        sent = []
        monkeypatch.setattr(tasks.mail_send_task, "delay_on_commit", lambda *args, **kwargs: sent.append(args))

        judges_remind(contest=contest, user=committee)

        assert sent == [(OutgoingMail.objects.get(kind="judge_reminder").pk,)]

    def test_nobody_is_reminded_when_everyone_has_finished(self, contest, judges, committee, make_finalists):
        make_finalists(1)
        assignments_generate(contest=contest, user=committee)
        for judge in judges:
            _full_marks(Assignment.objects.get(judge=judge), judge)

        assert judges_remind(contest=contest, user=committee) == 0
        assert not OutgoingMail.objects.filter(kind="judge_reminder").exists()

    def test_only_the_committee_reminds(self, contest, judge, round_half_done):
        with pytest.raises(NotAllowed, match="Only the Organizing Committee may remind the judges"):
            judges_remind(contest=contest, user=judge)
        assert not ScorecardEvent.objects.filter(action="reminded").exists()
        assert not OutgoingMail.objects.filter(kind="judge_reminder").exists()
