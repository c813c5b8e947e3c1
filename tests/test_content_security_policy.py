"""The Content-Security-Policy: pages load only the portal's own scripts, styles, fonts, pictures and videos,
with no inline script or style; everything else (files) is sandboxed. The browser tests check that every page
they visit works under it (tests/browser/conftest.py, csp_violations)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.staff import make_staff

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _directives(response):
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def _assert_strict_page_policy(response):
    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url", ["/", "/the-le/", "/tai-khoan/login/", "/tai-khoan/signup/", "/admin/login/", "/khong-co-trang-nay/"]
)
def test_public_pages_and_error_pages_have_the_strict_policy(client, contest, url):
    _assert_strict_page_policy(client.get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/submissions/submission/",
        "/admin/submissions/registration/",
        "/admin/submissions/contest/1/change/",
        "/admin/thong-ke/",
    ],
)
def test_admin_pages_have_the_strict_policy(client, contest, url):
    client.force_login(make_staff("btc@example.com", "committee"))

    _assert_strict_page_policy(client.get(url.replace("/1/", f"/{contest.pk}/")))


def test_a_file_the_portal_serves_is_sandboxed(client, contest):
    response = client.get(reverse("submissions:fanpage_qr"))

    assert response["Content-Type"] == "image/svg+xml"
    directives = _directives(response)
    assert directives["default-src"] == ["'none'"]
    assert "sandbox" in directives
    assert "script-src" not in directives


# What a template may not hold under the policy. E-mails are not pages: mail readers need inline styles.
INLINE = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "an event handler attribute": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "a style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.I),
    "a style element": re.compile(r"<style\b", re.I),
    "a javascript: link": re.compile(r"javascript:", re.I),
}


@pytest.mark.parametrize(
    "template",
    sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html") if "emails" not in p.parts),
)
def test_no_template_needs_what_the_policy_forbids(template):
    text = (TEMPLATES / template).read_text()

    found = [what for what, pattern in INLINE.items() if pattern.search(text)]

    assert found == []
