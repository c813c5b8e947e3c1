"""Two contests on one portal: an entrant picks the second one from the front page, registers and submits there;
the committee copies the Sơn La contest into a new draft, edits its dates, announces it, and the public finds it
on the front page."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from judging.son_la_2024 import load_son_la_2024
from submissions.models import Contest, Registration, Submission
from submissions.phases import Phase
from tests.clips import make_clip
from tests.staff import make_staff

from .conftest import DESKTOP, PHONE, admin_log_in, fill_registration_form, log_in

pytestmark = pytest.mark.browser

DIEN_BIEN = "Cuộc thi sáng tạo video clip về chuyển đổi số tỉnh Điện Biên năm 2025"


@pytest.fixture
def dien_bien(live_contest):
    now = timezone.now()
    return load_son_la_2024(
        slug="dien-bien-2025",
        code_prefix="DB2025",
        name=DIEN_BIEN,
        short_name="CĐS Điện Biên 2025",
        opens_at=now - datetime.timedelta(days=2),
        closes_at=now + datetime.timedelta(days=30),
        min_duration=1,
    )


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desk"])
def test_an_entrant_picks_the_second_contest_registers_and_submits(
    new_page, live_contest, dien_bien, alice, tmp_path, screen, screenshot
):
    page = new_page(screen)
    log_in(page, "alice@example.com")
    page.goto("/")
    expect(page.locator("#open-contests")).to_be_visible()
    expect(page.locator(".contest-card")).to_have_count(2)
    screenshot(page, f"contest-list-{screen['viewport']['width']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= screen["viewport"]["width"]
    page.locator("#contest-dien-bien-2025 h3 a").click()
    expect(page).to_have_url(re.compile(r"/dien-bien-2025/$"))
    expect(page.locator("h1")).to_have_text(DIEN_BIEN)

    page.locator("main a[href$='/dien-bien-2025/clip-cua-toi/gui-clip/']").first.click()
    # No registration form in this contest yet: the portal asks for it first.
    expect(page).to_have_url(re.compile(r"/dien-bien-2025/phieu-dang-ky/$"))
    fill_registration_form(page, full_name="Lò Thị Alice", address="Phường Him Lam, Thành phố Điện Biên Phủ")
    page.locator("#registration-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dien-bien-2025/clip-cua-toi/$"))
    assert list(Registration.objects.filter(user=alice).values_list("contest__slug", flat=True)) == [
        "dien-bien-2025"
    ]

    page.locator("main a[href$='/dien-bien-2025/clip-cua-toi/gui-clip/']").first.click()
    page.fill("#id_title", "Bản em trên bản đồ số")
    page.locator("input[name=genre]").first.check()
    page.fill("#id_summary", "Người dân bản Him Lam dùng bản đồ số.")
    page.set_input_files("input[name=clip]", str(make_clip(tmp_path / "clip.mp4", seconds=2.0)))
    page.locator("#submission-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dien-bien-2025/clip-cua-toi/DB2025-0001/$"))
    expect(page.locator(".receipt dd.code").first).to_have_text("DB2025-0001")
    assert Submission.objects.get(code="DB2025-0001").contest == dien_bien
    assert not Submission.objects.filter(contest=live_contest).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= screen["viewport"]["width"]


def test_the_committee_copies_a_contest_edits_its_dates_and_announces_it(new_page, live_contest, screenshot):
    make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    page = new_page(DESKTOP)
    admin_log_in(page, "btc@example.com")
    page.goto(f"/admin/submissions/contest/{live_contest.pk}/phase/")
    page.locator("#contest-copy-link").click()

    page.fill("#id_name", "Cuộc thi tìm hiểu, tuyên truyền về Chuyển đổi số tỉnh Sơn La năm 2025")
    page.fill("#id_short_name", "Cuộc thi Chuyển đổi số Sơn La 2025")
    page.fill("#id_slug", "son-la-2025")
    page.fill("#id_code_prefix", "CDS2025")
    next_year = timezone.localdate() + datetime.timedelta(days=200)
    page.fill("#id_opens_at", f"{next_year.isoformat()}T00:00")
    page.fill("#id_closes_at", f"{(next_year + datetime.timedelta(days=30)).isoformat()}T23:59")
    page.locator("#contest-copy [type=submit]").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Cuộc thi Chuyển đổi số Sơn La 2025")
    copy = Contest.objects.get(slug="son-la-2025")
    assert copy.stage == Phase.DRAFT
    # The admin now works on the copy.
    expect(page.locator("#working-contest")).to_contain_text("Cuộc thi Chuyển đổi số Sơn La 2025")

    # Not public yet.
    visitor = new_page(PHONE)
    assert visitor.goto("/son-la-2025/").status == 404

    later = next_year + datetime.timedelta(days=45)
    page.fill("#id_closes_at_0", later.strftime("%d/%m/%Y"))
    page.fill("#id_closes_at_1", "23:59:59")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    copy.refresh_from_db()
    assert timezone.localtime(copy.closes_at).date() == later

    page.goto(f"/admin/submissions/contest/{copy.pk}/phase/")
    page.locator("#phase-move input[name=confirm]").check()
    page.get_by_role("button", name="Công bố cuộc thi").click()
    expect(page.locator(".messagelist .success")).to_have_text("Cuộc thi đã được công bố.")

    visitor.goto("/")
    announced = visitor.locator("section[aria-labelledby=coming-contests] #contest-son-la-2025")
    expect(announced).to_contain_text("Chuyển đổi số tỉnh Sơn La năm 2025")
    screenshot(visitor, "contest-list-with-copy")
    visitor.locator("#contest-son-la-2025 h3 a").click()
    expect(visitor).to_have_url(re.compile(r"/son-la-2025/$"))
    expect(visitor.locator("h1")).to_have_text(
        "Cuộc thi tìm hiểu, tuyên truyền về Chuyển đổi số tỉnh Sơn La năm 2025"
    )
