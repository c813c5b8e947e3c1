"""The audience vote on a phone: a confirmed account votes for a finalist in place, the card says so, a second vote
for it (from a tab opened before) is refused; once the vote has closed everyone sees the counts."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from submissions.models import AudienceVote, AudienceVoteWindow
from submissions.publication import finalists_publish
from tests.browser.conftest import PHONE, log_in
from tests.conftest import close_entries, make_user
from tests.finalists import make_finalists

pytestmark = pytest.mark.browser


@pytest.fixture
def published_gallery(live_contest):
    finalists = make_finalists(live_contest, 2)
    committee = make_user("dana@example.com")
    committee.user_permissions.add(Permission.objects.get(codename="publish_finalists"))
    close_entries(live_contest)
    finalists_publish(contest=live_contest, user=committee)
    now = timezone.now()
    AudienceVoteWindow.objects.create(
        contest=live_contest,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=2),
    )
    return finalists


def _card(page, finalist):
    return page.locator(f"li.finalist[data-code='{finalist.code}']")


def _no_wider_than_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]


def test_a_confirmed_account_votes_once_per_finalist_and_sees_the_counts_after_the_close(
    page, new_page, live_contest, published_gallery, alice, screenshot
):
    first, second = published_gallery
    gallery = f"/{live_contest.slug}/chung-ket/"
    page.goto(gallery)
    # A visitor who is not signed in is asked to, and sees no count.
    expect(_card(page, first).locator("a.vote-sign-in")).to_be_visible()
    expect(page.locator(".vote-count")).to_have_count(0)

    log_in(page, alice.email)
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.goto(gallery)
    # A second tab, opened before the vote: its button still offers to vote.
    stale = page.context.new_page()
    stale.goto(gallery)

    card = _card(page, first)
    card.locator("form.vote-form button").click()
    expect(card.locator("form.vote-form[data-voted='yes']")).to_be_visible()
    expect(card.locator(".vote-message")).not_to_be_empty()
    expect(page).to_have_url(re.compile(r"/chung-ket/$"))  # in place, no page load
    expect(_card(page, second).locator("form.vote-form[data-voted='no']")).to_be_visible()
    _no_wider_than_the_phone(page)
    screenshot(page, "audience-vote-voted")
    assert AudienceVote.objects.filter(user=alice, submission=first).count() == 1

    # The old tab's button is refused: it already counts, and the card now says so.
    stale_card = _card(stale, first)
    stale_card.locator("form.vote-form button").click()
    expect(stale_card.locator(".audience-vote.refused")).to_be_visible()
    expect(stale_card.locator("form.vote-form[data-voted='yes']")).to_be_visible()
    assert AudienceVote.objects.filter(user=alice, submission=first).count() == 1

    # Reloaded, the page remembers the vote; still no count for anyone while it is open.
    page.reload()
    expect(_card(page, first).locator("form.vote-form[data-voted='yes']")).to_be_visible()
    expect(page.locator(".vote-count")).to_have_count(0)

    now = timezone.now()
    AudienceVoteWindow.objects.filter(contest=live_contest).update(
        opens_at=now - datetime.timedelta(days=2), closes_at=now - datetime.timedelta(minutes=1)
    )
    visitor = new_page(PHONE)
    visitor.goto(gallery)
    expect(_card(visitor, first).locator(".vote-count")).to_have_attribute("data-votes", "1")
    expect(_card(visitor, second).locator(".vote-count")).to_have_attribute("data-votes", "0")
    expect(visitor.locator("form.vote-form")).to_have_count(0)
    _no_wider_than_the_phone(visitor)
    screenshot(visitor, "audience-vote-closed")


def test_without_the_script_the_vote_comes_back_to_the_card(
    browser, live_server, live_contest, published_gallery, alice
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    page = context.new_page()
    try:
        log_in(page, alice.email)
        expect(page).not_to_have_url(re.compile(r"/login/"))
        page.goto(f"/{live_contest.slug}/chung-ket/")
        first = published_gallery[0]
        _card(page, first).locator("form.vote-form button").click()
        expect(page).to_have_url(re.compile(rf"/chung-ket/#{first.code}$"))
        expect(page.locator(".messages .success")).to_be_visible()
        expect(_card(page, first).locator("form.vote-form[data-voted='yes']")).to_be_visible()
    finally:
        context.close()
