"""The tus 1.0.0 server over Django's test client: headers, status codes, resuming, checksums, expiry, and
whose upload is whose. Messages are checked in English (Accept-Language: en)."""

import base64
import datetime
import hashlib
import io
from urllib.parse import unquote

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from submissions import uploads
from submissions.models import Contest, Submission, SubmissionDocument, Upload
from submissions.tasks import upload_check_task, uploads_expire_task
from submissions.uploads import upload_expire_stale, upload_part_path
from tests.clips import make_jpeg, make_pdf
from tests.conftest import ALICE_ID, BOB_ID

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("submissions:tus_create", args=["test-contest"])  # the `contest` fixture's
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_ACCEPT_LANGUAGE": "en"}


def _metadata(**values):
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


def _details(contest, **changes):
    details = {
        "filename": "bản em.mp4",
        "filetype": "video/mp4",
        "title": "Chợ phiên trên điện thoại",
        "genre": str(contest.genres.first().pk),
        "summary": "Người dân bản Mòng bán nông sản qua mạng.",
    }
    details.update(changes)
    return {key: value for key, value in details.items() if value is not None}


def _create(client, contest, length, headers=None, **details):
    return client.generic(
        "POST",
        CREATE_URL,
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=_metadata(**_details(contest, **details)),
        **TUS,
        **(headers or {}),
    )


def _patch(client, url, data, offset, **extra):
    # Set by hand: the test client leaves out the content headers of an empty body.
    return client.generic(
        "PATCH",
        url,
        data=data,
        HTTP_UPLOAD_OFFSET=str(offset),
        CONTENT_TYPE="application/offset+octet-stream",
        CONTENT_LENGTH=str(len(data)),
        **TUS,
        **extra,
    )


def _head(client, url):
    return client.head(url, **TUS)


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


class _CutOffBody(io.RawIOBase):
    """A request body whose client goes away after `data`: the stream ends early, or the socket resets."""

    def __init__(self, data, *, reset=False):
        self.data, self.reset = io.BytesIO(data), reset

    def read(self, size=-1):
        piece = self.data.read(size)
        if not piece and self.reset:
            raise ConnectionResetError("connection reset by peer")
        return piece


class _RecordingBody(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.reads = []

    def read(self, size=-1):
        self.reads.append(size)
        return super().read(size)


@pytest.fixture
def alice_client(client, alice, register):
    register(alice, "Nguyễn Thị Alice", ALICE_ID)
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob, register):
    register(bob, "Lò Văn Bob", BOB_ID)
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def clip_bytes(clip_path):
    return clip_path.read_bytes()


@pytest.fixture
def started(alice_client, contest, clip_bytes):
    """Alice's upload of the real clip, created and empty: its URL."""
    response = _create(alice_client, contest, len(clip_bytes))
    assert response.status_code == 201, response.content
    return response["Location"]


def _upload(url):
    return Upload.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1])


class TestDiscovery:
    def test_options_say_what_the_server_supports_without_asking_who_you_are(self, client, contest):
        response = client.options(CREATE_URL)

        assert response.status_code == 204
        assert response["Tus-Resumable"] == "1.0.0"
        assert response["Tus-Version"] == "1.0.0"
        assert set(response["Tus-Extension"].split(",")) == {"creation", "termination", "checksum", "expiration"}
        assert "sha1" in response["Tus-Checksum-Algorithm"].split(",")
        assert response["Tus-Max-Size"] == str(contest.max_clip_size)

    def test_options_on_an_upload_answer_the_same(self, alice_client, started):
        response = alice_client.options(started)
        assert response.status_code == 204
        assert response["Tus-Version"] == "1.0.0"

    @pytest.mark.parametrize("version", [None, "0.2.2", "2.0.0"])
    def test_a_request_without_the_supported_version_gets_412(self, alice_client, contest, started, version):
        headers = {"HTTP_TUS_RESUMABLE": version} if version else {}
        assert alice_client.generic("POST", CREATE_URL, **headers).status_code == 412
        response = alice_client.head(started, **headers)
        assert response.status_code == 412
        assert response["Tus-Version"] == "1.0.0"


