"""The public landing page, as an anonymous visitor on a phone sees it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _seconds_left(countdown):
    days, hours, minutes, seconds = (
        int(countdown.locator(f"[data-unit={unit}]").inner_text())
        for unit in ("days", "hours", "minutes", "seconds")
    )
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def test_the_landing_page_shows_the_deadline_prizes_and_fanpage_qr(page, live_contest, screenshot):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text(live_contest.name)

    countdown = page.locator(".countdown[data-deadline]")
    expect(countdown.locator("[data-unit=seconds]")).to_have_text(re.compile(r"^\d+$"))
    before = _seconds_left(countdown)
    # The contest closes ten days after the fixture made it; the countdown includes the last second.
    assert 9 * 86400 < before <= 10 * 86400 + 1
    page.wait_for_timeout(1200)
    assert _seconds_left(countdown) < before

    prizes = page.locator("table.prizes tbody tr")
    expect(prizes).to_have_count(live_contest.prize_tiers.count())
    expect(prizes.first.locator("td.amount")).to_have_text(re.compile(r"^5\.000\.000\s?đ$"))

    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    screenshot(page, "landing-anonymous")

    page.select_option("#language", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))


def test_a_script_slipped_into_a_page_does_not_run_and_is_reported(page, live_contest, csp_violations):
    page.goto("/")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.injected = true";
                document.body.append(script);
            }"""
        )

    assert page.evaluate("() => window.injected === undefined")
    assert any("script-src" in violation for violation in csp_violations)
    csp_violations.clear()  # seen, and wanted: the fixture would fail the test for it
