"""A ranking run through the real chain: commit -> Redis -> `celery worker` -> PostgreSQL. The run the worker
stores holds exactly the scores in the database, and a task delivered again changes nothing."""

from decimal import Decimal

import pytest
from django.db import transaction

from judging.models import Assignment, RankingRun, Score, Scorecard
from judging.runs import current_digest, rank_inputs, ranking_run_start
from judging.services import assignment_declare_conflict
from judging.tasks import ranking_run_task
from tests.conftest import open_final_round
from tests.finalists import TITLES, make_finalists
from tests.integration.polling import wait_until
from tests.judging.results_setup import prepare_round, score
from tests.staff import make_judges

pytestmark = [pytest.mark.integration, pytest.mark.worker]


@pytest.fixture
def scored(contest, committee):
    """Three judges, four finalists; the last judge declared a conflict on the first clip and left the last
    one unscored."""
    open_final_round(contest)
    judges = make_judges(3)
    clips = make_finalists(contest, titles=TITLES[:4])
    prepare_round(contest, committee, judges=judges, finalists=clips)
    for judge_index, judge in enumerate(judges):
        for clip_index, clip in enumerate(clips):
            if judge_index == 2 and clip_index in (0, 3):
                continue
            score(judge, clip, [(judge_index + clip_index) % 5 + 5, 7.5, 6.25])
    assignment_declare_conflict(
        assignment=Assignment.objects.get(judge=judges[2], submission=clips[0]), judge=judges[2], reason="Họ hàng."
    )
    return judges, clips


def _done(run):
    return wait_until(
        lambda: RankingRun.objects.filter(pk=run.pk).exclude(state=RankingRun.State.RUNNING).first(),
        timeout=60,
        what=f"the worker to compute ranking run {run.pk}",
    )


def test_the_worker_stores_a_run_whose_inputs_match_the_database(celery_worker, contest, committee, scored):
    judges, clips = scored
    with transaction.atomic():
        run = ranking_run_start(contest=contest, user=committee)

    run = _done(run)

    assert run.state == RankingRun.State.DONE, run.error
    in_database = {
        (s.scorecard.assignment.submission_id, s.scorecard.assignment.judge_id, s.criterion_id): s.points
        for s in Score.objects.filter(
            scorecard__state=Scorecard.State.SUBMITTED, scorecard__assignment__conflict_declared_at__isnull=True
        ).select_related("scorecard__assignment")
    }
    stored = {
        (card["clip"], card["judge"], int(criterion)): Decimal(points)
        for card in run.inputs["scorecards"]
        for criterion, points in card["points"].items()
    }
    assert stored == in_database
    assert len(stored) == (3 * 4 - 2) * 3
    assert run.inputs["conflicts"] == [{"judge": judges[2].pk, "clip": clips[0].pk, "code": clips[0].code}]
    assert run.inputs["abstentions"] == [{"judge": judges[2].pk, "clip": clips[3].pk, "code": clips[3].code}]
    assert run.inputs_digest == current_digest(contest=contest)
    assert run.results == rank_inputs(run.inputs).to_dict()
    assert [entry["clip"] for entry in run.results["ranked"]] != []


def test_a_task_delivered_again_changes_nothing(celery_worker, contest, committee, scored):
    with transaction.atomic():
        run = ranking_run_start(contest=contest, user=committee)
    run = _done(run)
    stored = RankingRun.objects.filter(pk=run.pk).values().get()

    again = [ranking_run_task.delay(run.pk), ranking_run_task.delay(run.pk)]
    celery_worker.wait_for_tasks([result.id for result in again])

    assert RankingRun.objects.filter(pk=run.pk).values().get() == stored
