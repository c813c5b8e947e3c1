"""Private media over HTTP: who gets a clip's files, byte ranges for video players, and the nginx hand-over.

Alice owns the clip; bob is another entrant; charlie is staff, with or without the right to view clips."""

import io
import os
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from submissions.models import Submission
from tests.clips import make_jpeg, make_pdf
from tests.conftest import ALICE_ID, as_upload

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"


def _content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def _docx(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return path


def _odt(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return path


@pytest.fixture
def alices_clip(alice, register, submit, tmp_path):
    documents = [
        as_upload(make_pdf(tmp_path / "a.pdf"), "Hồ sơ Đội Mường La.pdf", "application/pdf"),
        as_upload(_docx(tmp_path / "b.docx"), "Kịch bản.docx", DOCX),
        # Accepted for its content: the name's suffix does not decide the type it is served as.
        as_upload(_odt(tmp_path / "c.odt"), "thuyết minh.doc", ODT),
    ]
    return submit(register(alice, "Lò Thị Alice", ALICE_ID), documents=documents)


@pytest.fixture
def clip_bytes(alices_clip):
    return Path(alices_clip.clip.path).read_bytes()


@pytest.fixture
def with_preview_and_thumbnail(alices_clip, clip_bytes, tmp_path):
    # The media pipeline makes these; here they are put in storage directly.
    alices_clip.preview.save("preview.mp4", ContentFile(clip_bytes), save=False)
    jpeg = make_jpeg(tmp_path / "t.jpg").read_bytes()
    alices_clip.thumbnail.save("thumbnail.jpg", ContentFile(jpeg), save=False)
    Submission.objects.filter(pk=alices_clip.pk).update(
        preview=alices_clip.preview.name, thumbnail=alices_clip.thumbnail.name
    )
    return alices_clip


@pytest.fixture
def screener(charlie):
    charlie.is_staff = True
    charlie.save()
    charlie.user_permissions.add(
        Permission.objects.get(content_type__app_label="submissions", codename="view_submission")
    )
    return charlie


def _url(name, submission, *extra):
    return reverse(f"submissions:{name}", args=[submission.code, *extra])


def _every_file_url(submission):
    return [
        _url("original", submission),
        _url("preview", submission),
        _url("thumbnail", submission),
        *(_url("document", submission, document.pk) for document in submission.documents.all()),
    ]


class TestTheOwner:
    @pytest.fixture(autouse=True)
    def _logged_in(self, client, alice):
        client.force_login(alice)

    def test_she_downloads_the_whole_original_streamed(self, client, alices_clip, clip_bytes):
        response = client.get(_url("original", alices_clip))
        assert response.status_code == 200
        assert response.streaming
        assert _content(response) == clip_bytes
        assert response["Content-Length"] == str(len(clip_bytes))
        assert response["Content-Type"] == "video/mp4"
        assert response["Accept-Ranges"] == "bytes"
        assert response["Cache-Control"].startswith("private")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == (
            "attachment; filename=\"ban em.mp4\"; filename*=UTF-8''b%E1%BA%A3n%20em.mp4"
        )

    def test_a_range_gives_exactly_those_bytes(self, client, alices_clip, clip_bytes):
        response = client.get(_url("original", alices_clip), HTTP_RANGE="bytes=100-299")
        assert response.status_code == 206
        assert response.streaming
        assert _content(response) == clip_bytes[100:300]
        assert response["Content-Range"] == f"bytes 100-299/{len(clip_bytes)}"
        assert response["Content-Length"] == "200"

    def test_the_first_two_bytes_are_a_206_as_safari_asks(self, client, alices_clip, clip_bytes):
        response = client.get(_url("original", alices_clip), HTTP_RANGE="bytes=0-1")
        assert response.status_code == 206
        assert _content(response) == clip_bytes[:2]
        assert response["Content-Range"] == f"bytes 0-1/{len(clip_bytes)}"
        assert response["Content-Length"] == "2"

    def test_a_suffix_range_gives_the_last_bytes(self, client, alices_clip, clip_bytes):
        response = client.get(_url("original", alices_clip), HTTP_RANGE="bytes=-100")
        assert response.status_code == 206
        assert _content(response) == clip_bytes[-100:]
        size = len(clip_bytes)
        assert response["Content-Range"] == f"bytes {size - 100}-{size - 1}/{size}"

    def test_an_open_range_runs_to_the_end(self, client, alices_clip, clip_bytes):
        response = client.get(_url("original", alices_clip), HTTP_RANGE="bytes=1000-")
        assert response.status_code == 206
        assert _content(response) == clip_bytes[1000:]
        assert response["Content-Length"] == str(len(clip_bytes) - 1000)

    def test_a_range_longer_than_the_file_stops_at_its_end(self, client, alices_clip, clip_bytes):
        size = len(clip_bytes)
        response = client.get(_url("original", alices_clip), HTTP_RANGE=f"bytes=10-{size * 2}")
        assert response.status_code == 206
        assert _content(response) == clip_bytes[10:]
        assert response["Content-Range"] == f"bytes 10-{size - 1}/{size}"

    @pytest.mark.parametrize("asked", ["bytes={size}-", "bytes={size}-{size}", "bytes=-0"])
    def test_a_range_beyond_the_end_is_a_416(self, client, alices_clip, clip_bytes, asked):
        size = len(clip_bytes)
        response = client.get(_url("original", alices_clip), HTTP_RANGE=asked.format(size=size))
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{size}"

    def test_a_range_starting_thousands_of_digits_in_is_a_416(self, client, alices_clip, clip_bytes):
        # int() refuses numbers of over 4,300 digits: the position must not be read as one.
        response = client.get(_url("original", alices_clip), HTTP_RANGE=f"bytes={'9' * 5000}-")
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{len(clip_bytes)}"

    @pytest.mark.parametrize("asked", [f"bytes=0-{'9' * 5000}", f"bytes=-{'9' * 5000}"])
    def test_a_range_ending_thousands_of_digits_in_runs_to_the_end(self, client, alices_clip, clip_bytes, asked):
        response = client.get(_url("original", alices_clip), HTTP_RANGE=asked)
        size = len(clip_bytes)
        assert response.status_code == 206
        assert response["Content-Range"] == f"bytes 0-{size - 1}/{size}"
        assert _content(response) == clip_bytes

    def test_leading_zeros_do_not_make_a_position_absurd(self, client, alices_clip, clip_bytes):
        response = client.get(_url("original", alices_clip), HTTP_RANGE=f"bytes={'0' * 5000}100-{'0' * 30}199")
        assert response.status_code == 206
        assert _content(response) == clip_bytes[100:200]

    @pytest.mark.parametrize("asked", ["bytes=0-1,5-9", "bytes=9-5", "items=0-1", "bytes=-", "bytes=a-b"])
    def test_several_or_malformed_ranges_get_the_whole_file(self, client, alices_clip, clip_bytes, asked):
        response = client.get(_url("original", alices_clip), HTTP_RANGE=asked)
        assert response.status_code == 200
        assert _content(response) == clip_bytes

    def test_head_gives_the_headers_without_the_body(self, client, alices_clip, clip_bytes):
        response = client.head(_url("original", alices_clip))
        assert response.status_code == 200
        assert response["Content-Length"] == str(len(clip_bytes))
        assert response["Accept-Ranges"] == "bytes"
        assert _content(response) == b""

    def test_head_with_a_range_describes_the_range(self, client, alices_clip, clip_bytes):
        response = client.head(_url("original", alices_clip), HTTP_RANGE="bytes=0-1")
        assert response.status_code == 206
        assert response["Content-Range"] == f"bytes 0-1/{len(clip_bytes)}"
        assert response["Content-Length"] == "2"

    def test_an_unchanged_file_is_a_304(self, client, alices_clip):
        first = client.head(_url("original", alices_clip))
        response = client.get(_url("original", alices_clip), HTTP_IF_NONE_MATCH=first["ETag"])
        assert response.status_code == 304
        assert response["ETag"] == first["ETag"]

    def test_a_range_of_another_version_of_the_file_gets_the_whole_file(self, client, alices_clip, clip_bytes):
        url = _url("original", alices_clip)
        current = client.head(url)["ETag"]
        same_version = client.get(url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE=current)
        assert (same_version.status_code, _content(same_version)) == (206, clip_bytes[:2])
        response = client.get(url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE='"another-version"')
        assert response.status_code == 200
        assert _content(response) == clip_bytes

    def test_only_get_and_head_are_allowed(self, client, alices_clip):
        assert client.post(_url("original", alices_clip)).status_code == 405


class TestEachKindOfFile:
    @pytest.fixture(autouse=True)
    def _logged_in(self, client, alice):
        client.force_login(alice)

    def test_the_preview_and_thumbnail_are_404_until_they_are_made(self, client, alices_clip):
        assert client.get(_url("preview", alices_clip)).status_code == 404
        assert client.get(_url("thumbnail", alices_clip)).status_code == 404

    def test_the_preview_plays_inline_and_seeks(self, client, with_preview_and_thumbnail, clip_bytes):
        url = _url("preview", with_preview_and_thumbnail)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "video/mp4"
        assert response["Content-Disposition"].startswith("inline")
        assert _content(response) == clip_bytes
        seek = client.get(url, HTTP_RANGE="bytes=500-599")
        assert (seek.status_code, _content(seek)) == (206, clip_bytes[500:600])

    def test_the_thumbnail_is_an_inline_jpeg(self, client, with_preview_and_thumbnail):
        response = client.get(_url("thumbnail", with_preview_and_thumbnail))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("inline")
        assert _content(response).startswith(b"\xff\xd8")

    @pytest.mark.parametrize("width", [160, 320, 480])
    def test_the_thumbnail_comes_narrower_for_small_places(self, client, with_preview_and_thumbnail, width):
        clip = with_preview_and_thumbnail
        Image.new("RGB", (640, 360), (200, 30, 30)).save(clip.thumbnail.path, format="JPEG")
        url = _url("thumbnail", clip) + f"?w={width}"
        response = client.get(url)

        assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
        with Image.open(io.BytesIO(_content(response))) as image:
            assert image.width == width
        stored = Path(clip.thumbnail.path)
        variant = stored.with_name(f"{stored.stem}.{width}w.jpg")
        made_at = variant.stat().st_mtime_ns
        assert _content(client.get(url)) == variant.read_bytes()
        assert variant.stat().st_mtime_ns == made_at  # made once, then served

    def test_a_thumbnail_made_again_makes_its_narrower_copies_again(
        self, client, with_preview_and_thumbnail, tmp_path
    ):
        clip = with_preview_and_thumbnail
        stored = Path(clip.thumbnail.path)
        Image.new("RGB", (640, 360), (200, 30, 30)).save(stored, format="JPEG")
        url = _url("thumbnail", clip) + "?w=160"
        first = _content(client.get(url))
        Image.new("RGB", (640, 480), (0, 0, 255)).save(stored, format="JPEG")
        later = os.stat(stored).st_mtime + 5
        os.utime(stored, (later, later))

        again = _content(client.get(url))
        assert again != first
        with Image.open(io.BytesIO(again)) as image:
            assert image.size == (160, 120)

    @pytest.mark.parametrize("width", ["640", "161", "abc", "-160", ""])
    def test_another_width_gets_the_stored_thumbnail(self, client, with_preview_and_thumbnail, width):
        clip = with_preview_and_thumbnail
        response = client.get(_url("thumbnail", clip) + f"?w={width}")
        assert _content(response) == Path(clip.thumbnail.path).read_bytes()

    @pytest.mark.parametrize(
        "name, content_type",
        [("Hồ sơ Đội Mường La.pdf", "application/pdf"), ("Kịch bản.docx", DOCX), ("thuyết minh.doc", ODT)],
    )
    def test_each_document_downloads_with_its_own_type(self, client, alices_clip, name, content_type):
        document = alices_clip.documents.get(original_filename=name)
        response = client.get(_url("document", alices_clip, document.pk))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith("attachment;")
        assert _content(response) == Path(document.file.path).read_bytes()

    def test_a_vietnamese_file_name_is_kept_whole_with_a_plain_fallback(self, client, alices_clip):
        document = alices_clip.documents.get(original_filename="Hồ sơ Đội Mường La.pdf")
        disposition = client.head(_url("document", alices_clip, document.pk))["Content-Disposition"]
        assert disposition == (
            'attachment; filename="Ho so Doi Muong La.pdf"; '
            "filename*=UTF-8''H%E1%BB%93%20s%C6%A1%20%C4%90%E1%BB%99i%20M%C6%B0%E1%BB%9Dng%20La.pdf"
        )
        assert unquote(disposition.split("UTF-8''")[1]) == "Hồ sơ Đội Mường La.pdf"

    def test_quotes_and_line_breaks_in_a_name_cannot_break_the_header(self, client, alices_clip):
        Submission.objects.filter(pk=alices_clip.pk).update(original_filename='a"b\r\nc/d.mp4')
        response = client.head(_url("original", alices_clip))
        assert response["Content-Disposition"] == 'attachment; filename="a_b__c_d.mp4"'

    def test_a_document_is_found_only_under_its_own_clip(self, client, alices_clip, submit):
        other_clip = submit(alices_clip.registration, title="Clip thứ hai")
        document = alices_clip.documents.first()
        assert client.get(_url("document", other_clip, document.pk)).status_code == 404

    def test_a_file_missing_from_storage_is_a_404(self, client, alices_clip):
        alices_clip.clip.storage.delete(alices_clip.clip.name)
        assert client.get(_url("original", alices_clip)).status_code == 404


class TestWhoMaySee:
    def test_another_entrant_gets_a_404_for_every_file(self, client, bob, with_preview_and_thumbnail):
        client.force_login(bob)
        for url in _every_file_url(with_preview_and_thumbnail):
            assert client.get(url).status_code == 404, url

    def test_an_anonymous_visitor_gets_a_404_not_the_login_page(self, client, with_preview_and_thumbnail):
        for url in _every_file_url(with_preview_and_thumbnail):
            assert client.get(url).status_code == 404, url

    def test_staff_who_may_view_clips_get_every_file(self, client, screener, with_preview_and_thumbnail):
        client.force_login(screener)
        for url in _every_file_url(with_preview_and_thumbnail):
            response = client.get(url)
            assert response.status_code == 200, url
            _content(response)

    def test_staff_without_that_permission_get_a_404(self, client, charlie, with_preview_and_thumbnail):
        charlie.is_staff = True
        charlie.save()
        client.force_login(charlie)
        for url in _every_file_url(with_preview_and_thumbnail):
            assert client.get(url).status_code == 404, url

    def test_an_unknown_code_is_a_404(self, client, alice, alices_clip):
        client.force_login(alice)
        assert client.get(reverse("submissions:original", args=["CDS2024-9999"])).status_code == 404


class TestAPublishedFinalist:
    """Its preview and thumbnail are anyone's: garbage in a Range header from an anonymous visitor."""

    @pytest.fixture(autouse=True)
    def _published(self, with_preview_and_thumbnail):
        with_preview_and_thumbnail.status = Submission.Status.SHORTLISTED
        with_preview_and_thumbnail.save(update_fields=["status"])
        contest = with_preview_and_thumbnail.contest
        contest.finalists_published_at = timezone.now()
        contest.save(update_fields=["finalists_published_at"])

    @pytest.mark.parametrize("name", ["preview", "thumbnail"])
    def test_a_range_of_five_thousand_digits_is_a_416(self, client, with_preview_and_thumbnail, name):
        url = _url(name, with_preview_and_thumbnail)
        size = int(client.head(url)["Content-Length"])
        response = client.get(url, HTTP_RANGE=f"bytes={'1' * 5000}-")
        assert response.status_code == 416
        assert response["Content-Range"] == f"bytes */{size}"

    @pytest.mark.parametrize("name", ["preview", "thumbnail"])
    def test_a_sensible_range_still_plays(self, client, with_preview_and_thumbnail, name):
        response = client.get(_url(name, with_preview_and_thumbnail), HTTP_RANGE="bytes=0-1")
        assert response.status_code == 206
        assert len(_content(response)) == 2


class TestNginxHandsTheFileOver:
    @pytest.fixture(autouse=True)
    def _accel(self, settings):
        settings.PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX = "/_private/"

    def test_the_owner_gets_an_empty_answer_pointing_nginx_at_the_file(self, client, alice, alices_clip):
        client.force_login(alice)
        response = client.get(_url("original", alices_clip), HTTP_RANGE="bytes=0-1")
        assert response.status_code == 200
        assert response.content == b""
        assert response["X-Accel-Redirect"] == f"/_private/{alices_clip.clip.name}"
        assert response["Content-Type"] == "video/mp4"
        assert response["Content-Disposition"].startswith('attachment; filename="ban em.mp4"')
        assert response["Cache-Control"].startswith("private")

    def test_each_kind_of_file_points_at_its_own_storage_name(self, client, alice, with_preview_and_thumbnail):
        client.force_login(alice)
        clip = with_preview_and_thumbnail
        document = clip.documents.first()
        for url, name in [
            (_url("preview", clip), clip.preview.name),
            (_url("thumbnail", clip), clip.thumbnail.name),
            (_url("thumbnail", clip) + "?w=160", clip.thumbnail.name.removesuffix(".jpg") + ".160w.jpg"),
            (_url("document", clip, document.pk), document.file.name),
        ]:
            assert client.get(url)["X-Accel-Redirect"] == f"/_private/{name}"

    def test_a_prefix_without_its_last_slash_still_makes_a_path(self, client, settings, alice, alices_clip):
        settings.PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX = "/_private"
        client.force_login(alice)
        response = client.get(_url("original", alices_clip))
        assert response["X-Accel-Redirect"] == f"/_private/{alices_clip.clip.name}"

    def test_a_stranger_still_gets_a_404(self, client, bob, alices_clip):
        client.force_login(bob)
        response = client.get(_url("original", alices_clip))
        assert response.status_code == 404
        assert "X-Accel-Redirect" not in response


class TestTheReceipt:
    @pytest.fixture(autouse=True)
    def _logged_in(self, client, alice):
        client.force_login(alice)

    def test_it_plays_the_preview_and_links_the_original_and_documents(self, client, with_preview_and_thumbnail):
        clip = with_preview_and_thumbnail
        html = client.get(reverse("submissions:receipt", args=[clip.contest.slug, clip.code])).content.decode()
        assert f'src="{_url("preview", clip)}"' in html
        assert f'poster="{_url("thumbnail", clip)}"' in html
        assert "playsinline" in html
        assert f'href="{_url("original", clip)}"' in html
        for document in clip.documents.all():
            assert f'href="{_url("document", clip, document.pk)}"' in html

    def test_without_a_preview_there_is_no_player(self, client, alices_clip):
        html = client.get(
            reverse("submissions:receipt", args=[alices_clip.contest.slug, alices_clip.code])
        ).content.decode()
        assert "<video" not in html
        assert f'href="{_url("original", alices_clip)}"' in html
