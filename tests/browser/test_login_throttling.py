"""Guessing passwords: after too many failures even the right password waits."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from .conftest import log_in

pytestmark = pytest.mark.browser

TOO_MANY = re.compile(r"too many|quá nhiều", re.I)


def _failures_allowed():
    """The smallest of allauth's login_failed limits ("10/m/ip,5/5m/key"): one visitor, one account."""
    return min(int(rule.split("/")[0]) for rule in settings.ACCOUNT_RATE_LIMITS["login_failed"].split(","))


def test_a_guessed_password_is_throttled_and_then_even_the_right_one_is_refused(page, live_contest, alice):
    failures = _failures_allowed()
    errors = page.locator("form .errorlist.nonfield")

    for _ in range(failures):
        log_in(page, "alice@example.com", "not-her-password")
        expect(errors).to_be_visible()
        expect(errors).not_to_have_text(TOO_MANY)

    log_in(page, "alice@example.com", "not-her-password")
    expect(errors).to_have_text(TOO_MANY)

    log_in(page, "alice@example.com")
    expect(errors).to_have_text(TOO_MANY)
    expect(page).to_have_url(re.compile(r"/tai-khoan/login/$"))
    page.goto("/clip-cua-toi/")
    expect(page).to_have_url(re.compile(r"/tai-khoan/login/\?next="))
