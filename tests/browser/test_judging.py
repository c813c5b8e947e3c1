"""The final round's scoring in a real browser: the committee assigns three finalists to the two judges; each judge
watches every clip, saves a draft, then submits, and reads 3 / 3; the committee sees both judges at 3 / 3."""

import re

import pytest
from playwright.sync_api import expect

from judging.models import Scorecard
from tests.conftest import open_final_round
from tests.finalists import AUTHOR, GROUP, make_finalists, media_for_previews
from tests.staff import make_staff

from .conftest import admin_log_in

pytestmark = pytest.mark.browser

# Points for the four criteria of the contest's rubric (30, 25, 25, 20), per judge and clip.
POINTS = {
    "giamkhao1@example.com": [["27.5", "20", "21", "18"], ["22", "19.75", "20", "15"], ["25", "23", "18.5", "17"]],
    "giamkhao2@example.com": [["26", "21.25", "22", "17.5"], ["20", "18", "19", "16"], ["28", "24", "20", "19"]],
}


@pytest.fixture
def three_finalists(live_contest, tmp_path):
    open_final_round(live_contest)
    return make_finalists(live_contest, 3, one_group=True, previews=media_for_previews(tmp_path))


def _score(page, clip, points):
    """On the clip's scorecard page: the player loads; two criteria are saved as a draft, then all are submitted."""
    expect(page.locator("#content-main.scoring-page")).to_have_attribute("data-code", clip.code)
    player = page.locator("video.scoring-player")
    expect(player).to_be_visible()
    page.wait_for_function("video => video.readyState >= 1 && video.duration > 0", arg=player.element_handle())
    inputs = page.locator("#scorecard-form input.score-input")
    expect(inputs).to_have_count(4)

    inputs.nth(0).fill(points[0])
    inputs.nth(1).fill(points[1])
    page.locator("#scorecard-form textarea[name=comment]").fill(f"Nhận xét về {clip.code}.")
    page.locator("#scorecard-form input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text(clip.code)
    expect(page.locator("#content-main.scoring-page")).to_have_attribute("data-state", "draft")
    expect(inputs.nth(0)).to_have_value(points[0])

    inputs.nth(2).fill(points[2])
    inputs.nth(3).fill(points[3])
    page.locator("#scorecard-form input[name=_submit]").click()
    # Before it locks, the judge is asked, with the weighted total.
    expect(page.locator("#scorecard-confirm")).to_contain_text(clip.code)
    expect(page.locator("#scorecard-confirm")).to_contain_text("100")
    page.locator("#confirm-submit").click()
    expect(page.locator(".messagelist .success")).to_contain_text(clip.code)


def test_two_judges_score_three_finalists_and_the_committee_sees_them_done(
    new_page, live_contest, three_finalists, screenshot
):
    make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    for email in POINTS:
        make_staff(email, "jury", full_name=f"Giám khảo {email[8]}")

    committee = new_page()
    admin_log_in(committee, "btc@example.com")
    committee.goto(f"/admin/judging/finalround/{live_contest.judging.pk}/progress/")
    committee.locator("#generate-assignments").click()
    expect(committee.locator(".messagelist .success")).to_be_visible()
    expect(committee.locator("#judges-progress .progress-row")).to_have_count(2)

    for email, points in POINTS.items():
        judge = new_page()
        admin_log_in(judge, email)
        judge.locator('a[href="/admin/judging/assignment/"]').first.click()
        expect(judge.locator("#scoring-progress")).to_have_attribute("data-submitted", "0")
        expect(judge.locator("#scoring-progress")).to_have_attribute("data-assigned", "3")
        expect(judge.locator("#result_list tbody tr")).to_have_count(3)
        screenshot(judge, "judging-queue")
        judge.locator("#next-to-score").click()

        for clip, clip_points in zip(three_finalists, points, strict=True):
            _score(judge, clip, clip_points)
        screenshot(judge, "judging-queue-done")

        # After the last clip the judge is back at the queue, every scorecard submitted.
        expect(judge).to_have_url(re.compile(r"/admin/judging/assignment/$"))
        progress = judge.locator("#scoring-progress")
        expect(progress).to_have_attribute("data-submitted", "3")
        expect(progress).to_have_attribute("data-assigned", "3")
        expect(progress.locator(".scoring-count")).to_contain_text("3 / 3")
        expect(judge.locator("#result_list .scorecard-state.state-submitted")).to_have_count(3)
        judge.locator("#result_list a.score-link").first.click()
        expect(judge.locator("#scorecard-locked")).to_be_visible()
        expect(judge.locator("#scorecard-form input[name=_submit]")).to_have_count(0)
        content = judge.content()
        assert AUTHOR not in content and GROUP not in content
        screenshot(judge, "judging-scorecard-locked")

    committee.reload()
    rows = committee.locator("#judges-progress .progress-row")
    for email in POINTS:
        expect(rows.filter(has=committee.locator(f'xpath=self::*[@data-judge="{email}"]'))).to_contain_text(
            "3 / 3"
        )
    screenshot(committee, "judging-progress")
    assert Scorecard.objects.filter(state=Scorecard.State.SUBMITTED).count() == 6
