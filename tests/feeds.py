"""What the tests of the public feeds share: reading a JSON Feed and an Atom document as a feed reader would, and
the personal data of a contest's entrants, none of which may appear in either."""

import json
import xml.etree.ElementTree as ET

from submissions.models import CoAuthor, Registration, SubmissionAuthor

ATOM = "{http://www.w3.org/2005/Atom}"


def read_json_feed(response):
    assert response["Content-Type"].startswith("application/feed+json")
    document = json.loads(response.content)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] and document["home_page_url"].startswith("http")
    assert document["feed_url"].endswith("/feed.json")
    for item in document["items"]:
        assert item["id"] and item["url"].startswith("http") and item["title"]
        assert item["date_published"] and item["date_modified"]
    return document


def read_atom_feed(response):
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}updated") and root.findtext(f"{ATOM}title")
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith("/feed.atom")
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated") and entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http")
    return root, entries


def _dates(day):
    return [day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d.%m.%Y"), day.strftime("%d-%m-%Y")]


def personal_data(contest):
    """Every phone number, ID number, e-mail address, postal address, birth date and organisation recorded for
    the contest's entrants, their co-authors and the clips' authors, as they might be written."""
    found = set()
    for registration in Registration.objects.filter(contest=contest).select_related("user"):
        found |= {registration.phone, registration.id_number, registration.email, registration.user.email}
        found |= {registration.address, registration.organisation}
        if registration.date_of_birth:
            found |= set(_dates(registration.date_of_birth))
    for coauthor in CoAuthor.objects.filter(registration__contest=contest):
        found |= {coauthor.email, coauthor.id_number, coauthor.phone, coauthor.organisation}
        if coauthor.date_of_birth:
            found |= set(_dates(coauthor.date_of_birth))
    for author in SubmissionAuthor.objects.filter(submission__contest=contest):
        found |= {author.id_number, author.organisation}
        if author.date_of_birth:
            found |= set(_dates(author.date_of_birth))
    return {value for value in found if value}