class TestCreation:
    def test_it_answers_201_with_the_location_and_the_expiry(self, alice_client, contest, alice):
        before = timezone.now()
        response = _create(alice_client, contest, 12345)

        assert response.status_code == 201
        assert response["Tus-Resumable"] == "1.0.0"
        upload = Upload.objects.get()
        assert response["Location"] == f"/tai-len/{upload.pk}/"
        expires = parse_http_date(response["Upload-Expires"])
        assert before.timestamp() + 7 * 86400 - 1 <= expires <= timezone.now().timestamp() + 7 * 86400
        assert (upload.user, upload.filename, upload.length, upload.offset) == (alice, "bản em.mp4", 12345, 0)
        assert upload.metadata["title"] == "Chợ phiên trên điện thoại"
        assert upload_part_path(upload.pk).read_bytes() == b""

    def test_head_tells_the_offset_the_length_and_the_metadata(self, alice_client, started):
        response = _head(alice_client, started)

        assert response.status_code == 200
        assert response["Upload-Offset"] == "0"
        assert response["Upload-Length"] == str(_upload(started).length)
        assert response["Cache-Control"] == "no-store"
        assert parse_http_date(response["Upload-Expires"]) > timezone.now().timestamp()
        metadata = dict(pair.split(" ") for pair in response["Upload-Metadata"].split(","))
        assert base64.b64decode(metadata["filename"]).decode() == "bản em.mp4"

    def test_a_clip_over_the_contests_size_gets_413(self, alice_client, contest):
        response = _create(alice_client, contest, contest.max_clip_size + 1)

        assert response.status_code == 413
        assert "largest accepted" in response.content.decode()
        assert not Upload.objects.exists()

    def test_a_fourth_clip_is_refused_when_three_are_in(self, alice_client, contest, alice, submit):
        for number in range(3):
            submit(alice.registrations.get(), title=f"Clip {number + 1}")

        response = _create(alice_client, contest, 1000)

        assert response.status_code == 409
        assert "at most 3 clips" in response.content.decode()
        # Unlike a 409 for a wrong offset, this one is final: the header tells a client not to retry.
        assert unquote(response["Upload-Refusal"]) == response.content.decode()
        assert not Upload.objects.exists()

    def test_after_the_deadline_it_gets_403(self, alice_client, contest):
        with time_machine.travel(contest.closes_at + datetime.timedelta(seconds=1), tick=False):
            response = _create(alice_client, contest, 1000)

        assert response.status_code == 403
        assert "closed" in response.content.decode()

    def test_an_entrant_without_a_registration_form_is_sent_to_fill_it_in(self, contest, charlie):
        client = Client()
        client.force_login(charlie)

        response = _create(client, contest, 1000)

        assert response.status_code == 403
        assert "registration form" in response.content.decode()

    def test_anonymous_requests_get_403_with_a_message(self, client, contest, started):
        client.logout()

        assert _head(client, started).status_code == 403
        for response in (_create(client, contest, 1000), _patch(client, started, b"x", 0)):
            assert response.status_code == 403
            assert "log in" in response.content.decode()

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"title": ""}, "Title"),
            ({"title": None}, "Title"),
            ({"summary": ""}, "Summary"),
            ({"genre": "999999"}, "Genre"),
            ({"genre": "nhạc"}, "Genre"),
            ({"title": "x" * 201}, "Title"),
        ],
    )
    def test_the_details_are_checked_with_a_clear_message(self, alice_client, contest, change, field):
        response = _create(alice_client, contest, 1000, **change)

        assert response.status_code == 400
        assert response.content.decode().startswith(f"{field}:")
        assert not Upload.objects.exists()

    def test_a_genre_of_another_contest_is_refused(self, alice_client, contest):
        other = Contest.objects.create(
            slug="other",
            code_prefix="X",
            name="Other",
            short_name="Other",
            theme="t",
            eligibility="e",
            content_rules="c",
            opens_at=contest.opens_at,
            closes_at=contest.closes_at,
        )
        genre = other.genres.create(name="Khác")

        assert _create(alice_client, contest, 1000, genre=str(genre.pk)).status_code == 400

    def test_a_missing_file_name_is_refused(self, alice_client, contest):
        response = _create(alice_client, contest, 1000, filename=None)
        assert response.status_code == 400
        assert "file name" in response.content.decode()

    def test_an_empty_file_is_refused(self, alice_client, contest):
        response = _create(alice_client, contest, 0)
        assert response.status_code == 415
        assert "empty" in response.content.decode()

    @pytest.mark.parametrize("length", ["", "abc", "-1", "1e9", "12.5", "9" * 19, "0x10", " "])
    def test_a_garbage_upload_length_gets_400(self, alice_client, contest, length):
        response = alice_client.generic(
            "POST",
            CREATE_URL,
            HTTP_UPLOAD_LENGTH=length,
            HTTP_UPLOAD_METADATA=_metadata(**_details(contest)),
            **TUS,
        )
        assert response.status_code == 400
        assert not Upload.objects.exists()

    def test_a_deferred_length_is_not_supported(self, alice_client, contest):
        response = alice_client.generic(
            "POST",
            CREATE_URL,
            HTTP_UPLOAD_DEFER_LENGTH="1",
            HTTP_UPLOAD_METADATA=_metadata(**_details(contest)),
            **TUS,
        )
        assert response.status_code == 400
        assert "Upload-Length" in response.content.decode()

    @pytest.mark.parametrize(
        "metadata",
        [
            "filename",  # a key with no value leaves every required detail out
            "filename ***",
            "filename Zm9v,filename Zm9v",
            "filename /w==",  # not UTF-8
            "file name Zm9v",
            ",,",
            "filename Zm9v,",
            "tên Zm9v",
        ],
    )
    def test_garbage_metadata_gets_400(self, alice_client, contest, metadata):
        response = alice_client.generic(
            "POST", CREATE_URL, HTTP_UPLOAD_LENGTH="1000", HTTP_UPLOAD_METADATA=metadata, **TUS
        )
        assert response.status_code == 400
        assert not Upload.objects.exists()


