"""A keyboard's way through the portal: the first Tab reaches a link that skips to the content, and whatever has
the focus is plainly outlined."""

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_first_tab_offers_to_skip_to_the_content(new_page, live_contest, device):
    page = new_page(device)
    page.goto("/test-contest/")
    skip = page.locator("a.skip-link")
    expect(skip).not_to_be_in_viewport()

    page.keyboard.press("Tab")

    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    expect(skip).to_have_text("Bỏ qua, đến nội dung chính")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_the_focused_control_is_outlined(page, live_contest):
    page.goto("/test-contest/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")

    outline = page.evaluate(
        """() => {
          const style = getComputedStyle(document.activeElement);
          return [document.activeElement.tagName, style.outlineStyle, parseFloat(style.outlineWidth)];
        }"""
    )

    tag, style, width = outline
    assert tag == "A"
    assert style == "solid" and width >= 3
