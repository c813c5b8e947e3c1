"""Every time a member of staff is shown unmasked personal data it is in the access log (PersonalDataAccess, by
contest_portal.personal_data.personal_data_access_log): a registration page, the list of registrations, a clip's
screening page, an export with personal columns, the certificates. Staff without the permission see the data
masked and leave no entry; the committee reads the log and nobody changes it."""

import pytest
from django.urls import reverse

from judging.models import Award
from submissions.models import PersonalDataAccess
from tests.conftest import ALICE_ID, BOB_ID, open_final_round
from tests.staff import make_staff, make_staff_with

pytestmark = pytest.mark.django_db

REGISTRATIONS = "/admin/submissions/registration/"
ACCESS_LOG = "/admin/submissions/personaldataaccess/"


@pytest.fixture
def registrations(contest, alice, bob, register):
    return [
        register(alice, "Nguyễn Thị Alice", ALICE_ID, phone="0912345678"),
        register(bob, "Lò Văn Bob", BOB_ID, phone="0387654321"),
    ]


def _log():
    return list(PersonalDataAccess.objects.order_by("id").values_list("user__email", "what", "records", "path"))


class TestTheRegistrations:
    def test_the_committee_opening_a_registration_is_logged(self, client, contest, committee, registrations):
        client.force_login(committee)
        url = reverse("admin:submissions_registration_change", args=[registrations[0].pk])

        assert ALICE_ID[0] in client.get(url).content.decode()

        assert _log() == [("btc@example.com", "Registration form", 1, url)]
        assert PersonalDataAccess.objects.get().contest == contest

    def test_the_list_with_id_numbers_is_logged_with_its_rows(self, client, contest, committee, registrations):
        client.force_login(committee)

        client.get(REGISTRATIONS)

        assert _log() == [("btc@example.com", "List of registration forms", 2, REGISTRATIONS)]

    def test_an_empty_page_of_the_list_logs_nothing(self, client, contest, committee, registrations):
        client.force_login(committee)

        client.get(REGISTRATIONS, {"q": "Không Ai"})

        assert _log() == []

    def test_the_office_sees_them_masked_and_leaves_no_entry(self, client, contest, office, registrations):
        client.force_login(office)

        page = client.get(reverse("admin:submissions_registration_change", args=[registrations[0].pk]))
        listed = client.get(REGISTRATIONS)

        assert page.status_code == listed.status_code == 200
        for html in (page.content.decode(), listed.content.decode()):
            assert ALICE_ID[0] not in html and "0912345678" not in html
        assert _log() == []


class TestAClipsScreeningPage:
    def test_the_committee_opening_it_is_logged(self, client, contest, committee, make_finalists):
        [clip] = make_finalists(1)
        client.force_login(committee)
        url = reverse("admin:submissions_submission_screen", args=[clip.pk])

        assert clip.registration.id_number in client.get(url).content.decode()

        assert _log() == [("btc@example.com", "Screening page of a clip, with its authors", 1, url)]

    def test_the_office_sees_it_masked_and_leaves_no_entry(self, client, contest, office, make_finalists):
        [clip] = make_finalists(1)
        client.force_login(office)

        page = client.get(reverse("admin:submissions_submission_screen", args=[clip.pk])).content.decode()

        assert clip.registration.id_number not in page
        assert _log() == []

    def test_the_authors_form_is_logged(self, client, contest, committee, make_finalists):
        [clip] = make_finalists(1)
        client.force_login(committee)
        url = reverse("admin:submissions_submission_authors", args=[clip.pk])

        assert client.get(url).status_code == 200

        assert _log() == [("btc@example.com", "Authors of a clip", 1, url)]


class TestExports:
    def test_an_export_with_personal_columns_is_logged_with_its_rows(
        self, client, contest, committee, make_finalists
    ):
        make_finalists(3)
        client.force_login(committee)
        url = reverse("reports:export", args=["csv"])

        response = client.get(url)

        assert response.status_code == 200
        assert _log() == [("btc@example.com", "Export of the submissions with personal data", 3, url)]
        assert PersonalDataAccess.objects.get().contest == contest

    def test_the_admin_action_export_is_logged_with_the_rows_ticked(
        self, client, contest, committee, make_finalists
    ):
        clips = make_finalists(3)
        client.force_login(committee)

        response = client.post(
            "/admin/submissions/submission/",
            {"action": "export_xlsx", "_selected_action": [clips[0].pk, clips[2].pk]},
        )

        assert response.status_code == 200
        assert _log() == [
            (
                "btc@example.com",
                "Export of the submissions with personal data",
                2,
                "/admin/submissions/submission/",
            )
        ]

    def test_an_export_without_personal_columns_leaves_no_entry(self, client, contest, make_finalists):
        make_finalists(2)
        secretary = make_staff_with("thuky@example.com", "view_submission", "export_submissions")
        client.force_login(secretary)

        response = client.get(reverse("reports:export", args=["csv"]), {"contest": contest.slug})

        assert response.status_code == 200
        assert _log() == []