class TestTransfer:
    def test_a_clip_sent_in_chunks_becomes_a_submission(self, alice_client, started, clip_bytes):
        third = len(clip_bytes) // 3
        offset = 0
        for chunk in (clip_bytes[:third], clip_bytes[third : 2 * third], clip_bytes[2 * third :]):
            response = _patch(alice_client, started, chunk, offset)
            assert response.status_code == 204, response.content
            offset += len(chunk)
            assert response["Upload-Offset"] == str(offset)

        submission = Submission.objects.get()
        assert response["Upload-Submission"] == submission.code
        assert response["Upload-Receipt"] == reverse(
            "submissions:receipt", args=[submission.contest.slug, submission.code]
        )
        assert submission.sha256 == _sha256(clip_bytes)
        assert submission.clip.read() == clip_bytes
        assert (submission.original_filename, submission.title) == ("bản em.mp4", "Chợ phiên trên điện thoại")
        upload = _upload(started)
        assert (upload.state, upload.submission, upload.locked_until) == (Upload.State.COMPLETE, submission, None)
        assert not upload_part_path(upload.pk).exists()

    def test_head_after_completion_points_to_the_receipt(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes, 0)

        response = _head(alice_client, started)

        assert response.status_code == 200
        assert response["Upload-Offset"] == response["Upload-Length"] == str(len(clip_bytes))
        assert response["Upload-Submission"] == Submission.objects.get().code

    @pytest.mark.parametrize("reset", [False, True], ids=["stream-ends", "connection-reset"])
    def test_an_upload_cut_off_midway_resumes_exactly_where_it_stopped(
        self, alice_client, started, clip_bytes, reset
    ):
        arrived = len(clip_bytes) // 2 + 7
        response = alice_client.generic(
            "PATCH",
            started,
            HTTP_UPLOAD_OFFSET="0",
            CONTENT_TYPE="application/offset+octet-stream",
            CONTENT_LENGTH=str(len(clip_bytes)),
            **{"wsgi.input": _CutOffBody(clip_bytes[:arrived], reset=reset)},
            **TUS,
        )
        assert response.status_code == 204
        assert _upload(started).locked_until is None

        offset = int(_head(alice_client, started)["Upload-Offset"])
        assert offset == arrived
        response = _patch(alice_client, started, clip_bytes[offset:], offset)

        assert response.status_code == 204
        assert Submission.objects.get().sha256 == _sha256(clip_bytes)

    def test_bytes_past_the_stored_offset_do_not_count(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes[:100], 0)
        # A request that wrote more but died before storing its offset.
        with open(upload_part_path(_upload(started).pk), "ab") as part:
            part.write(b"junk" * 1000)

        assert _patch(alice_client, started, clip_bytes[100:], 100).status_code == 204
        assert Submission.objects.get().sha256 == _sha256(clip_bytes)

    def test_missing_bytes_move_the_offset_back_to_what_is_on_disk(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes[:100], 0)
        upload_part_path(_upload(started).pk).unlink()

        assert _patch(alice_client, started, clip_bytes[100:], 100).status_code == 409
        assert _head(alice_client, started)["Upload-Offset"] == "0"
        assert _patch(alice_client, started, clip_bytes, 0).status_code == 204

    def test_the_body_is_read_in_pieces_of_at_most_a_mebibyte(self, alice_client, contest):
        size = 3 * uploads.READ_SIZE + 5
        url = _create(alice_client, contest, size * 2)["Location"]
        body = _RecordingBody(b"\0" * size)

        response = alice_client.generic(
            "PATCH",
            url,
            HTTP_UPLOAD_OFFSET="0",
            CONTENT_TYPE="application/offset+octet-stream",
            CONTENT_LENGTH=str(size),
            **{"wsgi.input": body},
            **TUS,
        )

        assert response.status_code == 204
        assert response["Upload-Offset"] == str(size)
        assert body.reads and max(body.reads) <= uploads.READ_SIZE

    def test_a_long_transfer_keeps_renewing_its_hold(self, alice_client, started, clip_bytes):
        holds = []

        class SlowBody(io.BytesIO):
            def read(self, size=-1):
                holds.append(Upload.objects.get().locked_until)
                traveller.shift(datetime.timedelta(seconds=15))
                return super().read(min(size, 1000))

        with time_machine.travel(timezone.now(), tick=False) as traveller:
            response = alice_client.generic(
                "PATCH",
                started,
                HTTP_UPLOAD_OFFSET="0",
                CONTENT_TYPE="application/offset+octet-stream",
                CONTENT_LENGTH="3000",
                **{"wsgi.input": SlowBody(clip_bytes[:3000])},
                **TUS,
            )

        assert response.status_code == 204
        assert holds[0] < holds[1] < holds[2]
        assert _upload(started).locked_until is None

    def test_a_transfer_whose_hold_was_taken_over_stops_and_stores_nothing(
        self, alice_client, started, clip_bytes
    ):
        upload = _upload(started)

        class StalledBody(io.BytesIO):
            def read(self, size=-1):
                if self.tell():
                    # The client stalled past the hold; another request took the upload over meanwhile.
                    traveller.shift(datetime.timedelta(seconds=90))
                    Upload.objects.filter(pk=upload.pk).update(
                        locked_until=timezone.now() + datetime.timedelta(seconds=60)
                    )
                return super().read(min(size, 1000))

        with time_machine.travel(timezone.now(), tick=False) as traveller:
            response = alice_client.generic(
                "PATCH",
                started,
                HTTP_UPLOAD_OFFSET="0",
                CONTENT_TYPE="application/offset+octet-stream",
                CONTENT_LENGTH="3000",
                **{"wsgi.input": StalledBody(clip_bytes[:3000])},
                **TUS,
            )

        assert response.status_code == 423
        assert _upload(started).offset == 0
        assert upload_part_path(upload.pk).stat().st_size == 1000

    def test_a_chunked_body_is_asked_for_its_length(self, alice_client, started):
        response = alice_client.generic(
            "PATCH",
            started,
            HTTP_UPLOAD_OFFSET="0",
            HTTP_TRANSFER_ENCODING="chunked",
            CONTENT_TYPE="application/offset+octet-stream",
            **TUS,
        )
        assert response.status_code == 411

    def test_a_wrong_offset_gets_409_and_changes_nothing(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes[:100], 0)

        for offset in (0, 50, 101):
            response = _patch(alice_client, started, clip_bytes[offset : offset + 10], offset)
            assert response.status_code == 409
            assert "100" in response.content.decode()
            assert "Upload-Refusal" not in response
        assert _upload(started).offset == 100
        assert upload_part_path(_upload(started).pk).read_bytes() == clip_bytes[:100]

    def test_a_patch_without_the_offset_stream_content_type_gets_415(self, alice_client, started, clip_bytes):
        response = alice_client.generic(
            "PATCH",
            started,
            clip_bytes[:10],
            content_type="application/octet-stream",
            HTTP_UPLOAD_OFFSET="0",
            **TUS,
        )
        assert response.status_code == 415
        assert _upload(started).offset == 0

    def test_a_patch_going_past_the_upload_length_gets_413(self, alice_client, started, clip_bytes):
        response = _patch(alice_client, started, clip_bytes + b"extra", 0)

        assert response.status_code == 413
        assert _upload(started).offset == 0
        assert upload_part_path(_upload(started).pk).read_bytes() == b""

    @pytest.mark.parametrize("offset", ["", "abc", "-5", "1.5"])
    def test_a_garbage_upload_offset_gets_400(self, alice_client, started, offset):
        response = alice_client.generic(
            "PATCH",
            started,
            b"abc",
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET=offset,
            **TUS,
        )
        assert response.status_code == 400

    def test_a_patch_while_another_one_holds_the_upload_gets_423(self, alice_client, started, clip_bytes):
        Upload.objects.filter(pk=_upload(started).pk).update(
            locked_until=timezone.now() + datetime.timedelta(seconds=30)
        )

        assert _patch(alice_client, started, clip_bytes[:10], 0).status_code == 423
        assert upload_part_path(_upload(started).pk).read_bytes() == b""

    def test_a_patch_whose_upload_moved_on_after_it_was_read_gets_409(
        self, alice_client, started, clip_bytes, monkeypatch
    ):
        # Another request stores its 10 bytes between this one reading the upload and taking the hold.
        upload = _upload(started)
        check_open = uploads.contest_check_open

        def meanwhile(contest, *args, **kwargs):
            upload_part_path(upload.pk).parent.mkdir(parents=True, exist_ok=True)
            upload_part_path(upload.pk).write_bytes(clip_bytes[:10])
            Upload.objects.filter(pk=upload.pk).update(offset=10)
            check_open(contest, *args, **kwargs)

        monkeypatch.setattr(uploads, "contest_check_open", meanwhile)
        response = _patch(alice_client, started, b"x" * 10, 0)

        assert response.status_code == 409
        assert "10" in response.content.decode()
        upload.refresh_from_db()
        assert (upload.offset, upload.locked_until) == (10, None)
        assert upload_part_path(upload.pk).read_bytes() == clip_bytes[:10]

    def test_a_patch_whose_upload_was_refused_after_it_was_read_gets_410(
        self, alice_client, started, clip_bytes, monkeypatch
    ):
        upload = _upload(started)
        check_open = uploads.contest_check_open

        def meanwhile(contest, *args, **kwargs):
            Upload.objects.filter(pk=upload.pk).update(state=Upload.State.REFUSED, refusal="Refused meanwhile.")
            check_open(contest, *args, **kwargs)

        monkeypatch.setattr(uploads, "contest_check_open", meanwhile)
        response = _patch(alice_client, started, clip_bytes[:10], 0)

        assert response.status_code == 410
        assert response.content.decode() == "Refused meanwhile."
        assert _upload(started).offset == 0

    def test_a_lapsed_hold_is_taken_over(self, alice_client, started, clip_bytes):
        Upload.objects.filter(pk=_upload(started).pk).update(
            locked_until=timezone.now() - datetime.timedelta(seconds=1)
        )

        assert _patch(alice_client, started, clip_bytes[:10], 0).status_code == 204

    def test_a_writer_whose_hold_was_taken_over_stops_without_storing_its_offset(
        self, alice_client, started, english
    ):
        upload = _upload(started)
        lease = uploads._Lease(upload.pk)
        assert lease.acquire()
        # Another request took the upload over after this one's hold lapsed.
        Upload.objects.filter(pk=upload.pk).update(locked_until=timezone.now() + datetime.timedelta(minutes=5))

        with pytest.raises(uploads.UploadLocked, match="Another request took over this upload"):
            lease.update(offset=10)
        assert _upload(started).offset == 0

    def test_a_patch_extends_the_expiry(self, alice_client, started, clip_bytes):
        later = timezone.now() + datetime.timedelta(days=3)
        with time_machine.travel(later, tick=False):
            response = _patch(alice_client, started, clip_bytes[:10], 0)

        assert parse_http_date(response["Upload-Expires"]) == int((later + datetime.timedelta(days=7)).timestamp())
        assert _upload(started).expires_at == later + datetime.timedelta(days=7)

    def test_after_the_deadline_a_patch_gets_403(self, alice_client, contest, started, clip_bytes):
        Contest.objects.filter(pk=contest.pk).update(closes_at=timezone.now() + datetime.timedelta(hours=1))
        contest.refresh_from_db()
        with time_machine.travel(contest.closes_at + datetime.timedelta(seconds=1), tick=False):
            response = _patch(alice_client, started, clip_bytes[:10], 0)
        assert response.status_code == 403

    def test_a_patch_overridden_from_a_post_works(self, alice_client, started, clip_bytes):
        response = alice_client.generic(
            "POST",
            started,
            clip_bytes[:10],
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET="0",
            HTTP_X_HTTP_METHOD_OVERRIDE="PATCH",
            **TUS,
        )
        assert response.status_code == 204
        assert response["Upload-Offset"] == "10"


