"""The public feeds as a news site's page finds them: the gallery and the results page name their feeds in an
alternate link; the browser fetches each, parses the JSON Feed as JSON with its items and the Atom one as XML
in the Atom namespace, and finds in neither the entrants' personal data."""

import pytest
from django.utils import timezone

from judging.models import Award, FinalRound
from submissions.models import Contest
from tests.conftest import open_final_round
from tests.feeds import personal_data
from tests.finalists import TITLES, make_finalists
from tests.judging.results_setup import set_prize_counts
from tests.staff import make_staff

pytestmark = pytest.mark.browser

READ_FEEDS = """async () => {
    const link = (type) => document.querySelector(`link[rel=alternate][type="${type}"]`).href;
    const json = await fetch(link("application/feed+json"));
    const atom = await fetch(link("application/atom+xml"));
    const xml = new DOMParser().parseFromString(await atom.text(), "application/xml");
    const feed = await json.clone().json();
    return {
        jsonType: json.headers.get("content-type"),
        version: feed.version,
        titles: feed.items.map((item) => item.title),
        jsonBody: await json.text(),
        atomNamespace: xml.documentElement.namespaceURI,
        atomErrors: xml.getElementsByTagName("parsererror").length,
        atomEntries: [...xml.getElementsByTagName("entry")].map((entry) => entry.getElementsByTagName("title")[0].textContent),
        atomBody: new XMLSerializer().serializeToString(xml),
    };
}"""


@pytest.fixture
def published(live_contest):
    """Three finalists, the group's with its entrant's and co-author's personal data, the gallery published and
    the first awarded Giải Nhất in published results."""
    contest = open_final_round(live_contest)
    clips = make_finalists(contest, titles=TITLES[:1], one_group=True) + make_finalists(
        contest, titles=TITLES[1:3]
    )
    now = timezone.now()
    Contest.objects.filter(pk=contest.pk).update(finalists_published_at=now)
    committee = make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    Award.objects.create(
        tier=set_prize_counts(contest, nhat=1)["nhat"], submission=clips[0], rank=1, awarded_by=committee
    )
    FinalRound.objects.update_or_create(contest=contest, defaults={"results_published_at": now})
    return contest


def _read_feeds(page, address):
    page.goto(address)
    return page.evaluate(READ_FEEDS)


def test_the_gallery_leads_a_browser_to_its_feeds(page, published):
    feeds = _read_feeds(page, "/test-contest/chung-ket/")

    assert feeds["jsonType"].startswith("application/feed+json")
    assert feeds["version"] == "https://jsonfeed.org/version/1.1"
    assert feeds["titles"] == TITLES[:3]
    assert feeds["atomNamespace"] == "http://www.w3.org/2005/Atom" and feeds["atomErrors"] == 0
    assert feeds["atomEntries"] == TITLES[:3]
    for secret in personal_data(published):
        assert secret not in feeds["jsonBody"] and secret not in feeds["atomBody"], secret


def test_the_results_page_leads_a_browser_to_its_feeds(page, published):
    feeds = _read_feeds(page, "/test-contest/ket-qua/")

    assert feeds["titles"] == [f"Giải Nhất: {TITLES[0]}"]
    assert feeds["atomEntries"] == [f"Giải Nhất: {TITLES[0]}"] and feeds["atomErrors"] == 0
    for secret in personal_data(published):
        assert secret not in feeds["jsonBody"] and secret not in feeds["atomBody"], secret
