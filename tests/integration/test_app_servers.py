"""Two app servers (gunicorn, deploy/gunicorn.conf.py) behind one nginx, sharing the media folder and the
PostgreSQL database, as the README's "scaling out" section runs them: an upload whose PATCHes go to one and the
other arrives byte for byte; when the server receiving a PATCH crashes, the other takes the upload over as soon
as the crashed one's hold runs out (submissions.uploads.LEASE)."""

import hashlib
import os
import socket
import time

import pytest
import requests
from django.test import Client
from django.urls import reverse

from submissions.models import Submission, Upload
from submissions.uploads import LEASE
from tests.clips import make_clip
from tests.conftest import ALICE_ID
from tests.integration.conftest import _test_database_url
from tests.integration.servers import Gunicorn, start_nginx

pytestmark = pytest.mark.integration

CHUNK = 64 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A real clip of about 430 KB: seven chunks of 64 KiB."""
    return make_clip(tmp_path_factory.mktemp("servers") / "chợ phiên.mp4", seconds=8, width=640, height=480)


@pytest.fixture
def app_servers(postgresql, settings, tmp_path):
    """Two gunicorn processes on this test's database and media folder. Without a broker each checks a clip in
    the request that completes it (the check by a worker is tested in test_upload_check_worker.py)."""
    environment = {
        name: value for name, value in os.environ.items() if name not in {"CELERY_BROKER_URL", "DJANGO_ENV"}
    }
    environment.update(
        DATABASE_URL=_test_database_url(),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        VAR_DIR=str(tmp_path / "var"),
        EMAIL_URL="dummymail://",
        TRUSTED_PROXY_COUNT="1",
    )
    servers = [Gunicorn(tmp_path / f"server-{number}", environment=environment) for number in (1, 2)]
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def behind_nginx(app_servers, settings, tmp_path):
    port, process = start_nginx(
        tmp_path / "nginx",
        upstream_ports=[server.port for server in app_servers],
        static_root=tmp_path,
        media_root=settings.MEDIA_ROOT,
    )
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


@pytest.fixture
def alice_session(contest, alice, register):
    """Alice's session cookie and CSRF token, as the portal's own script sends them."""
    register(alice, "Nguyễn Thị Alice", ALICE_ID)
    browser = Client()
    browser.force_login(alice)
    browser.get(reverse("submissions:submission_new", args=[contest.slug]))
    return {
        "Cookie": "; ".join(f"{name}={morsel.value}" for name, morsel in browser.cookies.items()),
        "X-CSRFToken": browser.cookies["csrftoken"].value,
    }


def _metadata(contest, clip):
    from base64 import b64encode

    values = {
        "filename": clip.name,
        "filetype": "video/mp4",
        "title": "Chợ phiên trên điện thoại",
        "genre": str(contest.genres.first().pk),
        "summary": "Người dân bản Mòng bán nông sản qua mạng.",
    }
    return ",".join(f"{key} {b64encode(value.encode()).decode()}" for key, value in values.items())


def _create(base, contest, clip, session):
    response = requests.post(
        base + reverse("submissions:tus_create", args=[contest.slug]),
        headers={
            **TUS,
            **session,
            "Upload-Length": str(clip.stat().st_size),
            "Upload-Metadata": _metadata(contest, clip),
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.headers["Location"].lstrip("/")


def _patch(base, path, session, offset, piece):
    return requests.patch(
        f"{base}/{path}",
        data=piece,
        headers={
            **TUS,
            **session,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
        timeout=30,
    )


def _assert_received(clip):
    data = clip.read_bytes()
    submission = Submission.objects.get()
    assert submission.sha256 == hashlib.sha256(data).hexdigest()
    with submission.clip.open("rb") as stored:
        assert stored.read() == data
    assert Upload.objects.get().state == Upload.State.COMPLETE


def test_an_upload_whose_patches_alternate_between_two_servers_arrives_byte_identical(
    behind_nginx, app_servers, contest, alice_session, clip
):
    data = clip.read_bytes()
    path = _create(behind_nginx, contest, clip, alice_session)
    for offset in range(0, len(data), CHUNK):
        response = _patch(behind_nginx, path, alice_session, offset, data[offset : offset + CHUNK])
        assert response.status_code == 204, response.text

    _assert_received(clip)
    patches = [[request for request in server.requests() if request[0] == "PATCH"] for server in app_servers]
    chunks = -(-len(data) // CHUNK)
    # nginx takes the two in turn: each server wrote about half of the file into the shared folder.
    assert sum(map(len, patches)) == chunks
    assert all(len(served) >= chunks // 2 for served in patches), patches
    assert all(status == "204" for served in patches for _method, _path, status in served)


def test_a_resumable_upload_from_its_creation_goes_to_the_uploads_server_and_pages_to_the_pages_server(
    app_servers, contest, alice_session, clip, settings, tmp_path
):
    pages, uploads = app_servers
    port, nginx = start_nginx(
        tmp_path / "split",
        upstream_ports=[pages.port],
        upload_ports=[uploads.port],
        static_root=tmp_path,
        media_root=settings.MEDIA_ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert requests.get(f"{base}/{contest.slug}/", timeout=30).status_code == 200
        data = clip.read_bytes()
        path = _create(base, contest, clip, alice_session)
        for offset in range(0, len(data), CHUNK):
            assert _patch(base, path, alice_session, offset, data[offset : offset + CHUNK]).status_code == 204
        head = requests.head(f"{base}/{path}", headers={**TUS, **alice_session}, timeout=30)
        assert head.headers["Upload-Offset"] == str(len(data))
        assert requests.get(f"{base}/{contest.slug}/the-le/", timeout=30).status_code == 200
    finally:
        nginx.terminate()
        nginx.wait(10)

    _assert_received(clip)
    assert [(method, status) for method, _path, status in pages.requests()] == [("GET", "200"), ("GET", "200")]
    chunks = -(-len(data) // CHUNK)
    assert [(method, status) for method, _path, status in uploads.requests()] == [
        ("POST", "201"),
        *[("PATCH", "204")] * chunks,
        ("HEAD", "200"),
    ]


def test_when_the_server_receiving_a_patch_crashes_the_other_takes_over_once_its_hold_runs_out(
    app_servers, contest, alice_session, clip, settings
):
    data = clip.read_bytes()
    first, second = (f"http://127.0.0.1:{server.port}" for server in app_servers)
    path = _create(first, contest, clip, alice_session)
    assert _patch(first, path, alice_session, 0, data[:CHUNK]).status_code == 204
    # A PATCH straight to the first server (nginx would hold the body back) that stops midway: the server is
    # reading it, holding the upload, when it is killed.
    phone = socket.create_connection(("127.0.0.1", app_servers[0].port))
    phone.sendall(
        (
            f"PATCH /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
            f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: {CHUNK}\r\n"
            f"Content-Length: {4 * CHUNK}\r\nCookie: {alice_session['Cookie']}\r\n"
            f"X-CSRFToken: {alice_session['X-CSRFToken']}\r\n\r\n"
        ).encode()
        + data[CHUNK : 2 * CHUNK]
    )
    deadline = time.monotonic() + 10
    while Upload.objects.get().locked_until is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Upload.objects.get().locked_until is not None, "the first server never took the PATCH"
    app_servers[0].kill()
    crashed_at = time.monotonic()
    phone.close()

    # The other server knows only what was stored: the upload stands where the last finished PATCH left it,
    # and is held by the dead request until its lease runs out.
    head = requests.head(f"{second}/{path}", headers={**TUS, **alice_session}, timeout=30)
    assert head.headers["Upload-Offset"] == str(CHUNK)
    assert _patch(second, path, alice_session, CHUNK, data[CHUNK : 2 * CHUNK]).status_code == 423
    while (response := _patch(second, path, alice_session, CHUNK, data[CHUNK : 2 * CHUNK])).status_code == 423:
        assert time.monotonic() - crashed_at < LEASE.total_seconds() + 5, "the upload stayed locked"
        time.sleep(0.25)
    resumed_after = time.monotonic() - crashed_at
    print(f"resumed {resumed_after:.1f} s after the crash (lease {LEASE.total_seconds():.0f} s)")
    assert response.status_code == 204, response.text
    for offset in range(2 * CHUNK, len(data), CHUNK):
        assert _patch(second, path, alice_session, offset, data[offset : offset + CHUNK]).status_code == 204

    _assert_received(clip)
