"""The portal behind a real nginx (Debian's package) configured by the repository's own files, as the README
tells an operator to install them: deploy/nginx/portal-locations.conf, with the paths of this test's folders.

nginx runs in front of the live server: pages come compressed, static files and private media are sent by nginx
itself (the media only after the portal's check, through X-Accel-Redirect), and the internal location is closed
to browsers."""

import gzip
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from submissions.models import Contest
from tests.integration.servers import start_nginx

pytestmark = pytest.mark.integration


@pytest.fixture
def nginx(live_server, tmp_path, settings):
    """The base URL of an nginx in front of the live server, with the repository's locations."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    port, process = start_nginx(
        tmp_path / "nginx",
        upstream_ports=[int(live_server.url.rsplit(":", 1)[1])],
        static_root=settings.STATIC_ROOT,
        media_root=settings.MEDIA_ROOT,
    )
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


def _get(url, **headers):
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30)
    except urllib.error.HTTPError as error:
        return error


@pytest.fixture
def portal(transactional_db, contest):
    return contest


def test_pages_come_compressed(nginx, portal):
    response = _get(f"{nginx}/test-contest/", **{"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert portal.name in gzip.decompress(response.read()).decode()


def test_static_files_are_sent_by_nginx_for_good(nginx, portal, settings):
    # Only in this test's STATIC_ROOT, which the portal itself does not serve from: nginx found it.
    (settings.STATIC_ROOT / "css").mkdir()
    (settings.STATIC_ROOT / "css" / "portal.0123456789ab.css").write_text("body { color: #111; }\n")
    response = _get(f"{nginx}/static/css/portal.0123456789ab.css")
    assert response.status == 200
    assert response.read() == b"body { color: #111; }\n"
    assert "immutable" in response.headers["Cache-Control"]


@pytest.fixture
def published_finalist(portal, make_finalists, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX = "/_private/"
    (finalist,) = make_finalists(1, with_preview=True)
    Contest.objects.filter(pk=portal.pk).update(finalists_published_at=timezone.now())
    return finalist


def test_private_media_is_sent_by_nginx_after_the_portals_check(nginx, published_finalist, settings):
    url = f"{nginx}/media-rieng/{published_finalist.code}/anh.jpg"
    stored = (Path(settings.MEDIA_ROOT) / published_finalist.thumbnail.name).read_bytes()
    whole = _get(url)
    assert whole.status == 200
    assert whole.read() == stored
    assert "X-Accel-Redirect" not in whole.headers
    # Byte ranges, from nginx (a video player seeks this way).
    part = _get(url, Range="bytes=0-9")
    assert part.status == 206
    assert part.read() == stored[:10]


def test_the_internal_location_is_closed_to_browsers(nginx, published_finalist):
    assert _get(f"{nginx}/_private/{published_finalist.thumbnail.name}").status == 404


def test_a_clip_nobody_may_see_is_a_404_through_nginx_too(nginx, portal, make_finalists, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX = "/_private/"
    (unpublished,) = make_finalists(1, with_preview=True)
    assert _get(f"{nginx}/media-rieng/{unpublished.code}/anh.jpg").status == 404


def test_a_slow_phones_upload_reaches_the_portal_only_once_it_has_all_arrived(tmp_path):
    """nginx holds the body of a request until the last byte: a phone sending a PATCH slowly ties up nginx's
    buffer, not one of the portal's threads. Here the portal is a socket that notes when bytes come."""
    upstream = socket.socket()
    upstream.bind(("127.0.0.1", 0))
    upstream.listen(1)
    upstream.settimeout(5)
    port, process = start_nginx(
        tmp_path / "nginx",
        upstream_ports=[upstream.getsockname()[1]],
        static_root=tmp_path,
        media_root=tmp_path,
    )
    body = b"x" * 2_000_000
    try:
        phone = socket.create_connection(("127.0.0.1", port))
        phone.sendall(
            b"PATCH /tai-len/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/offset+octet-stream\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:1_000_000]
        )
        upstream.settimeout(1.5)
        with pytest.raises(TimeoutError):
            upstream.accept()  # half the body sent: the portal has seen nothing
        phone.sendall(body[1_000_000:])
        upstream.settimeout(10)
        portal, _address = upstream.accept()
        received = b""
        portal.settimeout(10)
        while len(received) < len(body) or b"\r\n\r\n" not in received:
            chunk = portal.recv(1 << 20)
            if not chunk:
                break
            received += chunk
        head, _, arrived = received.partition(b"\r\n\r\n")
        assert head.startswith(b"PATCH /tai-len/")
        assert arrived == body
        portal.close()
        phone.close()
    finally:
        upstream.close()
        process.terminate()
        process.wait(10)
