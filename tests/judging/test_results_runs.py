"""Ranking runs: what a run stores (every score that counts, exactly as in the database), that a stored run never
changes, staleness when a score changes afterwards, and the committee's approval."""

import hashlib
import json
from decimal import Decimal

import pytest
from django.db import connection

from contest_portal.refusals import NotAllowed, Refusal
from judging.models import Assignment, Award, RankingRun, Score, Scorecard
from judging.prizes import awards_confirm
from judging.runs import (
    _canonical,
    _inputs_json,
    current_digest,
    rank_inputs,
    ranking_inputs,
    ranking_run_approve,
    ranking_run_compute,
    ranking_run_is_stale,
    ranking_run_start,
)
from judging.services import assignment_declare_conflict, scorecard_reopen
from judging.tasks import ranking_run_task
from tests.finalists import TITLES

from .results_setup import prepare_round, score

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DONE = RankingRun.State.DONE


@pytest.fixture
def finalists(make_finalists):
    return make_finalists(titles=TITLES[:3])


@pytest.fixture
def scored(contest, committee, judges, finalists):
    """Three judges and three finalists; the third judge scored the first clip only, declared a conflict on the
    second (after scoring it) and left a draft on the third."""
    prepare_round(contest, committee, judges=judges, finalists=finalists)
    first, second, third = finalists
    one, two, three = judges
    score(one, first, [9, 8, 7])
    score(one, second, [7, 7, 7])
    score(one, third, [5, 6, 6])
    score(two, first, [8, 9, 8.5])
    score(two, second, [8, 6, 7])
    score(two, third, [6, 5, 5])
    score(three, first, [10, 9, 9])
    score(three, second, [10, 10, 10])
    assignment_declare_conflict(
        assignment=Assignment.objects.get(judge=three, submission=second), judge=three, reason="Người nhà tác giả."
    )
    score(three, third, [4, 4, 4], submit=False)
    return finalists


def _run(contest, user, capture):
    with capture(execute=True):
        run = ranking_run_start(contest=contest, user=user)
    run.refresh_from_db()
    return run


def _scores_in_database(contest):
    """Every counted score, read straight from the tables, in the form a run stores them."""
    cards = {}
    for score_row in Score.objects.filter(
        scorecard__state=Scorecard.State.SUBMITTED,
        scorecard__assignment__conflict_declared_at__isnull=True,
        scorecard__assignment__submission__contest=contest,
    ).select_related("scorecard__assignment__submission"):
        assignment = score_row.scorecard.assignment
        card = cards.setdefault(
            (assignment.submission_id, assignment.judge_id),
            {"judge": assignment.judge_id, "clip": assignment.submission_id, "code": assignment.submission.code},
        )
        card.setdefault("points", {})[str(score_row.criterion_id)] = score_row.points
    return cards


def test_a_run_stores_every_counted_score_as_in_the_database(
    contest, committee, judges, scored, django_capture_on_commit_callbacks
):
    first, second, third = scored
    run = _run(contest, committee, django_capture_on_commit_callbacks)

    assert run.state == DONE
    assert run.started_by == committee
    assert run.method == "mean"
    assert run.finished_at is not None
    stored = {
        (card["clip"], card["judge"]): {**card, "points": {k: Decimal(v) for k, v in card["points"].items()}}
        for card in run.inputs["scorecards"]
    }
    assert stored == _scores_in_database(contest)
    assert len(stored) == 7  # the conflicted scorecard and the draft are not in it
    assert run.inputs["conflicts"] == [{"judge": judges[2].pk, "clip": second.pk, "code": second.code}]
    assert run.inputs["abstentions"] == [{"judge": judges[2].pk, "clip": third.pk, "code": third.code}]
    assert [clip["code"] for clip in run.inputs["clips"]] == [first.code, second.code, third.code]
    assert [c["weight"] for c in run.inputs["criteria"]] == ["2.000", "1.000", "1.000"]


