"""Publishing the finalists asks first, on the committee's publication page and in the admin alike: a POST
without the confirmation's confirm=yes opens nothing and says what would become public, where, and how to undo
it; the confirmed POST publishes once; a double POST does nothing more; the Standing Office is refused."""

import pytest
from django.urls import reverse

from submissions.models import Contest, SubmissionEvent
from tests.conftest import close_entries
from tests.finalists import TITLES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

GALLERY = "/test-contest/chung-ket/"


@pytest.fixture
def finalists(contest, make_finalists):
    finalists = make_finalists(titles=TITLES[:2])
    close_entries(contest)
    return finalists


def _signed_in(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _page_url(contest):
    return reverse("submissions:publication_publish", args=[contest.slug])


def _admin_url(contest):
    return reverse("admin:submissions_submission_publish", args=[contest.slug])


def _published(contest):
    return Contest.objects.get(pk=contest.pk).finalists_published_at is not None


def _messages(response):
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("url", [_page_url, _admin_url], ids=["publication page", "admin"])
def test_a_post_without_the_confirmation_publishes_nothing_and_says_what_becomes_public(
    client, contest, committee, finalists, settings, url
):
    response = _signed_in(client, committee).post(url(contest))

    assert response.status_code == 200
    html = response.content.decode()
    assert "anyone can then watch these 2 finalists" in html
    assert f'href="{settings.SITE_URL.rstrip("/")}{GALLERY}"' in html
    assert "Nobody is e-mailed. It can be undone" in html
    for finalist in finalists:
        assert finalist.code in html
    assert 'name="confirm" value="yes"' in html
    assert not _published(contest)
    assert not SubmissionEvent.objects.filter(action="published").exists()
    assert client.get(GALLERY).status_code == 404


def test_the_publication_page_offers_the_confirmation_first(client, contest, committee, finalists):
    page = _signed_in(client, committee).get(reverse("submissions:publication", args=[contest.slug]))

    html = page.content.decode()
    assert f'action="{_page_url(contest)}"' in html
    assert "Publish the finalists…" in html
    assert 'name="confirm"' not in html


def test_the_confirmed_post_publishes_once_and_says_where(client, contest, committee, finalists, settings):
    desk = _signed_in(client, committee)

    response = desk.post(_page_url(contest), {"confirm": "yes"}, follow=True)
    again = desk.post(_page_url(contest), {"confirm": "yes"}, follow=True)

    assert _published(contest)
    assert _messages(response) == [
        f"The finalists are published: the gallery is open to everyone at {settings.SITE_URL.rstrip('/')}{GALLERY}."
    ]
    assert _messages(again) == ["The finalists were already published."]
    assert SubmissionEvent.objects.filter(action="published").count() == 2  # one per finalist, once
    assert client.get(GALLERY).status_code == 200


def test_the_admins_confirmed_post_publishes_once(client, contest, committee, finalists):
    desk = _signed_in(client, committee)

    response = desk.post(_admin_url(contest), {"confirm": "yes"}, follow=True)
    again = desk.post(_admin_url(contest), {"confirm": "yes"}, follow=True)

    assert "The finalists are published." in _messages(response)
    assert "The finalists were already published." in _messages(again)
    assert SubmissionEvent.objects.filter(action="published").count() == 2


@pytest.mark.parametrize("url", [_page_url, _admin_url], ids=["publication page", "admin"])
def test_without_finalists_the_confirmation_says_so_and_asks_nothing(client, contest, committee, url):
    close_entries(contest)

    response = _signed_in(client, committee).post(url(contest))

    assert "There is no finalist to publish yet." in response.content.decode()
    assert 'name="confirm"' not in response.content.decode()
    assert not _published(contest)


@pytest.mark.parametrize("url", [_page_url, _admin_url], ids=["publication page", "admin"])
@pytest.mark.parametrize("data", [{}, {"confirm": "yes"}], ids=["asking", "confirming"])
def test_the_standing_office_is_refused(client, contest, office, finalists, url, data):
    response = _signed_in(client, office).post(url(contest), data)

    assert response.status_code == 403
    assert not _published(contest)
