"""The committee's part of the final round in a real browser: it computes the ranking, approves the run, decides a
tie at a prize boundary, designates the side prize and publishes; on a phone, the public results page then shows
the winners with their amounts. The scores are given through the judging services beforehand (the judges' own
browser test scores through their pages)."""

import pytest
from playwright.sync_api import expect

from judging.models import Award, FinalRound, RankingRun
from tests.conftest import open_final_round
from tests.finalists import TITLES, make_finalists
from tests.judging.results_setup import prepare_round, score, set_prize_counts
from tests.staff import make_judges, make_staff

from .conftest import DESKTOP, PHONE, admin_log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def scored(live_contest):
    """Three finalists scored by two judges: the first 40, the second and third 32 each, tied all the way."""
    contest = open_final_round(live_contest)
    committee = make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    set_prize_counts(contest, nhat=1, nhi=1, ba=1, kk=0, phu=1)
    judges = make_judges(2)
    clips = make_finalists(contest, titles=TITLES[:3])
    prepare_round(contest, committee, judges=judges, finalists=clips)
    for judge in judges:
        for clip, points in zip(clips, [10, 8, 8], strict=True):
            score(judge, clip, [points] * 3)
    return clips


def test_the_committee_ranks_awards_and_publishes(new_page, live_contest, scored, screenshot):
    first, second, third = scored
    visitor = new_page(PHONE)
    assert visitor.goto("/test-contest/ket-qua/").status == 404

    desk = new_page(DESKTOP)
    admin_log_in(desk, "btc@example.com")
    desk.goto("/admin/judging/rankingrun/")
    desk.locator("#start-ranking [type=submit]").click()
    expect(desk.locator("#content-main.ranking-run")).to_have_attribute("data-state", "done")
    rows = desk.locator("#ranking tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-code", first.code)
    expect(desk.locator("#ranking tr.tied")).to_have_count(2)
    screenshot(desk, "results-run")
    desk.locator("#approve-run").click()
    expect(desk.locator(".messagelist .success")).to_be_visible()
    assert RankingRun.objects.get().approved_at is not None

    desk.locator("#to-prizes").click()
    nhi = live_contest.prize_tiers.get(name="Giải Nhì")
    tie = desk.locator(f"#tie-{nhi.pk}")
    expect(tie.locator("input[type=checkbox]")).to_have_count(2)
    tie.locator(f"input[value='{third.pk}']").check()
    tie.locator("textarea").fill("Ban Tổ chức biểu quyết: clip có thông điệp rõ hơn.")
    desk.locator("#confirm-awards").click()
    expect(desk.locator(".messagelist .success")).to_be_visible()
    expect(desk.locator("#prize-list tbody tr")).to_have_count(3)

    side = desk.locator(".side-prize-form")
    side.locator("select[name=submission]").select_option(str(second.pk))
    side.locator("textarea[name=reason]").fill("Clip có nhiều lượt xem nhất trên Fanpage.")
    side.locator("[type=submit]").click()
    expect(desk.locator("#prize-list tbody tr")).to_have_count(4)
    expect(desk.locator("#total-budget")).to_have_text("11.000.000 đ")
    screenshot(desk, "results-prizes")

    desk.locator("#publish-results").click()
    desk.locator("#confirm-mails").click()
    expect(desk.locator("#published")).to_be_visible()
    expect(desk.locator("#award-drafts")).to_be_visible()
    assert FinalRound.objects.get(contest=live_contest).results_published_at is not None
    assert dict(Award.objects.values_list("submission__code", "tier__name").filter(tier__is_side_prize=False)) == {
        first.code: "Giải Nhất",
        third.code: "Giải Nhì",
        second.code: "Giải Ba",
    }

    visitor.goto("/test-contest/ket-qua/")
    winners = visitor.locator(".winner")
    expect(winners).to_have_count(4)
    nhat = visitor.locator("section.results-tier[data-tier='Giải Nhất']")
    expect(nhat.locator(".prize-amount")).to_contain_text("5.000.000 đ")
    expect(nhat).to_contain_text("Bằng khen của Chủ tịch UBND tỉnh")
    expect(nhat.locator(f".winner[data-code='{first.code}']")).to_contain_text(first.title)
    nhi_section = visitor.locator("section.results-tier[data-tier='Giải Nhì']")
    expect(nhi_section.locator(".prize-amount")).to_contain_text("3.000.000 đ")
    expect(nhi_section.locator(f".winner[data-code='{third.code}']")).to_contain_text(third.registration.full_name)
    side_section = visitor.locator("section.results-tier[data-tier='Giải phụ']")
    expect(side_section).to_contain_text("Clip có nhiều lượt xem nhất trên Fanpage.")
    # Nothing on the phone's page is wider than the screen.
    assert visitor.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    screenshot(visitor, "results-public")