def test_a_judge_who_never_opened_a_scorecard_abstains_and_counts_for_nothing(
    contest, committee, judges, finalists, django_capture_on_commit_callbacks
):
    first, second, third = finalists
    one, two, three = judges
    prepare_round(contest, committee, judges=judges, finalists=finalists)
    for clip in finalists:
        score(one, clip, [8, 8, 8])
        score(two, clip, [6, 6, 6])
    assert not Scorecard.objects.filter(assignment__judge=three).exists()

    run = _run(contest, committee, django_capture_on_commit_callbacks)

    assert run.inputs["abstentions"] == [
        {"judge": three.pk, "clip": clip.pk, "code": clip.code} for clip in finalists
    ]
    assert run.inputs["conflicts"] == []
    assert {entry["clip"]: (entry["scorecards"], entry["abstentions"]) for entry in run.results["ranked"]} == {
        clip.pk: (2, 1) for clip in finalists
    }


def test_a_run_stores_the_ranking_of_its_own_inputs(
    contest, committee, scored, django_capture_on_commit_callbacks
):
    first, second, third = scored
    run = _run(contest, committee, django_capture_on_commit_callbacks)

    assert run.results == rank_inputs(run.inputs).to_dict()
    ranked = {entry["clip"]: entry for entry in run.results["ranked"]}
    # Totals (2 × content + creativity + technique): first 33, 33.5, 38; second 28, 29 (the 40 is conflicted).
    assert ranked[first.pk]["score"] == "34.833333"
    assert ranked[first.pk]["rank"] == 1
    assert (ranked[second.pk]["score"], ranked[second.pk]["conflicts"]) == ("28.500000", 1)
    assert (ranked[third.pk]["rank"], ranked[third.pk]["abstentions"]) == (3, 1)
    assert run.inputs_digest == current_digest(contest=contest)


def test_a_run_keeps_the_very_text_its_inputs_were_written_in(
    contest, committee, scored, django_capture_on_commit_callbacks
):
    run = _run(contest, committee, django_capture_on_commit_callbacks)

    with connection.cursor() as cursor:
        cursor.execute("SELECT inputs FROM judging_rankingrun WHERE id = %s", [run.pk])
        (stored,) = cursor.fetchone()

    # The canonical JSON the run wrote (sorted keys, no spaces), not a copy the database re-wrote in its own way.
    assert stored == _inputs_json(run.inputs)[0]
    assert stored.startswith('{"abstentions":[{"clip":') and '"scorecards":[{"clip":' in stored


