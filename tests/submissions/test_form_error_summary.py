"""Every entrant form that comes back with errors lists them all at its top, each named by its field's label
and linking to the field (snippets/form_errors.html): on a phone the fields marked in red may be thousands of
pixels further down."""

import re
from html import unescape

import pytest
from django.urls import reverse

from submissions.coauthors import coauthor_token
from submissions.models import CoAuthor, Guardian, Registration, Submission
from tests.conftest import ALICE_ID, BOB_ID, make_user, registration_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    client.cookies["django_language"] = "en"


def _summary(response):
    """The summary's items as (link target or None, text), in the page's order."""
    html = response.content.decode()
    match = re.search(r'<div class="message error error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no error summary on the page"
    items = re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    found = []
    for item in items:
        link = re.match(r'<a href="#([^"]+)">(.*)</a>$', item.strip(), re.S)
        found.append((link.group(1), unescape(link.group(2))) if link else (None, unescape(item.strip())))
    return found


def _summary_position(response):
    return response.content.decode().index('id="error-summary"')


class TestTheRegistrationForm:
    def test_a_post_with_errors_in_a_main_field_and_a_co_author_s_lists_both_at_the_top(
        self, client, contest, alice
    ):
        client.force_login(alice)
        data = registration_post(
            contest,
            full_name="",
            group_name="Nhóm Bản Mòng",
            **{
                "coauthors-TOTAL_FORMS": "2",
                "coauthors-0-full_name": "Tòng Văn Dũng",
                "coauthors-0-email": "dung@example.com",
                "coauthors-0-date_of_birth": BOB_ID[1].isoformat(),
                "coauthors-0-id_number": BOB_ID[0],
                "coauthors-1-full_name": "Vì Thị Phương",
                "coauthors-1-email": "not an address",
                "coauthors-1-date_of_birth": "2002-09-09",
                "coauthors-1-id_number": "014302007777",
            },
        )

        response = client.post(reverse("submissions:registration", args=[contest.slug]), data)

        assert response.status_code == 400
        summary = _summary(response)
        assert ("id_full_name", "Full name: This field is required.") in summary
        assert ("id_coauthors-1-email", "Co-author 2 — E-mail: Enter a valid email address.") in summary
        assert len(summary) == 2
        html = response.content.decode()
        assert _summary_position(response) < html.index('id="registration-form"')
        assert 'id="id_full_name"' in html and 'id="id_coauthors-1-email"' in html
        assert not Registration.objects.exists()
        assert not CoAuthor.objects.exists()

    def test_the_summary_is_an_alert_that_takes_the_focus(self, client, contest, alice):
        client.force_login(alice)

        response = client.post(
            reverse("submissions:registration", args=[contest.slug]), registration_post(contest, email="")
        )

        html = response.content.decode()
        assert re.search(r'<div class="message error error-summary" role="alert" tabindex="-1"', html)
        assert "js/form-errors.js" in html
        assert "Please correct 1 problem:" in html

    def test_a_group_of_radio_buttons_is_linked_by_its_first_button(self, client, contest, alice):
        client.force_login(alice)

        response = client.post(
            reverse("submissions:registration", args=[contest.slug]), registration_post(contest, gender="")
        )

        (target, text), *_ = _summary(response)
        assert target == "id_gender_0"
        assert 'id="id_gender_0"' in response.content.decode()

    def test_the_same_address_twice_is_named_on_the_second_co_author(self, client, contest, alice):
        client.force_login(alice)
        data = registration_post(
            contest,
            group_name="Nhóm",
            **{
                "coauthors-TOTAL_FORMS": "2",
                "coauthors-0-full_name": "Tòng Văn Dũng",
                "coauthors-0-email": "dung@example.com",
                "coauthors-0-date_of_birth": BOB_ID[1].isoformat(),
                "coauthors-0-id_number": BOB_ID[0],
                "coauthors-1-full_name": "Vì Thị Phương",
                "coauthors-1-email": "DUNG@example.com",
                "coauthors-1-date_of_birth": "2002-09-09",
                "coauthors-1-id_number": "014302007777",
            },
        )

        response = client.post(reverse("submissions:registration", args=[contest.slug]), data)

        assert _summary(response) == [
            (
                "id_coauthors-1-email",
                "Co-author 2 — E-mail: Each co-author needs their own e-mail address: the invitation goes there.",
            )
        ]

    def test_a_pupil_s_missing_guardian_is_listed_under_the_guardian(self, client, contest):
        pupil = make_user("na@example.com")
        client.force_login(pupil)
        born = contest.closes_at.date().replace(year=contest.closes_at.year - 12)
        data = registration_post(
            contest,
            full_name="Lò Thị Na",
            date_of_birth=born.isoformat(),
            id_number=f"0143{born.year % 100:02d}001234",
            email="na@example.com",
        )

        response = client.post(reverse("submissions:registration", args=[contest.slug]), data)

        assert response.status_code == 400
        summary = _summary(response)
        assert ("id_guardian-full_name", "Guardian's full name: This field is required.") in summary
        assert not Guardian.objects.exists()

    def test_an_adult_s_empty_guardian_fields_are_not_listed(self, client, contest, alice):
        client.force_login(alice)

        response = client.post(
            reverse("submissions:registration", args=[contest.slug]), registration_post(contest, address="")
        )

        assert [target for target, _text in _summary(response)] == ["id_address"]

    def test_a_form_without_errors_has_no_summary(self, client, contest, alice):
        client.force_login(alice)

        response = client.get(reverse("submissions:registration", args=[contest.slug]))

        assert 'id="error-summary"' not in response.content.decode()


def _clip_post(contest, **changes):
    data = {"title": "Bản em", "genre": contest.genres.first().pk, "summary": "Một clip ngắn."}
    data.update(changes)
    return data


class TestTheClipForms:
    def test_the_new_clip_form_lists_a_missing_title_and_genre(self, client, contest, alice, register):
        register(alice, "Lò Thị Alice", ALICE_ID)
        client.force_login(alice)

        response = client.post(
            reverse("submissions:submission_new", args=[contest.slug]), _clip_post(contest, title="", genre="")
        )

        assert response.status_code == 400
        targets = [target for target, _text in _summary(response)]
        assert targets == ["id_title", "id_genre_0", "id_clip"]
        assert not Submission.objects.exists()

    def test_a_refusal_of_the_whole_clip_is_said_once_without_a_list_to_correct(
        self, client, contest, alice, register, submit, clip_path
    ):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        for _ in range(3):
            submit(registration)
        client.force_login(alice)

        with open(clip_path, "rb") as clip:
            response = client.post(
                reverse("submissions:submission_new", args=[contest.slug]), _clip_post(contest, clip=clip)
            )

        assert response.status_code == 409
        html = response.content.decode()
        assert html.count("Lò Thị Alice is already an author of 3 clips") == 1
        assert _summary(response) == [
            (
                None,
                "Lò Thị Alice is already an author of 3 clips in this contest; each author or group may enter at most 3 clips.",
            )
        ]
        assert "Please correct" not in html
        assert Submission.objects.count() == 3

    def test_the_edit_form_lists_an_empty_title(self, client, contest, alice, register, submit):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        client.force_login(alice)

        response = client.post(
            reverse("submissions:edit", args=[contest.slug, submission.code]), _clip_post(contest, title="")
        )

        assert response.status_code == 400
        assert _summary(response) == [("id_title", "Title: This field is required.")]
        submission.refresh_from_db()
        assert submission.title == "Chuyển đổi số ở bản em"


class TestTheCoAuthorsConfirmation:
    def test_a_missing_consent_and_id_number_are_listed(self, client, contest, alice, register):
        registration = register(
            alice,
            "Lò Thị Alice",
            ALICE_ID,
            group_name="Nhóm Bản Mòng",
            coauthors=[{"full_name": "Tòng Văn Dũng", "date_of_birth": BOB_ID[1], "id_number": BOB_ID[0]}],
        )
        coauthor = registration.coauthors.get()
        client.force_login(make_user(coauthor.email))

        response = client.post(
            reverse("submissions:coauthor_invitation", args=[coauthor_token(coauthor)]),
            {
                "full_name": "Tòng Văn Dũng",
                "date_of_birth": BOB_ID[1].isoformat(),
                "id_number": "",
                "organisation": "",
                "phone": "",
                "accepts_rules": "on",
                "consents_to_data_processing": "on",
            },
        )

        assert response.status_code == 400
        targets = [target for target, _text in _summary(response)]
        assert targets == ["id_id_number", "id_consents_to_publication"]
        coauthor.refresh_from_db()
        assert coauthor.confirmed_at is None
