"""Garbage in the tus headers: NUL in Upload-Metadata (PostgreSQL refuses it in the stored file name), and numbers of
thousands of digits where byte counts go. Each is refused with 400 and its message; nothing is stored."""

import base64

import pytest
from django.test import Client
from django.urls import reverse

from submissions import uploads
from submissions.models import Upload
from tests.conftest import ALICE_ID

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_ACCEPT_LANGUAGE": "en"}


def _metadata(**values):
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


@pytest.fixture
def registration(alice, register):
    return register(alice, "Lò Thị Alice", ALICE_ID)


@pytest.fixture
def alice_client(alice, registration):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


def _details(contest, **changes):
    details = {
        "filename": "bản em.mp4",
        "title": "Bản em lên số",
        "genre": str(contest.genres.first().pk),
        "summary": "Người dân bản Mòng bán nông sản qua mạng.",
    }
    return {**details, **changes}


class TestCreation:
    @pytest.mark.parametrize("key", ["filename", "filetype", "title"])
    def test_nul_in_a_metadata_value_is_refused_and_nothing_is_stored(self, alice_client, contest, key):
        metadata = _metadata(**_details(contest, **{key: "bản\x00em"}))

        response = alice_client.post(
            reverse("submissions:tus_create", args=[contest.slug]),
            HTTP_UPLOAD_LENGTH="1000",
            HTTP_UPLOAD_METADATA=metadata,
            **TUS,
        )

        assert response.status_code == 400
        assert response.content.decode() == "Upload-Metadata holds a character that is not allowed (NUL)."
        assert not Upload.objects.exists()

    def test_an_upload_length_of_5000_digits_is_refused(self, alice_client, contest):
        response = alice_client.post(
            reverse("submissions:tus_create", args=[contest.slug]),
            HTTP_UPLOAD_LENGTH="9" * 5000,
            HTTP_UPLOAD_METADATA=_metadata(**_details(contest)),
            **TUS,
        )

        assert response.status_code == 400
        assert response.content.decode() == "Upload-Length must be a number of bytes."
        assert not Upload.objects.exists()

    def test_the_same_metadata_without_nul_starts_the_upload(self, alice_client, contest):
        response = alice_client.post(
            reverse("submissions:tus_create", args=[contest.slug]),
            HTTP_UPLOAD_LENGTH="1000",
            HTTP_UPLOAD_METADATA=_metadata(**_details(contest)),
            **TUS,
        )

        assert response.status_code == 201
        assert Upload.objects.get().filename == "bản em.mp4"


class TestTransfer:
    @pytest.fixture
    def started(self, registration, contest):
        return uploads.upload_create(
            registration=registration,
            filename="bản em.mp4",
            length=1000,
            title="Bản em lên số",
            genre=contest.genres.first(),
            summary="",
        )

    @pytest.mark.parametrize(
        ("headers", "message"),
        [
            ({"HTTP_UPLOAD_OFFSET": "9" * 5000}, "Upload-Offset must be a number of bytes."),
            (
                {"HTTP_UPLOAD_OFFSET": "0", "CONTENT_LENGTH": "9" * 5000},
                "Content-Length must be a number of bytes.",
            ),
        ],
    )
    def test_a_count_of_5000_digits_is_refused_and_nothing_is_written(
        self, alice_client, started, headers, message
    ):
        response = alice_client.generic(
            "PATCH",
            reverse("submissions:tus_upload", args=[started.pk]),
            b"x" * 10,
            content_type="application/offset+octet-stream",
            **{**TUS, **headers},
        )

        assert response.status_code == 400
        assert response.content.decode() == message
        started.refresh_from_db()
        assert started.offset == 0
