"""My data, as an entrant uses it on a phone and at a desk: the copy of her data, then her erasure after reading
what it does."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from submissions.models import Registration, Submission
from tests.conftest import ALICE_ID, close_entries

from .conftest import DESKTOP, PASSWORD, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def alices_clip(registered_alice, submit):
    return submit(registered_alice.registrations.get(), title="Chợ phiên trên điện thoại")


def _open_my_data(page):
    page.goto("/test-contest/clip-cua-toi/")
    page.locator(".my-data-link a").click()
    expect(page).to_have_url(re.compile(r"/tai-khoan/du-lieu/$"))


def test_on_a_phone_alice_downloads_her_data_then_erases_it_before_the_deadline(page, alices_clip, screenshot):
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    expect(page.locator(".site-nav").get_by_role("link", name=re.compile("data|dữ liệu", re.I))).to_be_visible()
    _open_my_data(page)
    expect(page.locator("#my-data-correct a[href='/test-contest/phieu-dang-ky/']")).to_be_visible()
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "my-data-phone")

    with page.expect_download() as download:
        page.locator("#my-data-copy a").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert download.value.suggested_filename.startswith("du-lieu-ca-nhan-")
    assert data["registrations"][0]["id_number"] == ALICE_ID[0]
    assert [clip["code"] for clip in data["clips"]] == [alices_clip.code]

    page.locator("#my-data-erase a").click()
    expect(page).to_have_url(re.compile(r"/tai-khoan/du-lieu/xoa/$"))
    contest_part = page.locator(".erasure-contest[data-contest=test-contest]")
    expect(contest_part.locator(".erasure-goes li")).to_have_count(2)
    expect(contest_part.locator(".erasure-goes")).to_contain_text(alices_clip.code)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "my-data-erase-phone")
    page.fill("#erase-password", PASSWORD)
    page.locator("form.actions button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/test-contest/$"))
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("log in|đăng nhập", re.I)).first).to_be_visible()
    assert not Submission.objects.filter(pk=alices_clip.pk).exists()
    assert not get_user_model().objects.filter(email="alice@example.com").exists()

    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/tai-khoan/login/"))


def test_at_a_desk_alice_reads_what_stays_after_the_deadline_and_her_account_is_closed(
    new_page, alices_clip, screenshot
):
    close_entries(alices_clip.contest)
    page = new_page(DESKTOP)
    log_in(page, "alice@example.com")
    page.goto("/tai-khoan/du-lieu/")
    # The form can no longer change: she is told whom to write to instead of given a link.
    expect(page.locator("#my-data-correct a[href='/test-contest/phieu-dang-ky/']")).to_have_count(0)

    page.locator("#my-data-erase a").click()
    contest_part = page.locator(".erasure-contest[data-contest=test-contest]")
    expect(contest_part.locator(".erasure-stays li").first).to_contain_text(alices_clip.code)
    expect(contest_part.locator(".erasure-stays .helptext").first).to_be_visible()
    expect(page.locator("#erasure-account .erasure-stays li")).to_have_count(1)
    screenshot(page, "my-data-erase-desktop")
    page.fill("#erase-password", PASSWORD)
    page.locator("form.actions button[type=submit]").click()

    expect(page.locator(".message.success")).to_be_visible()
    registration = Registration.objects.get(pk=alices_clip.registration_id)
    assert registration.id_number != ALICE_ID[0]
    assert Submission.objects.filter(pk=alices_clip.pk).exists()
    assert not get_user_model().objects.get(email__endswith="@erased.invalid").is_active
