"""The finalists' public feed, JSON Feed and Atom, for news sites: nothing before the committee publishes the
gallery, then every finalist with what the gallery shows of it and nothing of its entrants' personal data."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from submissions.models import CoAuthor, Contest, Registration, Submission
from tests.conftest import close_entries
from tests.feeds import ATOM, personal_data, read_atom_feed, read_json_feed
from tests.finalists import AUTHOR, COAUTHOR, GROUP, TITLES

pytestmark = pytest.mark.django_db


def _urls(contest):
    return (
        reverse("submissions:finalists_feed_json", args=[contest.slug]),
        reverse("submissions:finalists_feed_atom", args=[contest.slug]),
    )


def _publish(contest):
    close_entries(contest)
    Contest.objects.filter(pk=contest.pk).update(finalists_published_at=timezone.now())
    contest.refresh_from_db()


@pytest.fixture
def finalists(contest, make_finalists):
    """Two finalists of a group whose entrant and co-author have every kind of personal data, one of an entrant
    of their own, and a clip the Standing Office did not select."""
    clips = make_finalists(titles=TITLES[:2], one_group=True, with_preview=True)
    clips += make_finalists(titles=TITLES[2:3])
    make_finalists(titles=["Không được chọn"], status=Submission.Status.NOT_SELECTED)
    Registration.objects.filter(contest=contest).update(
        date_of_birth=datetime.date(1990, 5, 1), phone="0987654321", address="Tổ 2, phường Chiềng Lề"
    )
    CoAuthor.objects.filter(registration__contest=contest).update(phone="0911222333")
    return clips


def test_there_is_no_feed_before_the_gallery_is_published(client, contest, finalists):
    for url in _urls(contest):
        assert client.get(url).status_code == 404


def test_the_json_feed_lists_every_published_finalist_in_the_gallerys_order(client, contest, finalists):
    _publish(contest)
    json_url, _atom_url = _urls(contest)

    response = client.get(json_url)

    assert response.status_code == 200
    feed = read_json_feed(response)
    assert feed["language"] == "vi"
    assert feed["home_page_url"].endswith(reverse("submissions:gallery", args=[contest.slug]))
    assert [item["title"] for item in feed["items"]] == TITLES[:3]
    first = feed["items"][0]
    clip = finalists[0]
    assert first["url"].endswith(reverse("submissions:finalist", args=[contest.slug, clip.code]))
    assert first["_contest_portal"] == {"code": clip.code, "genre": clip.genre.name}
    assert first["tags"] == [clip.genre.name]
    # The share image and the preview, both public once the gallery is.
    assert reverse("submissions:share_image", args=[contest.slug, clip.code]) in first["image"]
    assert first["attachments"] == [
        {"url": f"http://testserver{reverse('submissions:preview', args=[clip.code])}", "mime_type": "video/mp4"}
    ]
    assert "attachments" not in feed["items"][2]
    for item in feed["items"]:
        assert client.get(item["image"]).status_code == 200
        for attachment in item.get("attachments", []):
            assert client.get(attachment["url"]).status_code in (200, 206)


def test_the_atom_feed_has_an_entry_for_each_finalist(client, contest, finalists):
    _publish(contest)
    _json_url, atom_url = _urls(contest)

    root, entries = read_atom_feed(client.get(atom_url))

    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi"
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == TITLES[:3]
    first = entries[0]
    assert (
        first.find(f"{ATOM}link[@rel='alternate']")
        .get("href")
        .endswith(reverse("submissions:finalist", args=[contest.slug, finalists[0].code]))
    )
    assert {link.get("type") for link in first.findall(f"{ATOM}link[@rel='enclosure']")} == {
        "image/jpeg",
        "video/mp4",
    }
    assert finalists[0].code in first.findtext(f"{ATOM}summary")


def test_no_personal_data_is_in_either_feed(client, contest, finalists):
    _publish(contest)
    secrets = personal_data(contest)
    assert {"0987654321", "0911222333", "014190001234", "tacgia@example.com", "1990-05-01"} <= secrets

    for url in _urls(contest):
        body = client.get(url).content.decode()
        for secret in secrets:
            assert secret not in body, secret
        # Nor the authors' names: this gallery does not show them.
        for name in (AUTHOR, COAUTHOR, GROUP, "Lò Văn Tác Giả"):
            assert name not in body


def test_the_authors_are_named_when_the_gallery_names_them(client, contest, finalists):
    Contest.objects.filter(pk=contest.pk).update(shows_author_names=True)
    _publish(contest)
    json_url, atom_url = _urls(contest)

    feed = read_json_feed(client.get(json_url))
    _root, entries = read_atom_feed(client.get(atom_url))

    assert feed["items"][0]["authors"] == [{"name": f"{GROUP} ({AUTHOR}, {COAUTHOR})"}]
    assert entries[0].findtext(f"{ATOM}author/{ATOM}name") == f"{GROUP} ({AUTHOR}, {COAUTHOR})"
    body = client.get(json_url).content.decode() + client.get(atom_url).content.decode()
    for secret in personal_data(contest):
        assert secret not in body, secret


def test_what_an_entrant_typed_is_text_never_markup(client, contest, finalists):
    Submission.objects.filter(pk=finalists[0].pk).update(title='<img src=x onerror="alert(1)"> & co')
    _publish(contest)
    _json_url, atom_url = _urls(contest)

    response = client.get(atom_url)
    _root, entries = read_atom_feed(response)

    assert entries[0].findtext(f"{ATOM}title") == '<img src=x onerror="alert(1)"> & co'
    assert b"<img" not in response.content


def test_feeds_may_be_cached_briefly_by_anyone_and_read_by_other_sites(client, contest, finalists):
    _publish(contest)

    for url in _urls(contest):
        response = client.get(url)
        assert response["Cache-Control"] == "public, max-age=300"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Last-Modified"]
        again = client.get(url, headers={"if-none-match": response["ETag"]})
        assert again.status_code == 304


def test_a_finalist_decided_after_the_publication_is_dated_from_its_decision(
    client, contest, finalists, make_finalists
):
    _publish(contest)
    later = make_finalists(titles=TITLES[3:4])[0]
    decided = contest.finalists_published_at + datetime.timedelta(days=2)
    Submission.objects.filter(pk=later.pk).update(decided_at=decided)

    feed = read_json_feed(client.get(_urls(contest)[0]))

    assert feed["items"][-1]["title"] == TITLES[3]
    assert datetime.datetime.fromisoformat(feed["items"][-1]["date_published"]) == decided
    assert datetime.datetime.fromisoformat(feed["items"][0]["date_published"]) == contest.finalists_published_at


def test_the_feed_closes_with_the_gallery(client, contest, finalists):
    _publish(contest)
    Contest.objects.filter(pk=contest.pk).update(finalists_published_at=None)

    for url in _urls(contest):
        assert client.get(url).status_code == 404


def test_the_gallery_names_its_feeds(client, contest, finalists):
    _publish(contest)
    json_url, atom_url = _urls(contest)

    html = client.get(reverse("submissions:gallery", args=[contest.slug])).content.decode()

    assert f'<link rel="alternate" type="application/atom+xml" href="{atom_url}"' in html
    assert f'<link rel="alternate" type="application/feed+json" href="{json_url}"' in html
