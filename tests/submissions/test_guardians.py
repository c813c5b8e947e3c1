"""Authors under the contest's guardian age (16 on the day entries close) take part with a guardian's consent,
given by a mailed link that needs no account; until then their clips are not screened."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contest_portal.mail.models import OutgoingMail
from contest_portal.refusals import Refusal
from submissions.coauthors import coauthor_token
from submissions.guardians import guardian_token
from submissions.models import Consent, Guardian, Submission
from submissions.screening import submission_decide
from tests.conftest import ALICE_ID, make_user, registration_fields

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """The pages' messages are checked as their English source text."""
    client.cookies["django_language"] = "en"


GUARDIAN = {"full_name": "Lò Văn Bố", "relation": "Bố", "phone": "0912333444", "email": "bo@example.com"}


def _id_number(born, gender="female"):
    century = {1900: 0, 2000: 2}[born.year // 100 * 100] + (gender == "female")
    return f"014{century}{born.year % 100:02d}000123"


def _born_years_before_closing(contest, years):
    closing = timezone.localdate(contest.closes_at)
    return closing.replace(year=closing.year - years) + datetime.timedelta(days=1)


@pytest.fixture
def pupil_born(contest):
    """Twelve on the day entries close."""
    return _born_years_before_closing(contest, 12)


@pytest.fixture
def pupil(db):
    return make_user("na@example.com")


def _pupil_fields(contest, born):
    return registration_fields(
        contest,
        full_name="Lò Thị Na",
        person=(_id_number(born), born, "female"),
        email="na@example.com",
    )


@pytest.fixture
def pupil_registration(contest, pupil, pupil_born):
    from submissions.services import registration_save

    return registration_save(
        contest=contest, user=pupil, fields=_pupil_fields(contest, pupil_born), guardian=GUARDIAN
    )


def _consent_link(guardian):
    return reverse("submissions:guardian_consent", args=[guardian_token(guardian)])


class TestTheRegistrant:
    def test_a_pupil_must_name_a_guardian(self, contest, pupil, pupil_born):
        from submissions.services import registration_save

        with pytest.raises(
            Refusal, match="You are under 16 on the day entries close: name your parent or guardian"
        ):
            registration_save(contest=contest, user=pupil, fields=_pupil_fields(contest, pupil_born))
        assert not pupil.registrations.exists()

    def test_the_form_asks_for_the_guardian_of_a_pupil(self, client, contest, pupil, pupil_born):
        from tests.conftest import registration_post

        client.force_login(pupil)
        data = registration_post(
            contest,
            full_name="Lò Thị Na",
            date_of_birth=pupil_born.isoformat(),
            id_number=_id_number(pupil_born),
            email="na@example.com",
        )
        response = client.post(reverse("submissions:registration", args=[contest.slug]), data)
        assert response.status_code == 400
        assert "You are under the guardian age: give your guardian's details." in response.content.decode()

        data.update({f"guardian-{name}": value for name, value in GUARDIAN.items()})
        assert client.post(reverse("submissions:registration", args=[contest.slug]), data).status_code == 302
        guardian = Guardian.objects.get()
        assert (guardian.full_name, guardian.relation, guardian.email, guardian.coauthor) == (
            "Lò Văn Bố",
            "Bố",
            "bo@example.com",
            None,
        )

    def test_an_adult_is_not_asked_for_a_guardian(self, register, alice):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        assert not registration.guardians.exists()

    def test_sixteen_on_the_closing_day_needs_no_guardian(self, contest, pupil):
        from submissions.services import registration_save

        closing = timezone.localdate(contest.closes_at)
        born = closing.replace(year=closing.year - 16)
        registration = registration_save(contest=contest, user=pupil, fields=_pupil_fields(contest, born))
        assert not registration.guardians.exists()

    def test_the_guardian_is_mailed_a_consent_link(self, pupil_registration):
        guardian = pupil_registration.guardians.get()
        mail = OutgoingMail.objects.get(kind="guardian_consent")
        assert mail.to == "bo@example.com"
        assert "Lò Thị Na" in mail.body_text and _consent_link(guardian) in mail.body_text


class TestTheClipWaits:
    def test_a_pupil_s_clip_is_not_screened_before_the_guardian_consents(
        self, client, pupil_registration, submit, office
    ):
        clip = submit(pupil_registration)
        assert Submission.objects.filter(pk=clip.pk).awaiting_guardian().exists()
        with pytest.raises(Refusal, match="waits for a guardian's consent"):
            submission_decide(submission=clip, user=office, decision=Submission.Status.SHORTLISTED)

        guardian = pupil_registration.guardians.get()
        response = client.post(_consent_link(guardian), {"action": "consent"})  # no account, no sign-in

        assert response.status_code == 302
        guardian.refresh_from_db()
        assert guardian.consented_at is not None
        consent = Consent.objects.get(guardian=guardian)
        assert (consent.text.kind, consent.text.version, consent.user) == ("guardian", 1, None)
        assert not Submission.objects.filter(pk=clip.pk).awaiting_guardian().exists()
        submission_decide(submission=clip, user=office, decision=Submission.Status.SHORTLISTED)
        assert Submission.objects.get(pk=clip.pk).status == Submission.Status.SHORTLISTED

    def test_my_clips_says_the_clip_waits_for_the_guardian(
        self, client, contest, pupil, pupil_registration, submit
    ):
        submit(pupil_registration)
        client.force_login(pupil)
        page = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()
        assert "Waiting for a guardian's consent for Lò Thị Na." in page

    def test_the_consent_page_shows_the_text_and_the_child(self, client, pupil_registration, submit):
        clip = submit(pupil_registration)
        page = client.get(_consent_link(pupil_registration.guardians.get())).content.decode()
        assert "Lò Thị Na" in page and clip.code in page and "version 1" in page

    def test_refusing_needs_the_box_ticked(self, client, pupil_registration, submit):
        clip = submit(pupil_registration)
        response = client.post(_consent_link(pupil_registration.guardians.get()), {"action": "refuse"})
        assert response.status_code == 400
        assert "Tick the box" in response.content.decode()
        assert Submission.objects.get(pk=clip.pk).status == Submission.Status.RECEIVED

    def test_an_altered_link_opens_nothing(self, client, pupil_registration):
        token = guardian_token(pupil_registration.guardians.get())
        response = client.get(reverse("submissions:guardian_consent", args=["x" + token[1:]]))
        assert response.status_code == 404


class TestAMinorCoAuthor:
    def test_a_minor_co_author_names_their_guardian_when_confirming(
        self, client, contest, register, alice, submit, pupil
    ):
        born = _born_years_before_closing(contest, 13)
        group = register(
            alice,
            "Lò Thị Alice",
            ALICE_ID,
            group_name="Cô và trò",
            coauthors=[
                {
                    "full_name": "Lò Thị Na",
                    "email": "na@example.com",
                    "date_of_birth": born,
                    "id_number": _id_number(born),
                }
            ],
        )
        clip = submit(group)
        assert Submission.objects.filter(pk=clip.pk).awaiting_guardian().exists()
        coauthor = group.coauthors.get()
        link = reverse("submissions:coauthor_invitation", args=[coauthor_token(coauthor)])
        client.force_login(pupil)
        confirm = {
            "full_name": "Lò Thị Na",
            "date_of_birth": born.isoformat(),
            "id_number": _id_number(born),
            "organisation": "Trường THCS Chiềng Lề",
            "phone": "",
            "accepts_rules": "on",
            "consents_to_publication": "on",
            "consents_to_data_processing": "on",
        }
        assert client.post(link, confirm).status_code == 400
        assert coauthor.guardians.count() == 0

        confirm.update({f"guardian-{name}": value for name, value in GUARDIAN.items()})
        assert client.post(link, confirm).status_code == 302

        guardian = Guardian.objects.get(coauthor=coauthor)
        assert OutgoingMail.objects.filter(kind="guardian_consent", to="bo@example.com").count() == 1
        assert clip.authors.get(coauthor=coauthor).guardian == guardian
        client.logout()
        client.post(_consent_link(guardian), {"action": "consent"})
        assert not Submission.objects.filter(pk=clip.pk).awaiting_guardian().exists()
        assert not Submission.objects.filter(pk=clip.pk).awaiting_coauthors().exists()


def test_the_screening_list_flags_a_clip_waiting_for_a_guardian(client, office, pupil_registration, submit):
    clip = submit(pupil_registration)
    client.force_login(office)
    page = client.get(reverse("admin:submissions_submission_changelist")).content.decode()
    assert clip.code in page
    assert "waiting for a guardian" in page


def test_the_screening_page_says_the_clip_waits_and_offers_no_decision(client, office, pupil_registration, submit):
    clip = submit(pupil_registration)
    client.force_login(office)
    page = client.get(reverse("admin:submissions_submission_screen", args=[clip.pk])).content.decode()
    assert 'id="waiting-guardian"' in page and "Lò Thị Na" in page
    assert "decision-shortlisted" not in page

    response = client.post(
        reverse("admin:submissions_submission_decide", args=[clip.pk]), {"decision": "shortlisted"}, follow=True
    )
    assert "waits for a guardian&#x27;s consent" in response.content.decode()
    assert Submission.objects.get(pk=clip.pk).status == Submission.Status.RECEIVED


def test_the_registration_page_shows_the_guardian_and_hides_the_contact_from_the_office(
    client, office, committee, pupil_registration
):
    url = reverse("admin:submissions_registration_change", args=[pupil_registration.pk])
    client.force_login(committee)
    page = client.get(url).content.decode()
    assert "Lò Văn Bố" in page and "bo@example.com" in page and "0912333444" in page

    client.force_login(office)
    page = client.get(url).content.decode()
    assert "Lò Văn Bố" in page
    assert "bo@example.com" not in page and "0912333444" not in page


def test_a_guardian_withdraws_by_the_same_link_and_the_child_s_clips_and_data_go(
    client, pupil_registration, submit, django_capture_on_commit_callbacks
):
    from pathlib import Path

    clip = submit(pupil_registration)
    guardian = pupil_registration.guardians.get()
    link = _consent_link(guardian)
    client.post(link, {"action": "consent"})
    page = client.get(link).content.decode()
    assert 'id="guardian-withdraw"' in page

    assert client.post(link, {"action": "withdraw"}).status_code == 400  # the box is not ticked
    assert Submission.objects.get(pk=clip.pk).status == Submission.Status.RECEIVED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"action": "withdraw", "understood": "yes"})

    assert response.status_code == 200
    assert Submission.objects.get(pk=clip.pk).status == Submission.Status.WITHDRAWN
    pupil_registration.refresh_from_db()
    assert pupil_registration.full_name != "Lò Thị Na" and pupil_registration.id_number.startswith("R")
    assert not Path(clip.clip.path).exists()
    assert Guardian.objects.get(pk=guardian.pk).withdrawn_at is not None
    assert all(c.withdrawn_at is not None for c in Consent.objects.filter(guardian=guardian))


def test_raising_the_guardian_age_makes_a_clip_wait_for_a_guardian(contest, register, alice, submit):
    from submissions.guardians import guardians_needed_recount

    closing = timezone.localdate(contest.closes_at)
    born = closing.replace(year=closing.year - 17)
    registration = register(alice, "Lò Thị Alice", (_id_number(born), born, "female"))
    clip = submit(registration)
    assert not Submission.objects.filter(pk=clip.pk).awaiting_guardian().exists()

    contest.guardian_age = 18
    contest.save()
    assert guardians_needed_recount(contest=contest) == 1

    assert Submission.objects.filter(pk=clip.pk).awaiting_guardian().exists()
