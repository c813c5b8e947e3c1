"""The message after starting a ranking run says what the run's state is when the page shows it: computed, failed,
or (left to the run's own page, which reloads itself) still being computed."""

import pytest
from django.urls import reverse

from judging.models import Criterion, RankingRun

from .conftest import signed_in
from .results_setup import prepare_round, score

pytestmark = [pytest.mark.django_db, pytest.mark.judges(1)]
# Committed as the portal commits (no test transaction around the request): the task queued on commit runs in the
# process as soon as the run is recorded, as it does with the default in-process queue, before the page is shown.
committed = pytest.mark.django_db(transaction=True)

START = reverse("admin:judging_rankingrun_start")


@pytest.fixture
def scored(contest, committee, judges, make_finalists):
    clips = make_finalists(2)
    prepare_round(contest, committee, judges=judges, finalists=clips)
    for clip, points in zip(clips, [9, 7], strict=True):
        score(judges[0], clip, [points] * 3)
    return clips


@pytest.fixture
def desk(client, committee):
    return signed_in(client, committee)


def _start(desk, contest):
    response = desk.post(START, {"contest": contest.slug}, follow=True)
    assert response.status_code == 200
    return response, [str(message) for message in response.context["messages"]]


@committed
def test_a_run_computed_at_once_is_said_to_be_computed(desk, contest, scored):
    response, said = _start(desk, contest)
    assert RankingRun.objects.get().state == RankingRun.State.DONE
    assert said == ["The ranking is computed."]
    html = response.content.decode()
    assert 'id="run-running"' not in html
    assert "being computed" not in html


def test_a_run_still_running_is_left_to_its_page_which_says_so(
    desk, contest, scored, django_capture_on_commit_callbacks
):
    # The task waits for a worker: inside the test's transaction, nothing queued on commit runs.
    with django_capture_on_commit_callbacks(execute=False):
        response, said = _start(desk, contest)
    assert RankingRun.objects.get().state == RankingRun.State.RUNNING
    assert said == []
    html = response.content.decode()
    assert 'id="run-running"' in html
    assert 'http-equiv="refresh"' in html


@committed
def test_a_run_that_failed_is_said_to_have_failed(desk, contest, committee, judges, make_finalists):
    # A rubric emptied before anything was scored: there is nothing to rank by.
    prepare_round(contest, committee, judges=judges, finalists=make_finalists(1))
    Criterion.objects.filter(contest=contest).delete()
    response, said = _start(desk, contest)
    assert RankingRun.objects.get().state == RankingRun.State.FAILED
    assert said == ["The ranking could not be computed: see why below."]
    assert 'id="run-error"' in response.content.decode()
