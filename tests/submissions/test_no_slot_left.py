"""An entrant with no clip left is told why, and how to free a place, instead of being shown the clip form."""

import pytest
from django.urls import reverse

from submissions.models import Submission
from tests.conftest import ALICE_ID

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def three_clips(alice, register, submit):
    registration = register(alice, "Lò Thị Alice", ALICE_ID)
    return [submit(registration, title=f"Clip {number}") for number in (1, 2, 3)]


def _form_url(contest):
    return reverse("submissions:submission_new", args=[contest.slug])


def test_the_fourth_clip_s_page_says_why_and_offers_to_withdraw_one_instead_of_the_form(
    client, contest, alice, three_clips
):
    client.force_login(alice)

    response = client.get(_form_url(contest))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="submission-form"' not in html
    assert 'name="clip"' not in html
    assert (
        "Lò Thị Alice is already an author of 3 clips in this contest; each author or group may enter at most 3 clips."
        in html
    )
    for clip in three_clips:
        withdraw = reverse("submissions:withdraw", args=[contest.slug, clip.code])
        assert f'action="{withdraw}"' in html
    assert f'href="{reverse("submissions:my_clips", args=[contest.slug])}"' in html


def test_a_screened_clip_is_not_offered_for_withdrawal(client, contest, alice, three_clips):
    screened = three_clips[0]
    Submission.objects.filter(pk=screened.pk).update(status=Submission.Status.SHORTLISTED)
    client.force_login(alice)

    html = client.get(_form_url(contest)).content.decode()

    assert reverse("submissions:withdraw", args=[contest.slug, screened.code]) not in html
    assert reverse("submissions:withdraw", args=[contest.slug, three_clips[1].code]) in html


def test_withdrawing_one_from_the_page_brings_the_form_back(client, contest, alice, three_clips):
    client.force_login(alice)

    response = client.post(reverse("submissions:withdraw", args=[contest.slug, three_clips[2].code]))

    assert response.status_code == 302
    assert 'id="submission-form"' in client.get(_form_url(contest)).content.decode()


def test_a_clip_posted_anyway_is_still_refused(client, contest, alice, three_clips, clip_path):
    client.force_login(alice)

    with open(clip_path, "rb") as clip:
        response = client.post(
            _form_url(contest),
            {"title": "Clip 4", "genre": contest.genres.first().pk, "summary": "Một clip nữa.", "clip": clip},
        )

    assert response.status_code == 409
    assert Submission.objects.count() == 3