def test_a_runs_inputs_and_digest_are_canonical_json_whatever_the_criteria_ids(
    contest, committee, judges, finalists, django_capture_on_commit_callbacks
):
    # Ids whose order as text is not their order as numbers, nor the rubric's: "10000" < "1000" < "999" is
    # wrong, "1000" < "10000" < "999" is right.
    prepare_round(contest, committee, judges=judges, finalists=finalists, criterion_ids=(999, 1000, 10000))
    score(judges[0], finalists[0], [9, 8.5, 7])
    score(judges[1], finalists[0], [6, 5, 4.25])

    run = _run(contest, committee, django_capture_on_commit_callbacks)
    with connection.cursor() as cursor:
        cursor.execute("SELECT inputs FROM judging_rankingrun WHERE id = %s", [run.pk])
        (stored,) = cursor.fetchone()

    def canonical(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert stored == canonical(json.loads(stored))
    assert '"points":{"1000":"8.50","10000":"7.00","999":"9.00"}' in stored
    assert '"points":{"1000":"5.00","10000":"4.25","999":"6.00"}' in stored
    unnamed = json.loads(stored)
    for criterion in unnamed["criteria"]:
        del criterion["name"]
    assert run.inputs_digest == hashlib.sha256(canonical(unnamed).encode()).hexdigest()


def test_canonical_json_is_byte_for_byte_what_json_dumps_writes():
    # Digests of runs stored before the faster encoder must still match: the same bytes for every kind of value
    # an input holds, criteria names typed with anything in them.
    value = {
        "name": 'Nội dung \x00\x1f\x7f\n\t"\\/ 😀 \u2028\u2029',
        "points": {"10": "1.00", "9": "2.50", "1000": "0.25"},
        "flags": [True, False, None, 0, -1, 2**62],
        "": [],
    }

    assert _canonical(value) == json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def test_a_clip_with_too_few_scorecards_is_listed_as_incomplete(
    contest, committee, scored, django_capture_on_commit_callbacks
):
    contest.judging.min_scorecards = 3
    contest.judging.save()

    run = _run(contest, committee, django_capture_on_commit_callbacks)

    assert [entry["clip"] for entry in run.results["ranked"]] == [scored[0].pk]
    assert {entry["clip"]: (entry["scorecards"], entry["needed"]) for entry in run.results["incomplete"]} == {
        scored[1].pk: (2, 3),
        scored[2].pk: (2, 3),
    }


def test_a_done_run_is_never_computed_again(
    contest, committee, judges, scored, django_capture_on_commit_callbacks
):
    run = _run(contest, committee, django_capture_on_commit_callbacks)
    stored = (run.inputs, run.inputs_digest, run.results, run.finished_at)
    scorecard = Scorecard.objects.get(assignment__judge=judges[0], assignment__submission=scored[0])
    scorecard_reopen(scorecard=scorecard, user=committee, reason="Nhập nhầm điểm.")
    score(judges[0], scored[0], [2, 2, 2])

    ranking_run_task(run.pk)
    ranking_run_compute(run_id=run.pk)

    run.refresh_from_db()
    assert (run.inputs, run.inputs_digest, run.results, run.finished_at) == stored


def test_a_run_goes_stale_when_a_scorecard_is_reopened_and_submitted_again(
    contest, committee, judges, scored, django_capture_on_commit_callbacks
):
    run = _run(contest, committee, django_capture_on_commit_callbacks)
    assert not ranking_run_is_stale(run)
    scorecard = Scorecard.objects.get(assignment__judge=judges[1], assignment__submission=scored[2])

    scorecard_reopen(scorecard=scorecard, user=committee, reason="Nhập nhầm điểm.")
    assert ranking_run_is_stale(run)  # one scorecard fewer counts now
    score(judges[1], scored[2], [6, 5, 5.5])

    assert ranking_run_is_stale(run)
    assert not ranking_run_is_stale(_run(contest, committee, django_capture_on_commit_callbacks))


def test_resubmitting_the_same_points_leaves_the_run_current(
    contest, committee, judges, scored, django_capture_on_commit_callbacks
):
    run = _run(contest, committee, django_capture_on_commit_callbacks)
    scorecard = Scorecard.objects.get(assignment__judge=judges[1], assignment__submission=scored[2])
    scorecard_reopen(scorecard=scorecard, user=committee, reason="Kiểm tra lại.")
    score(judges[1], scored[2], [6, 5, 5])

    assert not ranking_run_is_stale(run)


def test_a_run_goes_stale_when_a_weight_or_the_method_changes(
    contest, committee, scored, django_capture_on_commit_callbacks
):
    run = _run(contest, committee, django_capture_on_commit_callbacks)
    criterion = contest.criteria.get(order=1)

    criterion.name = "Tính sáng tạo"
    criterion.save()
    assert not ranking_run_is_stale(run)  # a name is not a score
    criterion.weight = Decimal("1.5")
    criterion.save()
    assert ranking_run_is_stale(run)
    criterion.weight = Decimal(1)
    criterion.save()
    contest.judging.method = "median"
    contest.judging.save()
    assert ranking_run_is_stale(run)


def test_a_run_that_cannot_be_ranked_fails_and_says_why(contest, committee, django_capture_on_commit_callbacks):
    contest.criteria.all().delete()

    run = _run(contest, committee, django_capture_on_commit_callbacks)

    assert run.state == RankingRun.State.FAILED
    assert "criteria" in run.error
    assert (run.inputs, run.results, run.inputs_digest) == ({}, {}, "")


def test_a_run_whose_scorecards_lack_a_criterion_added_since_fails_and_keeps_none_of_its_inputs(
    contest, committee, scored, django_capture_on_commit_callbacks
):
    contest.criteria.create(name="Âm thanh", max_points=10, order=9)

    run = _run(contest, committee, django_capture_on_commit_callbacks)

    assert run.state == RankingRun.State.FAILED
    assert "has no points for criterion" in run.error
    assert (run.inputs, run.results, run.inputs_digest) == ({}, {}, "")


def test_starting_a_run_needs_the_permission(contest, judges, alice):
    for user in (judges[0], alice):
        with pytest.raises(NotAllowed, match="You may not compute the ranking"):
            ranking_run_start(contest=contest, user=user)
    assert not RankingRun.objects.exists()


def test_approving_changes_only_the_approval(contest, committee, scored, django_capture_on_commit_callbacks):
    run = _run(contest, committee, django_capture_on_commit_callbacks)
    before = RankingRun.objects.filter(pk=run.pk).values().get()

    assert ranking_run_approve(run=run, user=committee) is True
    assert ranking_run_approve(run=run, user=committee) is False

    after = RankingRun.objects.filter(pk=run.pk).values().get()
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"approved_at", "approved_by_id"}
    assert after["approved_by_id"] == committee.pk


