"""The committee walks a contest through its phases on the phase page, on a desk and on a phone: announces a
draft, is refused closing the preliminary round while a clip waits (and told which), closes it once decided,
publishes the results from the prizes page, and archives the contest; every move is in the page's history."""

import re

import pytest
from playwright.sync_api import expect

from judging.models import Assignment
from judging.prizes import awards_confirm
from judging.runs import ranking_run_approve, ranking_run_start
from judging.services import scorecard_save, scorecard_submit
from submissions.models import Contest, ContestEvent, Submission
from submissions.phases import Phase
from submissions.screening import submission_decide
from tests.conftest import ALICE_ID, BOB_ID, close_entries
from tests.staff import make_staff

from .conftest import DESKTOP, PHONE, admin_log_in

pytestmark = pytest.mark.browser


def _move(page, button):
    page.locator("#phase-move input[name=confirm]").check()
    page.get_by_role("button", name=button).click()


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desk", "phone"])
def test_the_committee_walks_a_contest_from_draft_to_archived(
    new_page, live_contest, alice, bob, register, submit, screen
):
    contest = live_contest
    Contest.objects.filter(pk=contest.pk).update(stage=Phase.DRAFT)
    committee = make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    office = make_staff("thuongtruc@example.com", "office")
    judge = make_staff("giamkhao@example.com", "jury")
    page = new_page(screen)
    admin_log_in(page, "btc@example.com")
    url = f"/admin/submissions/contest/{contest.pk}/phase/"

    page.goto(url)
    expect(page.locator("#content-main")).to_have_attribute("data-phase", "draft")
    _move(page, "Công bố cuộc thi")
    expect(page.locator(".messagelist .success")).to_have_text("Cuộc thi đã được công bố.")
    expect(page.locator("#content-main")).to_have_attribute("data-phase", "open")

    finalist = submit(register(alice, "Lò Thị Alice", ALICE_ID), title="Chợ phiên trên điện thoại")
    waiting = submit(register(bob, "Cầm Văn Bob", BOB_ID), title="Bản em lên số")
    submission_decide(submission=finalist, user=office, decision=Submission.Status.SHORTLISTED)
    close_entries(contest)
    page.goto(url)
    expect(page.locator("#content-main")).to_have_attribute("data-phase", "preliminary")
    expect(page.locator("#undecided")).to_contain_text(waiting.code)
    _move(page, "Kết thúc vòng Sơ loại")
    expect(page.locator(".messagelist .error")).to_contain_text(f"còn đang chờ: {waiting.code}")
    expect(page.locator("#content-main")).to_have_attribute("data-phase", "preliminary")

    submission_decide(submission=waiting, user=office, decision="not_selected", reason="Chưa đúng chủ đề.")
    page.goto(url)
    _move(page, "Kết thúc vòng Sơ loại")
    expect(page.locator(".messagelist .success")).to_contain_text("vòng Chung kết đã mở")
    expect(page.locator("#content-main")).to_have_attribute("data-phase", "final")
    assignment = Assignment.objects.get(judge=judge, submission=finalist)

    scorecard = scorecard_save(
        assignment=assignment, judge=judge, points={c.pk: c.max_points for c in contest.criteria.all()}
    )
    scorecard_submit(scorecard=scorecard, judge=judge)
    run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    ranking_run_approve(run=run, user=committee)
    awards_confirm(contest=contest, user=committee)
    page.get_by_role("link", name="Giải thưởng và công bố").click()
    page.locator("#publish-results").click()
    page.locator("#confirm-mails").click()
    expect(page.locator("#published")).to_be_visible()

    page.goto(url)
    expect(page.locator("#content-main")).to_have_attribute("data-phase", "published")
    _move(page, "Lưu trữ cuộc thi")
    expect(page.locator(".messagelist .success")).to_have_text("Cuộc thi đã được lưu trữ.")
    expect(page.locator("#content-main")).to_have_attribute("data-phase", "archived")
    expect(page.locator("#phase-move")).to_have_count(0)
    expect(page.locator("#phase-history tbody tr")).to_have_count(4)
    assert list(ContestEvent.objects.filter(contest=contest).values_list("action", "actor")) == [
        ("announce", committee.pk),
        ("close_preliminary", committee.pk),
        ("publish_results", committee.pk),
        ("archive", committee.pk),
    ]
    assert page.evaluate("document.documentElement.scrollWidth") <= screen["viewport"]["width"]
    assert re.search(r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}", page.locator("#phase-history tbody").inner_text())
