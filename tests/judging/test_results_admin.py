"""The committee's screens for runs, prizes and publication; who may reach them (judges and entrants may not)."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from judging.models import Award, FinalRound, RankingRun, Scorecard
from judging.services import scorecard_reopen
from tests.finalists import TITLES

from .results_setup import prepare_round, score, set_prize_counts

pytestmark = [pytest.mark.django_db, pytest.mark.judges(2)]


@pytest.fixture
def clips(make_finalists):
    return make_finalists(titles=TITLES[:4])


@pytest.fixture
def tiers(contest):
    return set_prize_counts(contest, nhat=1, nhi=1, ba=1, kk=1, phu=1)


@pytest.fixture
def scored(contest, committee, judges, clips, tiers):
    """Totals from both judges: first 40, second and third 32 (tied all the way), fourth 16."""
    prepare_round(contest, committee, judges=judges, finalists=clips)
    for judge in judges:
        for clip, points in zip(clips, [10, 8, 8, 4], strict=True):
            score(judge, clip, [points] * 3)
    return clips


@pytest.fixture
def desk(client, committee):
    client.force_login(committee)
    return client


def _start(desk, contest, capture):
    with capture(execute=True):
        response = desk.post(reverse("admin:judging_rankingrun_start"), {"contest": contest.slug})
    run = RankingRun.objects.latest("started_at")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:judging_rankingrun_change", args=[run.pk])
    return run


def test_the_committee_runs_approves_awards_and_publishes(
    desk, contest, scored, tiers, django_capture_on_commit_callbacks
):
    first, second, third, fourth = scored
    assert desk.get(reverse("admin:judging_rankingrun_changelist")).status_code == 200

    run = _start(desk, contest, django_capture_on_commit_callbacks)
    page = desk.get(reverse("admin:judging_rankingrun_change", args=[run.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for clip in scored:
        assert f'data-code="{clip.code}"' in html
    assert 'id="approve-run"' in html
    assert 'class="tied"' in html

    desk.post(reverse("admin:judging_rankingrun_approve", args=[run.pk]))
    run.refresh_from_db()
    assert run.approved_at is not None

    prizes_url = reverse("admin:judging_award_prizes", args=[contest.slug])
    html = desk.get(prizes_url).content.decode()
    assert f'id="tie-{tiers["nhi"].pk}"' in html
    # Without the committee's choice nothing is awarded.
    desk.post(reverse("admin:judging_award_confirm", args=[contest.slug]))
    assert not Award.objects.exists()

    desk.post(
        reverse("admin:judging_award_confirm", args=[contest.slug]),
        {f"tie-{tiers['nhi'].pk}": [third.pk], f"reason-{tiers['nhi'].pk}": "Biểu quyết 4/3."},
    )
    desk.post(
        reverse("admin:judging_award_side", args=[contest.slug]),
        {"tier": tiers["phu"].pk, "submission": fourth.pk, "reason": "Nhiều lượt xem nhất."},
    )
    assert dict(Award.objects.values_list("tier__name", "submission__code")) == {
        "Giải Nhất": first.code,
        "Giải Nhì": third.code,
        "Giải Ba": second.code,
        "Giải Khuyến khích": fourth.code,
        "Giải phụ": fourth.code,
    }
    html = desk.get(prizes_url).content.decode()
    assert "12.000.000 đ" in html  # 5 + 3 + 2 + 1 + 1 million

    desk.post(reverse("admin:judging_award_publish", args=[contest.slug]), {"confirm": "yes"})
    assert FinalRound.objects.get(contest=contest).results_published_at is not None
    assert 'id="award-drafts"' in desk.get(prizes_url).content.decode()


def test_a_stale_run_says_so_and_offers_no_approval(
    desk, contest, committee, judges, scored, django_capture_on_commit_callbacks
):
    run = _start(desk, contest, django_capture_on_commit_callbacks)
    scorecard = Scorecard.objects.get(assignment__judge=judges[0], assignment__submission=scored[3])
    scorecard_reopen(scorecard=scorecard, user=committee, reason="Nhập nhầm.")

    html = desk.get(reverse("admin:judging_rankingrun_change", args=[run.pk])).content.decode()

    assert 'id="run-stale"' in html
    assert 'id="approve-run"' not in html
    desk.post(reverse("admin:judging_rankingrun_approve", args=[run.pk]))
    run.refresh_from_db()
    assert run.approved_at is None


def test_the_run_downloads(desk, contest, scored, django_capture_on_commit_callbacks):
    run = _start(desk, contest, django_capture_on_commit_callbacks)

    inputs = json.loads(desk.get(reverse("admin:judging_rankingrun_inputs", args=[run.pk])).content)
    summary = desk.get(reverse("admin:judging_rankingrun_summary", args=[run.pk]))
    sheets = desk.get(reverse("admin:judging_rankingrun_sheets", args=[run.pk]))

    assert inputs["scorecards"] == run.inputs["scorecards"]
    assert inputs["inputs_digest"] == run.inputs_digest
    for response in (summary, sheets):
        assert response.status_code == 200
        load_workbook(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.parametrize("who", ["judge", "entrant"])
def test_judges_and_entrants_reach_no_committee_screen(
    client, contest, committee, judges, alice, scored, who, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        from judging.runs import ranking_run_start

        run = ranking_run_start(contest=contest, user=committee)
    client.force_login(judges[0] if who == "judge" else alice)
    # A judge is staff and gets a 403; an entrant is sent to the admin's login page.
    expected = 403 if who == "judge" else 302
    gets = [
        reverse("admin:judging_rankingrun_changelist"),
        reverse("admin:judging_rankingrun_change", args=[run.pk]),
        reverse("admin:judging_rankingrun_inputs", args=[run.pk]),
        reverse("admin:judging_rankingrun_summary", args=[run.pk]),
        reverse("admin:judging_rankingrun_sheets", args=[run.pk]),
        reverse("admin:judging_award_changelist"),
        reverse("admin:judging_award_prizes", args=[contest.slug]),
        reverse("admin:judging_award_list_xlsx", args=[contest.slug]),
    ]
    posts = [
        (reverse("admin:judging_rankingrun_start"), {"contest": contest.slug}),
        (reverse("admin:judging_rankingrun_approve", args=[run.pk]), {}),
        (reverse("admin:judging_award_confirm", args=[contest.slug]), {}),
        (reverse("admin:judging_award_side", args=[contest.slug]), {}),
        (reverse("admin:judging_award_publish", args=[contest.slug]), {}),
    ]
    for url in gets:
        assert client.get(url).status_code == expected, url
    for url, data in posts:
        assert client.post(url, data).status_code == expected, url
    assert client.get("/test-contest/ket-qua/").status_code == 404
    assert RankingRun.objects.count() == 1
    assert RankingRun.objects.get().approved_at is None


def test_ids_from_ten_thousand_on_work_in_the_committees_forms(
    large_ids, desk, contest, scored, tiers, django_capture_on_commit_callbacks
):
    """The tie is decided with the values the page itself holds, as a browser sends them."""
    first, second, third, fourth = scored
    nhi = tiers["nhi"]
    assert min(nhi.pk, third.pk) > 10_000
    run = _start(desk, contest, django_capture_on_commit_callbacks)
    page = desk.get(reverse("admin:judging_rankingrun_change", args=[run.pk]))
    assert f'data-run="{run.pk}"' in page.content.decode()
    desk.post(reverse("admin:judging_rankingrun_approve", args=[run.pk]))

    html = desk.get(reverse("admin:judging_award_prizes", args=[contest.slug])).content.decode()
    assert f'id="tie-{nhi.pk}"' in html
    assert f'name="tie-{nhi.pk}" value="{third.pk}"' in html
    assert f'<option value="{fourth.pk}"' in html
    desk.post(
        reverse("admin:judging_award_confirm", args=[contest.slug]),
        {f"tie-{nhi.pk}": str(third.pk), f"reason-{nhi.pk}": "Biểu quyết 4/3."},
    )
    assert Award.objects.get(tier=nhi).submission == third
