"""Guessing passwords: the guesser is stopped, even with the right password, and the owner, on the phone she
logged in with before, still gets in."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, log_in

pytestmark = pytest.mark.browser

TOO_MANY = re.compile(r"too many|quá nhiều", re.I)
# settings.ACCOUNT_RATE_LIMITS["login_failed_here"]: one account from one address.
FAILURES_ALLOWED = 5


def test_a_guesser_is_throttled_and_the_owner_on_her_own_phone_still_logs_in(new_page, live_contest, alice):
    owners_phone = new_page(PHONE)
    log_in(owners_phone, "alice@example.com")
    expect(owners_phone).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    owners_phone.get_by_role("button", name=re.compile("Đăng xuất|Log out")).click()

    guesser = new_page(PHONE)
    errors = guesser.locator("form .errorlist.nonfield")
    for _ in range(FAILURES_ALLOWED):
        log_in(guesser, "alice@example.com", "not-her-password")
        expect(errors).to_be_visible()
        expect(errors).not_to_have_text(TOO_MANY)
    log_in(guesser, "alice@example.com", "not-her-password")
    expect(errors).to_have_text(TOO_MANY)
    log_in(guesser, "alice@example.com")
    expect(errors).to_have_text(TOO_MANY)
    guesser.goto("/test-contest/clip-cua-toi/")
    expect(guesser).to_have_url(re.compile(r"/tai-khoan/login/\?next="))

    log_in(owners_phone, "alice@example.com")
    expect(owners_phone).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