class TestChecksum:
    @pytest.mark.parametrize("algorithm", ["sha1", "md5", "sha256"])
    def test_a_matching_checksum_is_accepted(self, alice_client, started, clip_bytes, algorithm):
        digest = base64.b64encode(hashlib.new(algorithm, clip_bytes[:100]).digest()).decode()

        response = _patch(alice_client, started, clip_bytes[:100], 0, HTTP_UPLOAD_CHECKSUM=f"{algorithm} {digest}")

        assert response.status_code == 204
        assert response["Upload-Offset"] == "100"

    def test_a_mismatch_gets_460_and_the_bytes_are_discarded(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes[:100], 0)
        wrong = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()

        response = _patch(alice_client, started, clip_bytes[100:200], 100, HTTP_UPLOAD_CHECKSUM=f"sha1 {wrong}")

        assert response.status_code == 460
        assert response.reason_phrase == "Checksum Mismatch"
        assert _head(alice_client, started)["Upload-Offset"] == "100"
        assert upload_part_path(_upload(started).pk).read_bytes() == clip_bytes[:100]
        assert _upload(started).locked_until is None

    def test_a_cut_off_body_with_a_checksum_is_dropped_whole(self, alice_client, started, clip_bytes):
        digest = base64.b64encode(hashlib.sha1(clip_bytes[:100]).digest()).decode()

        response = alice_client.generic(
            "PATCH",
            started,
            HTTP_UPLOAD_OFFSET="0",
            HTTP_UPLOAD_CHECKSUM=f"sha1 {digest}",
            CONTENT_TYPE="application/offset+octet-stream",
            CONTENT_LENGTH="100",
            **{"wsgi.input": _CutOffBody(clip_bytes[:60])},
            **TUS,
        )

        assert response.status_code == 204
        assert response["Upload-Offset"] == "0"
        assert upload_part_path(_upload(started).pk).read_bytes() == b""

    @pytest.mark.parametrize("header", ["crc32 AAAA", "sha1 not-base64!", "sha1 AAAA", "sha1"])
    def test_an_unsupported_or_garbled_checksum_gets_400(self, alice_client, started, clip_bytes, header):
        response = _patch(alice_client, started, clip_bytes[:100], 0, HTTP_UPLOAD_CHECKSUM=header)
        assert response.status_code == 400
        assert _upload(started).offset == 0


