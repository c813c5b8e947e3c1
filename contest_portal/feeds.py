"""The public feeds' two formats, for the province's news portal and the fanpage team (README, "Feeds for news
sites"): JSON Feed 1.1 (https://jsonfeed.org/version/1.1) and Atom (RFC 4287, written by Django's feedgenerator).

The apps say what a feed holds (submissions/feeds.py the finalists, judging/feeds.py the results), only what
their public pages show; this module writes it and answers with the headers a feed reader expects."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Atom1Feed, rfc3339_date
from django.utils.html import escape
from django.utils.http import http_date

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
JSON_CONTENT_TYPE = "application/feed+json; charset=utf-8"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# Readers poll; a few minutes' delay after the committee publishes is of no consequence, and the portal is spared
# a news portal's every page view.
FEED_CACHE = "public, max-age=300"


@dataclass(frozen=True)
class FeedItem:
    id: str
    url: str
    title: str
    text: str
    published: datetime
    updated: datetime
    image: str = ""
    authors: tuple = ()
    tags: tuple = ()
    # (url, MIME type) of what may be watched or downloaded: a finalist's public preview.
    attachments: tuple = ()
    # The portal's own fields (JSON Feed's "_contest_portal" extension): clip code, prize, amount.
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Feed:
    title: str
    description: str
    home_page_url: str
    json_url: str
    atom_url: str
    author: str
    language: str
    updated: datetime
    items: list


def json_feed(feed):
    """The feed as a JSON Feed 1.1 document (a dict)."""
    return {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "description": feed.description,
        "home_page_url": feed.home_page_url,
        "feed_url": feed.json_url,
        "language": feed.language,
        "authors": [{"name": feed.author}],
        "items": [_json_item(item) for item in feed.items],
    }


def _json_item(item):
    document = {
        "id": item.id,
        "url": item.url,
        "title": item.title,
        "content_text": item.text,
        "date_published": rfc3339_date(item.published),
        "date_modified": rfc3339_date(item.updated),
    }
    if item.image:
        document["image"] = item.image
    if item.authors:
        document["authors"] = [{"name": name} for name in item.authors]
    if item.tags:
        document["tags"] = list(item.tags)
    if item.attachments:
        document["attachments"] = [{"url": url, "mime_type": mime_type} for url, mime_type in item.attachments]
    if item.details:
        document["_contest_portal"] = item.details
    return document


class _Atom(Atom1Feed):
    """Atom with the item's image and attachments as enclosure links, of a length nobody knows in advance
    (Atom allows it; Django's enclosures insist on one)."""

    def latest_post_date(self):
        # The feed's own <updated>: its latest item's, or the publication's when it has none.
        return self.feed["updated"]

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for url, mime_type in item["links"]:
            handler.addQuickElement("link", "", {"rel": "enclosure", "href": url, "type": mime_type})


def atom_feed(feed):
    """The feed as an Atom document (bytes, UTF-8)."""
    atom = _Atom(
        title=feed.title,
        link=feed.home_page_url,
        description=feed.description,
        subtitle=feed.description,
        language=feed.language,
        author_name=feed.author,
        feed_url=feed.atom_url,
        feed_guid=feed.atom_url,
        updated=feed.updated,
    )
    for item in feed.items:
        atom.add_item(
            title=item.title,
            link=item.url,
            # Written as an HTML summary: what entrants typed is escaped, never markup.
            description=escape(item.text),
            unique_id=item.id,
            pubdate=item.published,
            updateddate=item.updated,
            author_name=", ".join(item.authors) or None,
            categories=item.tags,
            links=[*([(item.image, "image/jpeg")] if item.image else []), *item.attachments],
        )
    return atom.writeString("utf-8").encode()


def feed_response(request, feed, *, kind):
    """The answer to a feed's address: `kind` is "json" or "atom". Cacheable by anyone for a few minutes,
    readable by a news site's own scripts (the content is public), and a 304 to a reader that has it already."""
    if kind == "json":
        body = json.dumps(json_feed(feed), ensure_ascii=False, indent=1).encode()
        content_type = JSON_CONTENT_TYPE
    else:
        body = atom_feed(feed)
        content_type = ATOM_CONTENT_TYPE
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    last_modified = int(feed.updated.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified) or HttpResponse(
        body, content_type=content_type
    )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = FEED_CACHE
    response["Access-Control-Allow-Origin"] = "*"
    return response
