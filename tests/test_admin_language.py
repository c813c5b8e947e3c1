"""The admin in Vietnamese has no English: Django's own strings its Vietnamese catalog lacks ("Show counts", the
screen-reader headers "Model name" and "Add link") are carried by the portal's catalog; column headers and filter
titles go through translation (no field name shown as it is, such as "awarded by"); mail kinds read as labels,
not codes; judges are named by name, not by their e-mail address."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from contest_portal.mail.models import OutgoingMail
from judging.models import Award, PrizeTier, RankingRun
from judging.services import assignments_generate
from tests.conftest import open_final_round
from tests.judging.results_setup import score

pytestmark = pytest.mark.django_db

# Django's admin strings that its Vietnamese catalog (Django 5.2) lacks, or words its translation leaves in English
# ("Các mô models trong …"), each checked on the pages below: the portal's catalog carries them.
DJANGO_LACKS = [
    "Show counts",
    "Hide counts",
    "Skip to main content",
    "Model name",
    "Add link",
    "Change or view list link",
    "Toggle theme",
    "Toggle navigation",
    "Filter navigation items",
    "Sidebar",
    "Breadcrumbs",
    "Select all objects on this page for an action",
    "Select this object for an action",
    "models",
]
# Headers and labels of the judging results, the scorecards and the outbox, once field names shown as they were.
HEADERS = ["Contest", "Awarded by", "Started by", "Judge", "Criterion", "Actor", "Kind", "Submission"]
HEADED_PAGES = ("/judging/rankingrun/", "/judging/award/", "/judging/scorecard/", "/judging/assignment/", "/mail/")


class _VisibleText(HTMLParser):
    """What a person reads or hears on a page: its text, and the labels screen readers and pointers read
    (aria-label, title, placeholder, alt, the words on buttons); not scripts, styles or hidden values."""

    SPOKEN = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.parts, self._skipping = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._skipping += 1
        self.parts += [attrs[name] for name in self.SPOKEN if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def visible_text(html):
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        email="quantri@example.com", password="a-long-test-password", full_name="Quàng Văn Quản Trị"
    )


@pytest.fixture
def portal(contest, committee, judges, make_finalists, superuser):
    """A contest in its final round with a scored finalist, a ranking run, a prize and a decision mail: a row in
    every list of the judging screens and the outbox."""
    open_final_round(contest)
    clips = make_finalists(2)
    assignments_generate(contest=contest, user=committee)
    for judge in judges:
        score(judge, clips[0], [27.5, 20, 20, 15])
    RankingRun.objects.create(contest=contest, method="mean", started_by=committee, state=RankingRun.State.DONE)
    Award.objects.create(
        tier=PrizeTier.objects.filter(contest=contest).first(), submission=clips[0], rank=1, awarded_by=committee
    )
    OutgoingMail.objects.create(
        kind="decision_shortlisted",
        to="bob@example.com",
        from_email="btc@example.com",
        subject="Thông báo kết quả Sơ loại",
        body_text="…",
        state=OutgoingMail.State.DRAFT,
        contest=contest,
    )
    return contest


def _admin_pages(contest):
    """The admin's index, each registered model's list, add form and first object, and the judging screens."""
    # A list with its filters' counts shown, as "Show counts" shows them.
    urls = [
        reverse("admin:index"),
        reverse("reports:statistics"),
        reverse("admin:mail_outgoingmail_changelist") + "?_facets=True",
    ]
    for model in admin.site._registry:
        opts = model._meta
        urls += [reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}") for view in ("changelist", "add")]
        first = model.objects.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
    run = RankingRun.objects.first()
    urls += [
        reverse("admin:judging_rankingrun_change", args=[run.pk]),
        reverse("admin:judging_award_prizes", args=[contest.slug]),
        reverse("admin:judging_finalround_progress", args=[contest.judging.pk]),
        reverse("admin:mail_outgoingmail_release_drafts"),
    ]
    return urls


def _read(client, urls):
    """{url: visible text} of the pages a person may open: an add form of a list nobody adds to is a 403 or sends
    them elsewhere, and what their role may not reach is a 403 or a 404."""
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), url
        if response.status_code == 200:
            pages[url] = visible_text(response.content.decode())
    return pages


def _found(pages, phrases):
    return {
        (url, phrase)
        for url, text in pages.items()
        for phrase in phrases
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text)
    }


@pytest.mark.parametrize("role", ["superuser", "committee", "office", "judge"])
def test_the_vietnamese_admin_has_none_of_the_english_django_leaves(client, portal, request, role):
    # Each role reaches its own part of the admin; what it may not open is left out.
    client.force_login(request.getfixturevalue(role))
    pages = _read(client, _admin_pages(portal))
    headed = {url: text for url, text in pages.items() if any(part in url for part in HEADED_PAGES)}
    assert _found(pages, DJANGO_LACKS) | _found(headed, HEADERS) == set()


def test_in_english_the_same_pages_show_those_strings(client, portal, superuser):
    """The check above looks for what is really there: in English every one of these strings is on some page
    (but "models", which only Django's Vietnamese has, and the labels the portal's lists no longer show as field
    names: "Actor" for who did what to a scorecard, "Submission" for an assignment's clip)."""
    client.force_login(superuser)
    client.cookies["django_language"] = "en"
    pages = _read(client, _admin_pages(portal))
    headed = {url: text for url, text in pages.items() if any(part in url for part in HEADED_PAGES)}
    found = {phrase for _url, phrase in _found(pages, DJANGO_LACKS) | _found(headed, HEADERS)}
    assert found == set(DJANGO_LACKS + HEADERS) - {"models", "Actor", "Submission"}


def test_mail_kinds_read_as_labels_and_judges_by_their_names(client, portal, superuser, judges):
    client.force_login(superuser)
    client.cookies["django_language"] = "en"
    pages = _read(client, _admin_pages(portal))
    outbox = pages[reverse("admin:mail_outgoingmail_changelist")]
    assert "Preliminary round: clip selected for the final round" in outbox
    # The e-mail templates' own list names each by its key, which the templates' text refers to.
    assert [
        url for url, text in pages.items() if "decision_shortlisted" in text and "mailtemplate" not in url
    ] == []
    scorecards = pages[reverse("admin:judging_scorecard_changelist")]
    assignments = pages[reverse("admin:judging_assignment_changelist")]
    for judge in judges:
        assert judge.full_name in scorecards and judge.full_name in assignments
        assert judge.email not in scorecards and judge.email not in assignments


# A list's column header (<div class="text"><a …>title</a> or <span>title</span>) and a filter's title.
COLUMN_HEADER = re.compile(r'<div class="text">(?:<a [^>]*>|<span>)([^<]*)<')
FILTER_TITLE = re.compile(r'<details data-filter-title="([^"]*)"')


@pytest.fixture
def pseudo_vietnamese(monkeypatch):
    """A stand-in catalog that translates every string it is asked for into «string»: whatever a page shows
    without the marks never went through translation, and would stay English whatever the catalog holds."""
    monkeypatch.setattr(translation._trans, "gettext", lambda message: f"«{message}»", raising=False)


def test_every_header_of_the_judging_and_mail_lists_goes_through_translation(
    client, portal, superuser, pseudo_vietnamese
):
    client.force_login(superuser)
    pages = {
        name: client.get(reverse(f"admin:{name}_changelist")).content.decode()
        for name in ("judging_rankingrun", "judging_award", "judging_scorecard", "judging_assignment")
        + ("mail_outgoingmail",)
    }
    for name, html in pages.items():
        headers = [text.strip() for text in COLUMN_HEADER.findall(html) if text.strip()]
        assert len(headers) > 3, name
        assert all(text.startswith("«") for text in headers), (name, headers)
        filters = [text.strip() for text in FILTER_TITLE.findall(html)]
        assert all(text.startswith("«") for text in filters), (name, filters)