class TestCompletion:
    def test_a_renamed_jpeg_is_refused_with_a_clear_message_and_leaves_nothing(
        self, alice_client, contest, tmp_path
    ):
        picture = make_jpeg(tmp_path / "clip của em.mp4").read_bytes()
        url = _create(alice_client, contest, len(picture), filename="clip của em.mp4")["Location"]

        response = _patch(alice_client, url, picture, 0)

        assert response.status_code == 415
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        message = response.content.decode()
        assert "(JPEG) is not accepted" in message
        assert not Submission.objects.exists()
        upload = _upload(url)
        assert (upload.state, upload.refusal) == (Upload.State.REFUSED, message)
        assert not upload_part_path(upload.pk).exists()
        assert not list((upload_part_path(upload.pk).parent).iterdir())

        head = _head(alice_client, url)
        assert head.status_code == 410
        assert unquote(head["Upload-Refusal"]) == message
        assert _patch(alice_client, url, b"", len(picture)).status_code == 410

    def test_uploads_in_progress_do_not_count_but_the_fourth_to_complete_is_refused(
        self, alice_client, contest, alice, started, submit, clip_bytes
    ):
        for number in range(3):
            submit(alice.registrations.get(), title=f"Clip {number + 1}")

        response = _patch(alice_client, started, clip_bytes, 0)

        assert response.status_code == 409
        assert "at most 3 clips" in response.content.decode()
        assert "Upload-Refusal" in response
        assert Submission.objects.count() == 3
        assert _upload(started).state == Upload.State.REFUSED
        assert not upload_part_path(_upload(started).pk).exists()

    def test_a_failure_other_than_a_refusal_keeps_every_byte_for_a_retry(
        self, alice_client, started, clip_bytes, monkeypatch
    ):
        def broken(**kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(uploads, "submission_create", broken)
        with pytest.raises(RuntimeError, match="database went away"):
            _patch(alice_client, started, clip_bytes, 0)
        monkeypatch.undo()

        upload = _upload(started)
        assert (upload.state, upload.offset, upload.locked_until) == (
            Upload.State.CHECKING,
            len(clip_bytes),
            None,
        )
        assert upload_part_path(upload.pk).read_bytes() == clip_bytes
        # An empty PATCH at the end finishes the job (so does the sweep of stalled checks, see below).
        response = _patch(alice_client, started, b"", len(clip_bytes))
        assert response.status_code == 204
        assert Submission.objects.get().sha256 == _sha256(clip_bytes)


@pytest.fixture
def with_worker(monkeypatch):
    """The check waits for a worker, as in production: the checks queued are held here (the broker's part)
    and the test does the worker's part itself."""
    queued = []
    monkeypatch.setattr(upload_check_task, "delay", queued.append)
    return queued


class TestCheckByWorker:
    def test_the_last_patch_answers_at_once_and_head_tells_when_the_check_is_done(
        self, alice_client, started, clip_bytes, with_worker
    ):
        response = _patch(alice_client, started, clip_bytes, 0)

        assert response.status_code == 204
        assert response["Upload-Offset"] == str(len(clip_bytes))
        assert "Upload-Submission" not in response
        assert not Submission.objects.exists()
        upload = _upload(started)
        assert (upload.state, upload.locked_until) == (Upload.State.CHECKING, None)
        head = _head(alice_client, started)
        assert (head.status_code, head["Upload-Offset"], "Upload-Submission" in head) == (
            200,
            str(len(clip_bytes)),
            False,
        )
        # More bytes are refused; an empty PATCH changes nothing.
        assert _patch(alice_client, started, b"x", len(clip_bytes)).status_code == 413
        assert _patch(alice_client, started, b"", len(clip_bytes)).status_code == 204

        uploads.upload_check(upload_id=upload.pk)  # what the worker does

        submission = Submission.objects.get()
        assert submission.sha256 == _sha256(clip_bytes)
        assert submission.submitted_at == upload.received_at
        head = _head(alice_client, started)
        assert head["Upload-Submission"] == submission.code
        assert head["Upload-Receipt"] == reverse("submissions:receipt", args=["test-contest", submission.code])
        assert not upload_part_path(upload.pk).exists()

    def test_a_clip_whose_last_byte_came_before_the_deadline_counts_though_checked_after(
        self, alice_client, contest, started, clip_bytes, with_worker
    ):
        Contest.objects.filter(pk=contest.pk).update(closes_at=timezone.now() + datetime.timedelta(minutes=1))
        _patch(alice_client, started, clip_bytes, 0)
        received_at = _upload(started).received_at

        with time_machine.travel(received_at + datetime.timedelta(minutes=5), tick=False):
            uploads.upload_check(upload_id=_upload(started).pk)

        submission = Submission.objects.get()
        assert submission.submitted_at == received_at < Contest.objects.get(pk=contest.pk).closes_at

    def test_a_refusal_found_by_the_worker_is_told_by_head(self, alice_client, contest, tmp_path, with_worker):
        picture = make_jpeg(tmp_path / "clip.mp4").read_bytes()
        url = _create(alice_client, contest, len(picture), filename="clip.mp4")["Location"]
        assert _patch(alice_client, url, picture, 0).status_code == 204

        with pytest.raises(uploads.FileNotAccepted):
            uploads.upload_check(upload_id=_upload(url).pk)

        upload = _upload(url)
        assert (upload.state, upload.refusal_status) == (Upload.State.REFUSED, 415)
        head = _head(alice_client, url)
        assert head.status_code == 410
        assert "(JPEG) is not accepted" in unquote(head["Upload-Refusal"])

    def test_a_check_whose_worker_died_is_queued_again_by_the_sweep(
        self, alice_client, started, clip_bytes, with_worker
    ):
        _patch(alice_client, started, clip_bytes, 0)
        upload = _upload(started)
        assert with_worker == [str(upload.pk)]
        assert upload.check_queued_at == upload.received_at
        # Sent a moment ago (it may wait in a long queue), or held by a worker: left alone.
        assert uploads.upload_check_stalled(now=upload.received_at + datetime.timedelta(minutes=9)) == 0
        held = Upload.objects.filter(pk=upload.pk)
        held.update(locked_until=timezone.now() + datetime.timedelta(minutes=15))
        assert uploads.upload_check_stalled(now=timezone.now() + datetime.timedelta(minutes=11)) == 0
        assert with_worker == [str(upload.pk)]

        # The worker died: its hold ran out, and the check was sent long ago. Sent again, once.
        held.update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
        later = timezone.now() + datetime.timedelta(minutes=11)
        assert uploads.upload_check_stalled(now=later) == 1
        assert uploads.upload_check_stalled(now=later + datetime.timedelta(minutes=1)) == 0
        assert with_worker == [str(upload.pk), str(upload.pk)]
        assert _upload(started).check_queued_at == later

        upload_check_task(str(upload.pk))  # the worker's part
        assert _upload(started).state == Upload.State.COMPLETE
        assert Submission.objects.get().sha256 == _sha256(clip_bytes)

    def test_a_second_check_of_the_same_upload_does_nothing(self, alice_client, started, clip_bytes, with_worker):
        _patch(alice_client, started, clip_bytes, 0)
        upload_id = _upload(started).pk
        uploads.upload_check(upload_id=upload_id)

        assert uploads.upload_check(upload_id=upload_id) is None
        assert Submission.objects.count() == 1


class TestCompletionDocuments:
    def test_documents_follow_a_received_clip(self, alice_client, started, clip_bytes, tmp_path):
        _patch(alice_client, started, clip_bytes, 0)
        pdf = make_pdf(tmp_path / "kịch bản.pdf")
        url = reverse("submissions:tus_documents", args=[_upload(started).pk])

        with pdf.open("rb") as document:
            response = alice_client.post(url, {"documents": [document]}, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 200
        (document,) = SubmissionDocument.objects.all()
        assert (document.submission, document.original_filename) == (Submission.objects.get(), "kịch bản.pdf")
        assert document.sha256 == _sha256(pdf.read_bytes())

    def test_a_document_that_is_not_one_is_refused(self, alice_client, started, clip_bytes, tmp_path):
        _patch(alice_client, started, clip_bytes, 0)
        fake = make_jpeg(tmp_path / "kịch bản.pdf")
        url = reverse("submissions:tus_documents", args=[_upload(started).pk])

        with fake.open("rb") as document:
            response = alice_client.post(url, {"documents": [document]}, HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 415
        assert "not a PDF" in response.content.decode()
        assert not SubmissionDocument.objects.exists()

    def test_documents_cannot_be_added_to_an_unfinished_or_someone_elses_upload(
        self, alice_client, bob_client, started, clip_bytes, tmp_path
    ):
        url = reverse("submissions:tus_documents", args=[_upload(started).pk])
        pdf = make_pdf(tmp_path / "kịch bản.pdf")
        with pdf.open("rb") as document:
            assert alice_client.post(url, {"documents": [document]}).status_code == 404
        _patch(alice_client, started, clip_bytes, 0)
        with pdf.open("rb") as document:
            assert bob_client.post(url, {"documents": [document]}).status_code == 404


class TestOwnership:
    def test_another_entrants_upload_is_not_found(self, alice_client, bob_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes[:100], 0)

        assert _head(bob_client, started).status_code == 404
        assert _patch(bob_client, started, clip_bytes[100:200], 100).status_code == 404
        assert bob_client.delete(started, **TUS).status_code == 404
        assert _upload(started).offset == 100
        assert upload_part_path(_upload(started).pk).read_bytes() == clip_bytes[:100]

    def test_an_unknown_upload_is_not_found(self, alice_client, contest):
        url = reverse("submissions:tus_upload", args=["7f1c8b5e-0000-4000-8000-000000000000"])
        assert _head(alice_client, url).status_code == 404
        assert _patch(alice_client, url, b"abc", 0).status_code == 404

    def test_csrf_protection_stays_on(self, alice, contest, started):
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        client.get(reverse("submissions:submission_new", args=[contest.slug]))
        token = client.cookies["csrftoken"].value

        assert _create(client, contest, 1000).status_code == 403
        assert _patch(client, started, b"abc", 0).status_code == 403
        assert _create(client, contest, 1000, headers={"HTTP_X_CSRFTOKEN": token}).status_code == 201
        assert _patch(client, started, b"abc", 0, HTTP_X_CSRFTOKEN=token).status_code == 204


class TestTermination:
    def test_delete_removes_the_upload_and_its_bytes(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes[:100], 0)
        part = upload_part_path(_upload(started).pk)

        response = alice_client.delete(started, **TUS)

        assert response.status_code == 204
        assert not Upload.objects.exists()
        assert not part.exists()
        assert _head(alice_client, started).status_code == 404

    def test_delete_waits_for_a_running_patch(self, alice_client, started):
        Upload.objects.update(locked_until=timezone.now() + datetime.timedelta(seconds=30))

        assert alice_client.delete(started, **TUS).status_code == 423
        assert Upload.objects.exists()

    def test_a_received_clip_is_not_deleted_through_its_upload(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes, 0)

        response = alice_client.delete(started, **TUS)

        assert response.status_code == 409
        assert "withdraw" in response.content.decode()
        assert Submission.objects.exists()


class TestExpiry:
    def test_an_expired_upload_gets_410_then_is_removed_with_its_bytes(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes[:100], 0)
        part = upload_part_path(_upload(started).pk)

        with time_machine.travel(timezone.now() + datetime.timedelta(days=7, seconds=1), tick=False):
            assert _head(alice_client, started).status_code == 410
            assert _patch(alice_client, started, clip_bytes[100:], 100).status_code == 410
            assert upload_expire_stale() == 1

        assert not Upload.objects.exists()
        assert not part.exists()
        assert _head(alice_client, started).status_code == 404

    def test_an_upload_receiving_a_request_is_never_removed(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes[:100], 0)
        later = timezone.now() + datetime.timedelta(days=8)
        Upload.objects.update(locked_until=later + datetime.timedelta(seconds=30))

        assert upload_expire_stale(now=later) == 0
        assert upload_part_path(_upload(started).pk).read_bytes() == clip_bytes[:100]

    def test_an_upload_still_in_time_is_kept(self, alice_client, started):
        assert upload_expire_stale(now=timezone.now() + datetime.timedelta(days=6)) == 0
        assert Upload.objects.exists()

    def test_received_clips_keep_their_upload_record(self, alice_client, started, clip_bytes):
        _patch(alice_client, started, clip_bytes, 0)
        assert upload_expire_stale(now=timezone.now() + datetime.timedelta(days=30)) == 0
        assert Upload.objects.get().state == Upload.State.COMPLETE

    def test_refused_uploads_are_forgotten_once_expired(self, alice_client, contest, tmp_path):
        picture = make_jpeg(tmp_path / "clip.mp4").read_bytes()
        url = _create(alice_client, contest, len(picture))["Location"]
        _patch(alice_client, url, picture, 0)

        assert upload_expire_stale(now=timezone.now() + datetime.timedelta(days=8)) == 1
        assert not Upload.objects.exists()

    def test_the_periodic_task_and_the_command_run_the_same_service(self, alice_client, started, capsys):
        with time_machine.travel(timezone.now() + datetime.timedelta(days=8), tick=False):
            call_command("expire_uploads")
            assert uploads_expire_task.delay().get() == 0

        assert "1 expired upload(s) removed." in capsys.readouterr().out
        assert not Upload.objects.exists()


def test_resume_work_sends_again_every_check_nobody_holds(alice_client, started, clip_bytes, monkeypatch, capsys):
    queued = []
    monkeypatch.setattr(upload_check_task, "delay", queued.append)
    _patch(alice_client, started, clip_bytes, 0)
    upload = _upload(started)
    assert queued == [str(upload.pk)]

    call_command("resume_work")

    assert queued == [str(upload.pk), str(upload.pk)]
    assert "0 clip(s) queued for media work, 1 upload check(s) queued." in capsys.readouterr().out