class TestCertificates:
    @pytest.fixture
    def awards(self, contest, committee, make_finalists):
        clips = make_finalists(2)
        open_final_round(contest)
        tier = contest.prize_tiers.order_by("order").first()
        return [
            Award.objects.create(tier=tier, submission=clip, rank=rank, awarded_by=committee)
            for rank, clip in enumerate(clips, 1)
        ]

    def test_the_batch_is_logged_with_a_record_per_certificate(self, client, contest, committee, awards):
        client.force_login(committee)
        url = reverse("admin:judging_award_certificates", args=[contest.slug])

        assert client.get(url).status_code == 200

        assert _log() == [("btc@example.com", "Certificates of the prize winners", 2, url)]

    def test_one_award_s_certificates_are_logged_too(self, client, contest, committee, awards):
        client.force_login(committee)
        url = reverse("admin:judging_award_certificate", args=[awards[0].pk])

        assert client.get(url).status_code == 200

        assert _log() == [("btc@example.com", "Certificates of the prize winners", 1, url)]

    def test_a_judge_refused_them_leaves_no_entry(self, client, contest, awards):
        client.force_login(make_staff("giamkhao@example.com", "jury"))

        assert client.get(reverse("admin:judging_award_certificates", args=[contest.slug])).status_code == 403
        assert _log() == []


class TestTheLog:
    def test_the_committee_reads_who_saw_what_when_and_how_many(self, client, contest, committee, registrations):
        client.force_login(committee)
        client.get(REGISTRATIONS)

        response = client.get(ACCESS_LOG, HTTP_ACCEPT_LANGUAGE="en")

        assert response.context["cl"].result_count == 1
        page = response.content.decode()
        assert "btc@example.com" in page and "List of registration forms" in page and REGISTRATIONS in page

    def test_it_filters_by_person_and_by_day(self, client, contest, committee, registrations):
        client.force_login(committee)
        client.get(REGISTRATIONS)
        entry = PersonalDataAccess.objects.get()

        by_user = client.get(ACCESS_LOG, {"user__id__exact": committee.pk})
        by_day = client.get(ACCESS_LOG, {"at__year": entry.at.year, "at__month": entry.at.month})

        assert by_user.context["cl"].result_count == by_day.context["cl"].result_count == 1

    def test_nobody_adds_changes_or_deletes_an_entry(self, client, contest, committee, registrations):
        client.force_login(committee)
        client.get(REGISTRATIONS)
        entry = PersonalDataAccess.objects.get()

        assert client.get(f"{ACCESS_LOG}add/").status_code == 403
        assert client.post(f"{ACCESS_LOG}{entry.pk}/change/", {"records": 0}).status_code == 403
        assert client.post(f"{ACCESS_LOG}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        entry.refresh_from_db()
        assert entry.records == 2

    def test_the_office_may_not_read_it(self, client, contest, office):
        client.force_login(office)

        assert client.get(ACCESS_LOG).status_code == 403


class TestTheOutbox:
    """A mail's recipient is an e-mail address: the outbox's list, a mail's page and the release page."""

    def test_the_committee_listing_the_mails_is_logged_with_its_rows(self, client, contest, committee):
        from contest_portal.mail.models import OutgoingMail

        for address in ("alice@example.com", "bob@example.com"):
            OutgoingMail.objects.create(
                kind="test",
                to=address,
                from_email="btc@example.com",
                subject="Thư",
                body_text="…",
                contest=contest,
            )
        client.force_login(committee)
        page = client.get("/admin/mail/outgoingmail/").content.decode()
        assert "alice@example.com" in page and "bob@example.com" in page
        assert _log() == [
            ("btc@example.com", "List of e-mails with their recipients", 2, "/admin/mail/outgoingmail/")
        ]

    def test_opening_a_mail_is_logged(self, client, contest, committee, registrations):
        from contest_portal.mail.models import OutgoingMail

        mail = OutgoingMail.objects.create(
            kind="test",
            to="alice@example.com",
            from_email="btc@example.com",
            subject="Thư",
            body_text="…",
            contest=contest,
        )
        client.force_login(committee)
        assert client.get(f"/admin/mail/outgoingmail/{mail.pk}/change/").status_code == 200
        assert (
            "btc@example.com",
            "An e-mail with its recipient",
            1,
            f"/admin/mail/outgoingmail/{mail.pk}/change/",
        ) in _log()

    def test_staff_without_the_permission_see_the_addresses_masked_and_leave_no_entry(
        self, client, contest, registrations
    ):
        from contest_portal.mail.models import OutgoingMail

        OutgoingMail.objects.create(
            kind="test",
            to="alice@example.com",
            from_email="btc@example.com",
            subject="Thư",
            body_text="…",
            contest=contest,
            state=OutgoingMail.State.DRAFT,
        )
        releaser = make_staff_with(
            "phathanh@example.com", "view_outgoingmail", "release_outgoingmail", app_label="mail"
        )
        client.force_login(releaser)
        for address in ("/admin/mail/outgoingmail/", "/admin/mail/outgoingmail/release-drafts/"):
            response = client.get(address)
            if response.status_code == 200:
                assert "alice@example.com" not in response.content.decode()
        assert not PersonalDataAccess.objects.exists()
