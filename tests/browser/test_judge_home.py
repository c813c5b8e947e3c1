"""A judge's first page, in a real browser on a phone and at a desk: before anything is assigned it says why and
what comes next; once the committee assigns clips it gives the due date, the progress and the next clip, and the
scorecard asks before it locks."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from judging.models import FinalRound, Scorecard
from tests.conftest import open_final_round
from tests.finalists import TITLES, make_finalists, media_for_previews
from tests.judging.results_setup import prepare_round
from tests.staff import make_judges, make_staff

from .conftest import DESKTOP, PHONE, admin_log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_judge_is_told_why_there_is_nothing_then_led_to_the_next_clip(new_page, live_contest, tmp_path, device):
    open_final_round(live_contest)
    committee = make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    judge = make_judges(1)[0]
    FinalRound.objects.update_or_create(
        contest=live_contest, defaults={"scoring_ends_at": timezone.now() + datetime.timedelta(days=7)}
    )
    page = new_page(device)
    admin_log_in(page, judge.email)

    home = page.locator("#judge-home")
    expect(home.locator("#judge-waiting")).to_contain_text("Chưa có clip Chung kết nào được phân công cho bạn")
    expect(home).not_to_contain_text("0 / 0")
    expect(home.locator("#judge-due")).to_be_visible()

    clips = make_finalists(live_contest, titles=TITLES[:2], previews=media_for_previews(tmp_path))
    prepare_round(live_contest, committee, judges=[judge], finalists=clips)
    page.reload()

    expect(home).to_have_attribute("data-assigned", "2")
    expect(home).to_contain_text("0 / 2")
    page.locator("#judge-next").click()
    expect(page.locator("#content-main.scoring-page")).to_have_attribute("data-code", clips[0].code)
    inputs = page.locator("#scorecard-form input.score-input")
    for index in range(inputs.count()):
        inputs.nth(index).fill("10")
    page.locator("#scorecard-form input[name=_submit]").click()

    confirm = page.locator("#scorecard-confirm")
    expect(confirm).to_contain_text(clips[0].code)
    assert Scorecard.objects.get().state == Scorecard.State.DRAFT
    page.locator("#cancel-submit").click()
    expect(page.locator("#scorecard-confirm")).to_have_count(0)
    expect(inputs.first).to_have_value("10")
    assert Scorecard.objects.get().state == Scorecard.State.DRAFT

    page.locator("#scorecard-form input[name=_submit]").click()
    page.locator("#confirm-submit").click()
    expect(page.locator(".messagelist .success")).to_contain_text(clips[0].code)
    assert Scorecard.objects.get().state == Scorecard.State.SUBMITTED

    page.goto("/admin/")
    expect(home).to_contain_text("1 / 2")
