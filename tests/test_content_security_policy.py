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
    "url",
    [
        "/",
        "/test-contest/the-le/",
        "/tai-khoan/login/",
        "/tai-khoan/signup/",
        "/admin/login/",
        "/khong-co-trang-nay/",
    ],
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
    response = client.get(reverse("submissions:fanpage_qr", args=[contest.slug]))

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


def _admin_pages(contest, submission):
    """Every registered model's list, and the change page of one row where there is one."""
    from django.contrib import admin

    for model, _model_admin in admin.site._registry.items():
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        row = model.objects.order_by("pk").first()
        if row is not None:
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    yield reverse("admin:submissions_submission_screen", args=[submission.pk])


def test_no_admin_page_writes_what_the_policy_forbids(client, contest, alice, register, submit):
    """Widgets and admin columns write HTML from Python, where the template scan above cannot see it."""
    from submissions.decision_mail import decision_mail_prepare
    from submissions.screening import submission_decide
    from tests.conftest import ALICE_ID

    committee = make_staff("btc@example.com", "committee")
    submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
    submission_decide(submission=submission, user=committee, decision="shortlisted")
    decision_mail_prepare(submission=submission)
    superuser = make_staff("admin@example.com", "committee")
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)

    found = {}
    for url in _admin_pages(contest, submission):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        problems = [what for what, pattern in INLINE.items() if what != "a style element" and pattern.search(text)]
        if problems:
            found[url] = problems

    assert found == {}