def test_approving_needs_the_permission(contest, committee, judges, scored, django_capture_on_commit_callbacks):
    run = _run(contest, committee, django_capture_on_commit_callbacks)

    with pytest.raises(NotAllowed, match="You may not approve the ranking"):
        ranking_run_approve(run=run, user=judges[0])
    run.refresh_from_db()
    assert run.approved_at is None


def test_a_stale_run_cannot_be_approved(contest, committee, judges, scored, django_capture_on_commit_callbacks):
    run = _run(contest, committee, django_capture_on_commit_callbacks)
    scorecard = Scorecard.objects.get(assignment__judge=judges[0], assignment__submission=scored[1])
    scorecard_reopen(scorecard=scorecard, user=committee, reason="Nhập nhầm điểm.")
    score(judges[0], scored[1], [9, 9, 9])

    with pytest.raises(Refusal, match="changed"):
        ranking_run_approve(run=run, user=committee)
    run.refresh_from_db()
    assert run.approved_at is None


def test_approving_another_run_moves_the_approval(contest, committee, scored, django_capture_on_commit_callbacks):
    first = _run(contest, committee, django_capture_on_commit_callbacks)
    ranking_run_approve(run=first, user=committee)
    second = _run(contest, committee, django_capture_on_commit_callbacks)

    ranking_run_approve(run=second, user=committee)

    assert list(RankingRun.objects.filter(approved_at__isnull=False)) == [second]


def test_another_run_is_not_approved_while_prizes_from_the_approved_one_stand(
    contest, committee, scored, django_capture_on_commit_callbacks
):
    first = _run(contest, committee, django_capture_on_commit_callbacks)
    ranking_run_approve(run=first, user=committee)
    awards_confirm(contest=contest, user=committee)
    second = _run(contest, committee, django_capture_on_commit_callbacks)

    with pytest.raises(Refusal, match="withdraw"):
        ranking_run_approve(run=second, user=committee)
    assert Award.objects.filter(run=first).exists()


def test_a_running_run_cannot_be_approved(contest, committee, scored):
    run = ranking_run_start(contest=contest, user=committee)  # its task waits for the commit

    with pytest.raises(Refusal, match="Only a finished run can be approved"):
        ranking_run_approve(run=run, user=committee)


def test_the_inputs_are_read_in_a_fixed_number_of_queries(
    contest, committee, judges, finalists, django_assert_num_queries
):
    prepare_round(contest, committee, judges=judges, finalists=finalists)
    score(judges[0], finalists[0], [9, 8, 7])
    with django_assert_num_queries(5):
        ranking_inputs(contest=contest)
    for judge in judges:
        for clip in finalists:
            if (judge, clip) != (judges[0], finalists[0]):
                score(judge, clip, [5, 5, 5])
    with django_assert_num_queries(5):
        inputs = ranking_inputs(contest=contest)
    assert len(inputs["scorecards"]) == 9
