"""Browser fixtures: one headless Chromium for the session, a fresh phone-sized page per test.

Playwright's sync API runs an asyncio loop in this thread, and Django refuses synchronous database calls
while a loop is running; the test thread and the live server's thread only ever make ordinary blocking
calls, so the check is switched off for browser tests."""

import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.conftest import ALICE_ID, require_service

from .accessibility import AXE_SOURCE_URL

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session", autouse=True)
def _patient_expectations():
    """CI runs the suite on two busy cores, with a worker beside it: a page may take longer than
    Playwright's default 5 s to come, which is slowness, not a failure."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)


CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}
# The admin is worked at a desk.
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}
PASSWORD = "a-long-test-password"
SCREENS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/screens"))


@pytest.fixture(scope="session")
def browser():
    require_service(CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PolicyViolations(list):
    """What Chromium refused under the portal's Content-Security-Policy, as it says on the console: a script,
    a style or a picture that the page needed and did not get."""

    def watch(self, context):
        context.on("console", self._on_console)
        return context

    def _on_console(self, message):
        # What the policy refuses axe-core (tests/browser/accessibility.py), which copies styled elements as it
        # checks them, is the test's doing, not the page's.
        if message.location.get("url") == AXE_SOURCE_URL:
            return
        if "Content Security Policy" in message.text:
            self.append(f"{message.location.get('url', '?')}: {message.text}")


@pytest.fixture
def csp_violations():
    """Every browser test fails if a page it visited broke the Content-Security-Policy."""
    violations = PolicyViolations()
    yield violations
    assert not violations, "\n".join(violations)


@pytest.fixture
def page(browser, live_server, csp_violations):
    context = csp_violations.watch(browser.new_context(base_url=live_server.url, **PHONE))
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server, csp_violations):
    """new_page(options=DESKTOP) -> a page in a fresh browser context (its own cookies, so its own login)."""
    contexts = []

    def _new_page(options=DESKTOP):
        context = csp_violations.watch(browser.new_context(base_url=live_server.url, **options))
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page_through_nginx(browser, live_server, csp_violations, settings, tmp_path):
    """A phone's page on a real nginx, configured by deploy/nginx/portal-locations.conf, in front of the live
    server: bodies buffered, static files and private media sent by nginx (tests/integration/servers.py)."""
    from django.core.management import call_command

    from tests.integration.servers import start_nginx

    settings.STATIC_ROOT = tmp_path / "static"
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX = "/_private/"
    call_command("collectstatic", interactive=False, verbosity=0)
    port, process = start_nginx(
        tmp_path / "nginx",
        upstream_ports=[int(live_server.url.rsplit(":", 1)[1])],
        static_root=settings.STATIC_ROOT,
        media_root=settings.MEDIA_ROOT,
    )
    # nginx passes the host without the port (in production, 443): the browser's Origin carries this one.
    settings.CSRF_TRUSTED_ORIGINS = [f"http://127.0.0.1:{port}"]
    context = csp_violations.watch(browser.new_context(base_url=f"http://127.0.0.1:{port}", **PHONE))
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
    process.terminate()
    process.wait(10)


def admin_log_in(page, email):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


@pytest.fixture
def live_contest(transactional_db, contest):
    """The contest, in the live server's (transactional) database."""
    return contest


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth keeps its login and sign-up counters in the per-process cache: start every test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def screenshot():
    """screenshot(page, name) saves a full-page PNG outside the repository, for a person to look at."""

    def _screenshot(page, name):
        SCREENS.mkdir(parents=True, exist_ok=True)
        path = SCREENS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _screenshot


def fill_registration_form(page, *, full_name, address, organisation=""):
    """The registration form as an entrant fills it on the page: a woman born 1990-05-01 (Alice's ID number),
    the first locality and category, every declaration ticked."""
    from submissions.forms import DECLARATIONS

    page.fill("#id_full_name", full_name)
    page.fill("#id_date_of_birth", "1990-05-01")
    page.check("input[name=gender][value=female]")
    page.fill("#id_id_number", ALICE_ID[0])
    page.fill("#id_phone", "0912 345 678")
    if organisation:
        page.fill("#id_organisation", organisation)
    page.select_option("#id_locality", index=1)
    page.fill("#id_address", address)
    page.select_option("#id_category", index=1)
    for name in DECLARATIONS:
        page.check(f"input[name={name}]")


def log_in(page, email, password=PASSWORD):
    page.goto("/tai-khoan/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) [type=submit]").click()


@pytest.fixture
def registered_alice(live_contest, alice, register):
    """Alice, with her registration form filled in (through the service)."""
    register(alice, "Nguyễn Thị Alice", ALICE_ID)
    return alice


@pytest.fixture(autouse=True)
def _large_ids(large_ids):
    """Every journey runs with ids of five digits, which a localized page would group ("10.001")."""
