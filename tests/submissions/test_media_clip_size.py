"""The refusal of a clip over the contest's size: the two sizes it shows always differ, even one byte over."""

import base64

import pytest
from django.urls import reverse
from django.utils import translation

from contest_portal.refusals import FileTooLarge
from submissions.services import submission_check_allowed
from tests.conftest import ALICE_ID

pytestmark = pytest.mark.django_db

GIB = 1024**3


@pytest.fixture
def registration(contest, register, alice):
    contest.max_clip_size = 4 * GIB
    contest.save()
    return register(alice, "Lò Thị Alice", ALICE_ID)


def test_a_clip_one_byte_over_shows_both_exact_sizes_grouped_in_vietnamese(registration):
    with translation.override("vi"), pytest.raises(FileTooLarge, match="dung lượng tối đa") as refusal:
        submission_check_allowed(registration=registration, size=4 * GIB + 1)

    assert str(refusal.value.message) == (
        "Clip có dung lượng 4,0\xa0GB (4.294.967.297 byte); "
        "dung lượng tối đa được chấp nhận là 4,0\xa0GB (4.294.967.296 byte)."
    )


def test_a_clip_one_byte_over_shows_both_exact_sizes_in_english(registration):
    with translation.override("en"), pytest.raises(FileTooLarge, match="the largest accepted") as refusal:
        submission_check_allowed(registration=registration, size=4 * GIB + 1)

    assert str(refusal.value.message) == (
        "The clip is 4.0\xa0GB (4,294,967,297 bytes); the largest accepted is 4.0\xa0GB (4,294,967,296 bytes)."
    )


def test_a_clip_well_over_shows_the_rounded_sizes_only(registration):
    # Rounded, 5.0 and 4.0 GB already differ: no need for ten-digit numbers.
    with translation.override("en"), pytest.raises(FileTooLarge, match="the largest accepted") as refusal:
        submission_check_allowed(registration=registration, size=5 * GIB)

    assert str(refusal.value.message) == "The clip is 5.0\xa0GB; the largest accepted is 4.0\xa0GB."


def test_a_resumable_upload_one_byte_over_is_refused_with_both_exact_sizes(contest, client, alice, registration):
    client.force_login(alice)
    metadata = {
        "filename": "bản em.mp4",
        "title": "Chợ phiên trên điện thoại",
        "genre": str(registration.contest.genres.first().pk),
        "summary": "Người dân bản Mòng bán nông sản qua mạng.",
    }

    response = client.generic(
        "POST",
        reverse("submissions:tus_create", args=[contest.slug]),
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH=str(4 * GIB + 1),
        HTTP_UPLOAD_METADATA=",".join(
            f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
        ),
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    assert response.status_code == 413
    assert "4.294.967.297 byte" in response.content.decode()
    assert "4.294.967.296 byte" in response.content.decode()
