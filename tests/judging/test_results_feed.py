"""The results' public feed, JSON Feed and Atom, for news sites: nothing before the committee publishes the
results, then each prize with what the results page shows of it, and nothing of the entrants' personal data."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from judging.models import Award, FinalRound
from submissions.models import CoAuthor, Contest, ContestEvent, Registration
from tests.feeds import ATOM, personal_data, read_atom_feed, read_json_feed
from tests.finalists import AUTHOR, COAUTHOR, GROUP, TITLES

from .results_setup import set_prize_counts

pytestmark = pytest.mark.django_db


def _urls(contest):
    return (
        reverse("judging:results_feed_json", args=[contest.slug]),
        reverse("judging:results_feed_atom", args=[contest.slug]),
    )


@pytest.fixture
def awards(contest, committee, make_finalists):
    """Giải Nhất to a group's clip whose entrant and co-author have every kind of personal data, the side prize
    with its reason to an entrant's own clip; a third finalist wins nothing."""
    group_clip, own_clip = make_finalists(titles=TITLES[:1], one_group=True) + make_finalists(titles=TITLES[1:2])
    make_finalists(titles=TITLES[2:3])
    Registration.objects.filter(contest=contest).update(
        date_of_birth=datetime.date(1990, 5, 1), phone="0987654321", address="Tổ 2, phường Chiềng Lề"
    )
    CoAuthor.objects.filter(registration__contest=contest).update(phone="0911222333")
    tiers = set_prize_counts(contest, nhat=1, phu=1)
    return [
        Award.objects.create(tier=tiers["nhat"], submission=group_clip, rank=1, awarded_by=committee),
        Award.objects.create(
            tier=tiers["phu"],
            submission=own_clip,
            reason="Nhiều lượt xem nhất trên Fanpage.",
            awarded_by=committee,
        ),
    ]


def _publish(contest):
    FinalRound.objects.update_or_create(contest=contest, defaults={"results_published_at": timezone.now()})
    return FinalRound.objects.get(contest=contest)


def test_there_is_no_feed_before_the_results_are_published(client, contest, awards):
    for url in _urls(contest):
        assert client.get(url).status_code == 404


def test_the_json_feed_lists_the_prizes_in_the_prize_lists_order(client, contest, awards):
    final_round = _publish(contest)
    json_url, _atom_url = _urls(contest)

    feed = read_json_feed(client.get(json_url))

    assert feed["home_page_url"].endswith(reverse("judging:results", args=[contest.slug]))
    first, side = feed["items"]
    nhat, phu = awards
    assert first["title"] == f"Giải Nhất: {TITLES[0]}"
    assert first["_contest_portal"] == {
        "code": nhat.submission.code,
        "prize": "Giải Nhất",
        "amount": nhat.tier.amount,
        "genre": nhat.submission.genre.name,
    }
    assert first["authors"] == [{"name": f"{GROUP} ({AUTHOR}, {COAUTHOR})"}]
    assert "5.000.000 đ" in first["content_text"] and nhat.tier.honour in first["content_text"]
    assert side["title"] == f"Giải phụ: {TITLES[1]}"
    assert "Nhiều lượt xem nhất trên Fanpage." in side["content_text"]
    assert datetime.datetime.fromisoformat(first["date_published"]) == final_round.results_published_at
    # The gallery is not public: the items lead to the results page, with no share image.
    assert first["url"].endswith(f"{reverse('judging:results', args=[contest.slug])}#tier-{nhat.tier.pk}")
    assert "image" not in first
    assert len({item["id"] for item in feed["items"]}) == 2


def test_with_the_gallery_public_the_items_lead_to_the_clips_pages(client, contest, awards):
    _publish(contest)
    Contest.objects.filter(pk=contest.pk).update(finalists_published_at=timezone.now())

    first = read_json_feed(client.get(_urls(contest)[0]))["items"][0]

    code = awards[0].submission.code
    assert first["url"].endswith(reverse("submissions:finalist", args=[contest.slug, code]))
    assert client.get(first["image"]).status_code == 200


def test_the_atom_feed_has_an_entry_for_each_prize(client, contest, awards):
    _publish(contest)

    root, entries = read_atom_feed(client.get(_urls(contest)[1]))

    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        f"Giải Nhất: {TITLES[0]}",
        f"Giải phụ: {TITLES[1]}",
    ]
    assert [entry.find(f"{ATOM}category").get("term") for entry in entries] == ["Giải Nhất", "Giải phụ"]
    assert entries[0].findtext(f"{ATOM}author/{ATOM}name") == f"{GROUP} ({AUTHOR}, {COAUTHOR})"


def test_no_personal_data_is_in_either_feed(client, contest, awards):
    _publish(contest)
    Contest.objects.filter(pk=contest.pk).update(finalists_published_at=timezone.now())
    secrets = personal_data(contest)
    assert {"0987654321", "0911222333", "014190001234", "tacgia@example.com", "1990-05-01"} <= secrets

    for url in _urls(contest):
        body = client.get(url).content.decode()
        assert awards[0].submission.code in body
        for secret in secrets:
            assert secret not in body, secret


def test_a_correction_after_publication_updates_the_feed(client, contest, awards, committee):
    final_round = _publish(contest)
    corrected = final_round.results_published_at + datetime.timedelta(days=1)
    ContestEvent.objects.create(
        contest=contest,
        actor=committee,
        action="results_corrected",
        reason="Sửa tên tác giả.",
        created_at=corrected,
    )

    feed = read_json_feed(client.get(_urls(contest)[0]))
    root, _entries = read_atom_feed(client.get(_urls(contest)[1]))

    assert datetime.datetime.fromisoformat(feed["items"][0]["date_modified"]) == corrected
    assert datetime.datetime.fromisoformat(root.findtext(f"{ATOM}updated")) == corrected


def test_feeds_may_be_cached_briefly_by_anyone(client, contest, awards):
    _publish(contest)

    for url in _urls(contest):
        response = client.get(url)
        assert response["Cache-Control"] == "public, max-age=300"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert client.get(url, headers={"if-none-match": response["ETag"]}).status_code == 304


def test_the_results_page_names_its_feeds(client, contest, awards):
    _publish(contest)
    json_url, atom_url = _urls(contest)

    html = client.get(reverse("judging:results", args=[contest.slug])).content.decode()

    assert f'<link rel="alternate" type="application/atom+xml" href="{atom_url}"' in html
    assert f'<link rel="alternate" type="application/feed+json" href="{json_url}"' in html
