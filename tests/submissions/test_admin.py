"""The committee configures the contest in the admin; entrants' work can never be deleted from it."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from contest_portal.mail.models import OutgoingMail
from submissions.models import Submission
from tests.conftest import ALICE_ID
from tests.staff import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser(email="btc@example.com", password="x")
    client.force_login(admin)
    return client


def test_every_admin_page_of_the_first_issue_opens(admin_client, contest, alice, register, submit):
    submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
    for url in (
        reverse("admin:submissions_contest_changelist"),
        reverse("admin:submissions_contest_add"),
        reverse("admin:submissions_contest_change", args=[contest.pk]),
        reverse("admin:submissions_submission_changelist") + "?q=Alice",
        reverse("admin:submissions_submission_change", args=[submission.pk]),
        reverse("admin:submissions_registration_changelist"),
        reverse("admin:submissions_registration_change", args=[submission.registration.pk]),
        reverse("admin:mail_outgoingmail_changelist"),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_id_numbers_are_masked_in_the_admin_without_the_personal_data_permission(client, contest, alice, register):
    registration = register(alice, "Lò Thị Alice", ALICE_ID)
    client.force_login(make_staff("vanphong@example.com", "office"))
    html = client.get(reverse("admin:submissions_registration_change", args=[registration.pk])).content.decode()
    assert ALICE_ID[0] not in html
    assert "014******234" in html


def test_submissions_cannot_be_deleted_from_the_admin(admin_client, contest, alice, register, submit):
    submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
    changelist = admin_client.get(reverse("admin:submissions_submission_changelist")).content.decode()
    assert "delete_selected" not in changelist
    response = admin_client.post(
        reverse("admin:submissions_submission_delete", args=[submission.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Submission.objects.filter(pk=submission.pk).exists()


def test_the_committee_sets_which_registration_fields_are_asked(admin_client, contest):
    url = reverse("admin:submissions_contest_change", args=[contest.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = value
    data["opens_at_0"], data["opens_at_1"] = (
        contest.opens_at.strftime("%d/%m/%Y"),
        contest.opens_at.strftime("%H:%M:%S"),
    )
    data["closes_at_0"], data["closes_at_1"] = (
        contest.closes_at.strftime("%d/%m/%Y"),
        contest.closes_at.strftime("%H:%M:%S"),
    )
    for prefix in (
        "categories",
        "genres",
        "localities",
        "prize_tiers",
        "staff_roles",
        "faq_entries",
        "audience_vote_window",
    ):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(
        {
            "form_field_phone": "optional",
            "form_field_gender": "hidden",
            "accepted_containers": ["mp4", "webm"],
            "allows_groups": "on",
            "guardian_age": "18",
            "retention_months": "24",
        }
    )
    data.pop("opens_at", None)
    data.pop("closes_at", None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    contest.refresh_from_db()
    assert contest.field_requirement("phone") == "optional"
    assert contest.field_requirement("gender") == "hidden"
    assert contest.accepted_containers == ["mp4", "webm"]
    assert (contest.guardian_age, contest.retention_months) == (18, 24)


def test_a_hidden_field_is_not_on_the_registration_form(client, contest, alice):
    contest.form_fields = {**contest.form_fields, "gender": "hidden", "organisation": "required"}
    contest.save()
    client.force_login(alice)
    form = client.get(reverse("submissions:registration", args=[contest.slug])).context["form"]
    assert "gender" not in form.fields
    assert form.fields["organisation"].required


def test_the_mail_log_is_read_only(
    admin_client, contest, alice, register, submit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(register(alice, "Lò Thị Alice", ALICE_ID))
    mail = OutgoingMail.objects.get()
    assert admin_client.get(reverse("admin:mail_outgoingmail_add")).status_code == 403
    page = admin_client.get(reverse("admin:mail_outgoingmail_change", args=[mail.pk])).content.decode()
    assert 'name="subject"' not in page
    admin_client.post(reverse("admin:mail_outgoingmail_delete", args=[mail.pk]), {"post": "yes"})
    assert OutgoingMail.objects.filter(pk=mail.pk).exists()
