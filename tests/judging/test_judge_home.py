"""A judge's home (the admin's first page): the due date, their progress and the next clip; with nothing to score,
why; and the e-mail that tells them when clips are assigned."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from contest_portal.mail.models import OutgoingMail
from judging.models import Assignment, FinalRound
from judging.services import assignments_generate, scorecard_save, scorecard_submit
from submissions.models import Contest
from submissions.phases import Phase

from .conftest import signed_in

pytestmark = pytest.mark.django_db

HOME = reverse("admin:index")


def _home(html):
    match = re.search(r'<div class="module judge-home".*?</div>', html, re.S)
    return match.group(0) if match else None


@pytest.fixture
def judge_client(client, judge):
    return signed_in(client, judge)


def test_before_the_final_round_the_judge_reads_why_there_is_nothing(judge_client, contest):
    Contest.objects.filter(pk=contest.pk).update(stage=Phase.PRELIMINARY)

    home = _home(judge_client.get(HOME).content.decode())

    assert 'id="judge-waiting"' in home
    assert "The final round has not opened" in home
    assert "You will receive an e-mail when the finalists are assigned to you." in home
    assert "0 / 0" not in home


def test_in_the_final_round_with_nothing_assigned_the_judge_is_told_the_committee_assigns(judge_client, contest):
    home = _home(judge_client.get(HOME).content.decode())

    assert "No finalist is assigned to you yet." in home
    assert 'id="judge-next"' not in home


def test_with_clips_assigned_the_home_shows_the_due_date_progress_and_the_next_clip(
    judge_client, judge, contest, committee, make_finalists
):
    make_finalists(3)
    assignments_generate(contest=contest, user=committee)
    due = timezone.make_aware(datetime.datetime(2031, 12, 15, 17, 0))
    FinalRound.objects.filter(contest=contest).update(scoring_ends_at=due)
    first = Assignment.objects.filter(judge=judge).order_by("submission__sequence").first()

    home = _home(judge_client.get(HOME).content.decode())

    assert "Scorecards are due by 17:00 15/12/2031." in home
    assert 'data-assigned="3" data-submitted="0"' in home
    assert "0 / 3 scored" in home
    assert f'href="{reverse("admin:judging_assignment_score", args=[first.pk])}" id="judge-next"' in home
    assert "overdue" not in home


def test_a_passed_due_date_with_work_left_is_said_plainly(judge_client, contest, committee, make_finalists):
    make_finalists(1)
    assignments_generate(contest=contest, user=committee)
    FinalRound.objects.filter(contest=contest).update(scoring_ends_at=timezone.now() - datetime.timedelta(hours=1))

    home = _home(judge_client.get(HOME).content.decode())

    assert "judge-due overdue" in home
    assert "The due time has passed" in home


def test_with_every_scorecard_submitted_the_home_thanks_the_judge(
    judge_client, judge, contest, committee, make_finalists
):
    make_finalists(1)
    assignments_generate(contest=contest, user=committee)
    assignment = Assignment.objects.get(judge=judge)
    points = {criterion.pk: 10 for criterion in contest.criteria.all()}
    scorecard_submit(scorecard=scorecard_save(assignment=assignment, judge=judge, points=points), judge=judge)

    home = _home(judge_client.get(HOME).content.decode())

    assert 'id="judge-done"' in home
    assert "1 / 1 scored" in home
    assert 'id="judge-next"' not in home


def test_a_screener_has_no_judge_s_home(client, office, contest):
    html = signed_in(client, office).get(HOME).content.decode()

    assert _home(html) is None


def test_the_queue_shows_the_due_date_too(judge_client, contest, committee, make_finalists):
    make_finalists(1)
    assignments_generate(contest=contest, user=committee)
    due = timezone.make_aware(datetime.datetime(2031, 12, 15, 17, 0))
    FinalRound.objects.filter(contest=contest).update(scoring_ends_at=due)

    html = judge_client.get(reverse("admin:judging_assignment_changelist")).content.decode()

    assert re.search(r'id="scoring-due">\s*Scorecards are due by 17:00 15/12/2031.', html)


class TestTheAssignmentMail:
    def test_each_judge_is_told_once_and_again_when_their_clips_grow(
        self, contest, judges, committee, make_finalists
    ):
        make_finalists(2)
        assignments_generate(contest=contest, user=committee)
        assignments_generate(contest=contest, user=committee)

        told = OutgoingMail.objects.filter(kind="judge_assigned")
        assert sorted(told.values_list("to", flat=True)) == sorted(judge.email for judge in judges)
        assert all("2 clip" in subject for subject in told.values_list("subject", flat=True))

        make_finalists(1)
        assignments_generate(contest=contest, user=committee)

        assert told.count() == 2 * len(judges)
        assert sorted(told.filter(subject__contains="3 clip").values_list("to", flat=True)) == sorted(
            judge.email for judge in judges
        )

    def test_the_mail_gives_the_due_date(self, contest, judge, committee, make_finalists):
        make_finalists(1)
        due = timezone.make_aware(datetime.datetime(2031, 12, 15, 17, 0))
        FinalRound.objects.update_or_create(contest=contest, defaults={"scoring_ends_at": due})

        assignments_generate(contest=contest, user=committee)

        mail = OutgoingMail.objects.get(kind="judge_assigned", to=judge.email)
        assert "Hạn nộp phiếu chấm: 17:00 ngày 15/12/2031." in mail.body_text
