"""A winner, on a phone, once the results are published: My clips says the clip's prize and offers a certificate
for each of its authors; the winner downloads hers, a PDF with her name on it. The prize and the publication are
made through the database here (the committee's browser test, test_results.py, makes them through its screens)."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from judging.models import Award, FinalRound
from submissions.models import Submission
from tests.conftest import open_final_round
from tests.finalists import AUTHOR, AUTHOR_EMAIL, COAUTHOR, TITLES, make_finalists
from tests.judging.results_setup import set_prize_counts
from tests.staff import make_staff

from .conftest import PHONE, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def first_prize(live_contest):
    """Lò Thị Bí Mật's group clip, told it was chosen, then awarded Giải Nhất; the results published."""
    contest = open_final_round(live_contest)
    committee = make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    clip = make_finalists(contest, titles=TITLES[:1], one_group=True)[0]
    EmailAddress.objects.create(user=clip.registration.user, email=AUTHOR_EMAIL, verified=True, primary=True)
    now = timezone.now()
    Submission.objects.filter(pk=clip.pk).update(decided_at=now, decision_notified_at=now)
    Award.objects.create(
        tier=set_prize_counts(contest, nhat=1)["nhat"], submission=clip, rank=1, awarded_by=committee
    )
    FinalRound.objects.update_or_create(contest=contest, defaults={"results_published_at": now})
    return clip


def test_a_winner_downloads_her_certificate_from_my_clips(page, first_prize, screenshot):
    log_in(page, AUTHOR_EMAIL)
    page.goto("/test-contest/clip-cua-toi/")

    clip = page.locator(f"li.clip[data-code='{first_prize.code}']")
    expect(clip.locator("[data-stage=result]")).to_contain_text("Giải Nhất")
    expect(clip.locator(".status.shortlisted")).to_contain_text("Giải Nhất")
    links = clip.locator("a.certificate")
    expect(links).to_have_count(2)
    expect(links.first).to_contain_text(AUTHOR)
    expect(links.nth(1)).to_contain_text(COAUTHOR)
    # Nothing on the phone's page is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    screenshot(page, "my-clips-first-prize")

    with page.expect_download() as download_info:
        links.first.click()
    download = download_info.value

    assert download.suggested_filename == f"giay-chung-nhan-{first_prize.code}-1.pdf"
    with open(download.path(), "rb") as pdf:
        text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf.read())).pages)
    assert AUTHOR in text and "Giải Nhất" in text and COAUTHOR not in text
