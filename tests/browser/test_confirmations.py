"""Publishing the results asks first, in a real browser at a desk and on a phone: the committee clicks publish,
reads what will happen with the count of e-mails, goes back (nothing published), then confirms (published)."""

import pytest
from playwright.sync_api import expect

from contest_portal.mail.models import OutgoingMail
from judging.models import FinalRound
from judging.publication import RESULT_MAIL_KINDS
from tests.conftest import open_final_round
from tests.finalists import TITLES, make_finalists
from tests.judging.results_setup import scored_ranked_and_awarded, set_prize_counts
from tests.staff import make_judges, make_staff

from .conftest import DESKTOP, PHONE, admin_log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def awarded(live_contest):
    """Three finalists ranked and awarded, Giải Nhất and Giải Nhì to the first two: not published."""
    contest = open_final_round(live_contest)
    committee = make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    set_prize_counts(contest, nhat=1, nhi=1, ba=0, kk=0, phu=0)
    judges = make_judges(2)
    clips = make_finalists(contest, titles=TITLES[:3])
    scored_ranked_and_awarded(contest, committee, judges=judges, finalists=clips)
    return contest


def _published(contest):
    return FinalRound.objects.get(contest=contest).results_published_at is not None


def _fits(page, screen):
    assert page.evaluate("document.documentElement.scrollWidth") <= screen["viewport"]["width"]


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desk", "phone"])
def test_the_committee_cancels_then_confirms_the_publication_of_the_results(new_page, awarded, screen, screenshot):
    page = new_page(screen)
    admin_log_in(page, "btc@example.com")
    prizes = f"/admin/judging/award/giai-thuong/{awarded.slug}/"
    page.goto(prizes)

    page.locator("#publish-results").click()
    confirmation = page.locator("#content-main.confirmation")
    expect(confirmation).to_have_attribute("data-action", "publish")
    # Two to the winners, one to the finalist without a prize; nobody has a co-author.
    expect(confirmation).to_have_attribute("data-total", "3")
    expect(page.locator("#mails-count")).to_contain_text("3")
    expect(page.locator("#confirm-results-url")).to_contain_text(f"/{awarded.slug}/ket-qua/")
    _fits(page, screen)
    screenshot(page, f"confirm-publish-results-{screen['viewport']['width']}")

    page.locator("#cancel-confirmation").click()
    expect(page.locator("#publish-results")).to_be_visible()
    assert not _published(awarded)
    assert not OutgoingMail.objects.filter(kind__in=RESULT_MAIL_KINDS).exists()

    page.locator("#publish-results").click()
    page.locator("#confirm-mails").click()
    expect(page.locator("#published")).to_be_visible()
    expect(page.locator(".messagelist .success")).to_contain_text(f"/{awarded.slug}/ket-qua/")
    assert _published(awarded)
    assert OutgoingMail.objects.filter(kind__in=RESULT_MAIL_KINDS, state=OutgoingMail.State.DRAFT).count() == 3
    _fits(page, screen)
