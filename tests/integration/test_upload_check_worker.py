"""A resumable upload's last byte through the real chain: PATCH -> Redis -> `celery worker` checks the file ->
HEAD tells the entrant's script where the receipt is."""

import base64
import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from submissions.models import Submission, Upload
from tests.conftest import ALICE_ID
from tests.integration.polling import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.worker]

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_ACCEPT_LANGUAGE": "en"}


def _metadata(**values):
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in values.items())


def test_the_worker_checks_the_received_clip_and_head_then_points_to_the_receipt(
    celery_worker, contest, alice, register, clip_path
):
    register(alice, "Lò Thị Alice", ALICE_ID)
    client = Client()
    client.force_login(alice)
    data = clip_path.read_bytes()
    created = client.generic(
        "POST",
        reverse("submissions:tus_create", args=[contest.slug]),
        HTTP_UPLOAD_LENGTH=str(len(data)),
        HTTP_UPLOAD_METADATA=_metadata(
            filename="chợ phiên.mp4", title="Chợ phiên", genre=contest.genres.first().pk, summary="Bán nông sản."
        ),
        **TUS,
    )
    url = created["Location"]
    half = len(data) // 2
    for offset, piece in ((0, data[:half]), (half, data[half:])):
        response = client.generic(
            "PATCH",
            url,
            piece,
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET=str(offset),
            **TUS,
        )
        assert response.status_code == 204
    assert response["Upload-Offset"] == str(len(data))

    head = wait_until(
        lambda: (answer := client.head(url, **TUS)).has_header("Upload-Submission") and answer,
        timeout=60,
        what="the worker to check the clip",
    )

    upload = Upload.objects.get()
    submission = Submission.objects.get()
    assert (upload.state, upload.submission) == (Upload.State.COMPLETE, submission)
    assert head["Upload-Receipt"] == reverse("submissions:receipt", args=[contest.slug, submission.code])
    assert submission.sha256 == hashlib.sha256(data).hexdigest()
    assert submission.submitted_at == upload.received_at
    assert f"upload {upload.pk} became submission {submission.code}" in celery_worker.log()
