"""Interoperability: tuspy, a tus client the project did not write, uploads to the portal on a live server."""

import hashlib
import socket
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from tusclient.client import TusClient

from submissions.models import Submission, Upload
from tests.clips import make_clip
from tests.conftest import ALICE_ID

CHUNK = 64 * 1024


@pytest.fixture
def live_contest(transactional_db, contest):
    return contest


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A real clip of about 430 KB: seven chunks of 64 KiB."""
    return make_clip(tmp_path_factory.mktemp("tuspy") / "chợ phiên.mp4", seconds=8, width=640, height=480)


@pytest.fixture
def tus_client(contest, live_server, live_contest, alice, register):
    """tuspy, logged in as Alice: her session cookie and the CSRF token, as the portal's own script sends them."""
    register(alice, "Nguyễn Thị Alice", ALICE_ID)
    browser = Client()
    browser.force_login(alice)
    browser.get(reverse("submissions:submission_new", args=[contest.slug]))
    cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in browser.cookies.items())
    return TusClient(
        live_server.url + reverse("submissions:tus_create", args=[contest.slug]),
        headers={"Cookie": cookies, "X-CSRFToken": browser.cookies["csrftoken"].value},
    )


def _metadata(contest, clip):
    return {
        "filename": clip.name,
        "filetype": "video/mp4",
        "title": "Chợ phiên trên điện thoại",
        "genre": str(contest.genres.first().pk),
        "summary": "Người dân bản Mòng bán nông sản qua mạng.",
    }


def _cut_patch(client, url, *, offset, announced, sent):
    """A PATCH announcing `announced` bytes whose connection drops after the first `sent` of them."""
    parts = urlsplit(url)
    head = (
        f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nTus-Resumable: 1.0.0\r\n"
        f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\n"
        f"Content-Length: {announced}\r\nCookie: {client.headers['Cookie']}\r\n"
        f"X-CSRFToken: {client.headers['X-CSRFToken']}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port)) as connection:
        connection.sendall(head.encode() + sent)


def _wait_for_offset(offset):
    """The server stores what arrived once it sees the connection gone."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        upload = Upload.objects.get()
        if upload.offset == offset and upload.locked_until is None:
            return
        time.sleep(0.05)
    raise AssertionError(f"the upload stayed at {Upload.objects.get().offset}, not {offset}")


def test_tuspy_uploads_a_real_clip_in_chunks_with_checksums(tus_client, live_contest, clip):
    uploader = tus_client.uploader(
        str(clip), chunk_size=CHUNK, metadata=_metadata(live_contest, clip), upload_checksum=True
    )

    uploader.upload()

    submission = Submission.objects.get()
    assert submission.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert (submission.original_filename, submission.title) == ("chợ phiên.mp4", "Chợ phiên trên điện thoại")
    assert uploader.request.response_headers["upload-submission"] == submission.code


def test_a_transfer_cut_off_midway_is_resumed_by_a_new_uploader(tus_client, live_contest, clip):
    data = clip.read_bytes()
    first = tus_client.uploader(str(clip), chunk_size=CHUNK, metadata=_metadata(live_contest, clip))
    first.upload(stop_at=3 * CHUNK)
    # The fourth chunk's connection drops after 20 000 of its bytes.
    _cut_patch(tus_client, first.url, offset=3 * CHUNK, announced=CHUNK, sent=data[3 * CHUNK : 3 * CHUNK + 20_000])
    _wait_for_offset(3 * CHUNK + 20_000)

    # Another day, another process: only the upload's URL was kept.
    second = tus_client.uploader(str(clip), url=first.url, chunk_size=CHUNK, upload_checksum=True)
    assert second.offset == 3 * CHUNK + 20_000
    second.upload()

    assert Submission.objects.count() == 1
    assert Submission.objects.get().sha256 == hashlib.sha256(data).hexdigest()
    assert Upload.objects.get().state == Upload.State.COMPLETE


def test_tuspy_gets_the_refusal_of_a_file_that_is_not_a_video(tus_client, live_contest, tmp_path):
    from tusclient.exceptions import TusUploadFailed

    fake = tmp_path / "clip.mp4"
    fake.write_bytes(b"not a video at all " * 10_000)
    # The live server answers in the language the request asks for: the message is checked in English.
    tus_client.headers["Accept-Language"] = "en"
    uploader = tus_client.uploader(str(fake), chunk_size=CHUNK, metadata=_metadata(live_contest, fake))

    # No match=: tuspy's own text ("... failed with status 415") is the exception's message; the portal's refusal
    # is the body of the response, checked below.
    with pytest.raises(TusUploadFailed) as refused:
        uploader.upload()

    assert refused.value.status_code == 415
    assert "This file is not a video we can read" in refused.value.response_content.decode()
    assert not Submission.objects.exists()
    assert Upload.objects.get().state == Upload.State.REFUSED
