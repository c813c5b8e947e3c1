"""The outbox in the admin: the committee reads and rewords drafts, releases them, retries failed sends, edits
the templates; nothing leaves the log."""

import pytest
from django.urls import reverse

from contest_portal.mail.models import MailTemplate, OutgoingMail

pytestmark = pytest.mark.django_db

Draft, Sent = OutgoingMail.State.DRAFT, OutgoingMail.State.SENT
CHANGELIST = "admin:mail_outgoingmail_changelist"


@pytest.fixture
def committee_client(client, committee):
    client.force_login(committee)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def screener_client(client, screener):
    from django.contrib.auth.models import Permission

    screener.user_permissions.add(Permission.objects.get(codename="view_outgoingmail"))
    client.force_login(screener)
    client.cookies["django_language"] = "en"
    return client


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def _act(client, action, mails, callbacks):
    with callbacks(execute=True):
        return client.post(
            reverse(CHANGELIST),
            {"action": action, "_selected_action": [mail.pk for mail in mails]},
            follow=True,
        )


def _release_confirmed(client, mails, callbacks):
    """The release action, then the confirmation it asks for, as its page posts it."""
    assert _act(client, "release_selected", mails, callbacks).status_code == 200
    with callbacks(execute=True):
        return client.post(
            reverse("admin:mail_outgoingmail_release_drafts"),
            {"confirm": "yes", "mail": [mail.pk for mail in mails]},
            follow=True,
        )


def test_the_outbox_lists_mails_by_state_and_kind(committee_client, alice_clip, bob_clip, decide):
    decide(alice_clip, "shortlisted")
    decide(bob_clip, "not_selected", reason="Chưa đúng chủ đề")

    drafts = committee_client.get(reverse(CHANGELIST), {"state": "draft"})
    finalists = committee_client.get(reverse(CHANGELIST), {"kind": "decision_shortlisted"})

    assert drafts.context["cl"].result_count == 2
    assert [mail.to for mail in finalists.context["cl"].result_list] == ["alice@example.com"]
    assert "Release all 2 drafts" in drafts.content.decode()


def test_a_draft_is_previewed_and_reworded(committee_client, alice_clip, decide):
    mail = decide(alice_clip, "shortlisted")
    url = reverse("admin:mail_outgoingmail_change", args=[mail.pk])

    page = committee_client.get(url).content.decode()
    assert mail.subject in page and "Chợ phiên số hoá" in page and "<iframe sandbox" in page

    response = committee_client.post(url, {"subject": "Chúc mừng  bạn", "body_text": "Dòng một\r\n\r\nDòng <hai>"})

    assert response.status_code == 302
    mail.refresh_from_db()
    assert (mail.state, mail.subject, mail.body_text) == (Draft, "Chúc mừng bạn", "Dòng một\n\nDòng <hai>")
    assert "<p>Dòng một</p>\n\n<p>Dòng &lt;hai&gt;</p>" in mail.body_html


def test_a_released_mail_can_no_longer_be_reworded(committee_client, committee, alice_clip, decide, smtp):
    from contest_portal.mail.outbox import drafts_release

    mail = decide(alice_clip, "shortlisted")
    drafts_release(mails=[mail], user=committee)
    url = reverse("admin:mail_outgoingmail_change", args=[mail.pk])

    assert committee_client.get(url).status_code == 200  # read only
    assert committee_client.post(url, {"subject": "Khác", "body_text": "Khác"}).status_code == 403
    mail.refresh_from_db()
    assert mail.subject != "Khác"


def test_the_committee_releases_the_selected_drafts(
    committee_client, alice_clip, bob_clip, decide, smtp, django_capture_on_commit_callbacks
):
    mails = [decide(alice_clip, "shortlisted"), decide(bob_clip, "shortlisted")]

    response = _release_confirmed(committee_client, mails, django_capture_on_commit_callbacks)
    again = _release_confirmed(committee_client, mails, django_capture_on_commit_callbacks)

    assert "2 e-mails released: queued to be sent." in _messages(response)
    assert "0 e-mails released: queued to be sent." in _messages(again)
    assert sorted(message["To"] for message in smtp.messages) == ["alice@example.com", "bob@example.com"]


@pytest.mark.parametrize("ask", ["the release action", "a post without the confirmation"])
def test_releasing_asks_first_with_the_count_of_each_kind_and_releases_nothing(
    committee_client, alice_clip, bob_clip, charlie, register, submit, decide, smtp, ask
):
    from tests.conftest import CHARLIE_ID

    charlie_clip = submit(register(charlie, "Lò Thị Charlie", CHARLIE_ID), title="Ruộng bậc thang")
    mails = [
        decide(alice_clip, "shortlisted"),
        decide(bob_clip, "shortlisted"),
        decide(charlie_clip, "not_selected", reason="Chưa đúng chủ đề"),
    ]

    if ask == "the release action":
        response = committee_client.post(
            reverse(CHANGELIST), {"action": "release_selected", "_selected_action": [mail.pk for mail in mails]}
        )
    else:
        response = committee_client.post(
            reverse("admin:mail_outgoingmail_release_drafts"), {"mail": [mail.pk for mail in mails]}
        )

    assert response.status_code == 200
    html = response.content.decode()
    assert "These 3 e-mails will be sent now" in html
    assert '<li data-kind="decision_shortlisted">' in html and ": 2 e-mails</li>" in html
    assert '<li data-kind="decision_not_selected">' in html and ": 1 e-mail</li>" in html
    assert "It cannot be undone" in html
    assert 'name="confirm" value="yes"' in html
    states = OutgoingMail.objects.filter(pk__in=[mail.pk for mail in mails]).values_list("state", flat=True)
    assert set(states) == {Draft}
    assert smtp.messages == []


def test_a_screener_cannot_release(screener_client, alice_clip, decide, smtp, django_capture_on_commit_callbacks):
    mail = decide(alice_clip, "shortlisted")

    changelist = screener_client.get(reverse(CHANGELIST))
    assert "release_selected" not in changelist.content.decode()
    assert "Release the draft" not in changelist.content.decode()
    _act(screener_client, "release_selected", [mail], django_capture_on_commit_callbacks)
    assert screener_client.get(reverse("admin:mail_outgoingmail_release_drafts")).status_code == 403
    confirmed = {"confirm": "yes", "mail": [mail.pk]}
    assert screener_client.post(reverse("admin:mail_outgoingmail_release_drafts"), confirmed).status_code == 403

    mail.refresh_from_db()
    assert mail.state == Draft and smtp.messages == []


def test_release_all_lists_the_drafts_then_releases_those(
    committee_client, alice_clip, bob_clip, decide, smtp, django_capture_on_commit_callbacks
):
    url = reverse("admin:mail_outgoingmail_release_drafts")
    shown = decide(alice_clip, "shortlisted")
    page = committee_client.get(url).content.decode()
    assert shown.subject in page and "alice@example.com" in page
    # Drafted after the page was read: not what the committee agreed to release.
    later = decide(bob_clip, "shortlisted")

    with django_capture_on_commit_callbacks(execute=True):
        response = committee_client.post(
            url, {"confirm": "yes", "mail": [str(shown.pk), "not-a-number"]}, follow=True
        )

    assert "1 e-mail released: queued to be sent." in _messages(response)
    assert OutgoingMail.objects.get(pk=shown.pk).state == Sent
    assert OutgoingMail.objects.get(pk=later.pk).state == Draft
    assert [message["To"] for message in smtp.messages] == ["alice@example.com"]


def test_an_outdated_draft_is_held_back_with_a_warning(
    committee_client, committee, alice_clip, decide, smtp, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from submissions.models import Submission

    mail = decide(alice_clip, "shortlisted")
    # Changed without submission_decide, which would have reworded the draft: what the release guards against.
    Submission.objects.filter(pk=alice_clip.pk).update(
        status="not_selected", decision_reason="Trùng lặp", decided_at=timezone.now()
    )

    response = _release_confirmed(committee_client, [mail], django_capture_on_commit_callbacks)

    assert "1 draft told a decision that has changed since" in " ".join(_messages(response))
    assert smtp.messages == []


def test_failed_mails_are_retried_from_the_admin(
    committee_client, committee, alice_clip, decide, smtp, settings, django_capture_on_commit_callbacks
):
    from contest_portal.mail.outbox import drafts_release

    settings.MAIL_MAX_ATTEMPTS = 1
    smtp.fail_next(1)
    mail = decide(alice_clip, "shortlisted")
    with django_capture_on_commit_callbacks(execute=True):
        drafts_release(mails=[mail], user=committee)
    failed = committee_client.get(reverse(CHANGELIST), {"state": "failed"})
    assert failed.context["cl"].result_count == 1

    response = _act(committee_client, "retry_failed", [mail], django_capture_on_commit_callbacks)

    assert "1 e-mail queued to be sent again." in _messages(response)
    mail.refresh_from_db()
    assert mail.state == Sent and len(smtp.messages) == 1


def test_nothing_can_be_deleted_from_the_mail_log(committee_client, alice_clip, decide):
    mail = decide(alice_clip, "shortlisted")

    assert "delete_selected" not in committee_client.get(reverse(CHANGELIST)).content.decode()
    url = reverse("admin:mail_outgoingmail_delete", args=[mail.pk])
    assert committee_client.post(url, {"post": "yes"}).status_code == 403
    assert OutgoingMail.objects.filter(pk=mail.pk).exists()
    template = MailTemplate.objects.get(key="decision_shortlisted")
    url = reverse("admin:mail_mailtemplate_delete", args=[template.pk])
    assert committee_client.post(url, {"post": "yes"}).status_code == 403


def test_a_template_shows_a_preview_with_a_made_up_clip(committee_client, contest):
    template = MailTemplate.objects.get(key="decision_not_selected")

    page = committee_client.get(reverse("admin:mail_mailtemplate_change", args=[template.pk])).content.decode()

    assert "CDS2024-0001" in page and "Nguyễn Văn An" in page and "Lý do: " in page
    assert contest.short_name in page


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("award", ["Giải Nhất", "10.000.000 đ", "Nguyễn Văn An", "/test-contest/ket-qua/"]),
        ("finalist_no_prize", ["chưa đạt giải", "Nguyễn Văn An", "/test-contest/ket-qua/"]),
    ],
)
def test_the_result_templates_show_a_preview_with_a_made_up_finalist(committee_client, contest, key, expected):
    template = MailTemplate.objects.get(key=key)

    page = committee_client.get(reverse("admin:mail_mailtemplate_change", args=[template.pk])).content.decode()

    for text in [f"{contest.code_prefix}-0001", *expected]:
        assert text in page


def _save_template(client, template, **fields):
    data = {"description": template.description, "subject": template.subject, "body_text": template.body_text}
    return client.post(reverse("admin:mail_mailtemplate_change", args=[template.pk]), {**data, **fields})


def test_a_template_is_edited_and_new_drafts_use_it(committee_client, alice_clip, decide):
    template = MailTemplate.objects.get(key="decision_shortlisted")

    response = _save_template(committee_client, template, subject="Chúc mừng {{ registration.full_name }}")

    assert response.status_code == 302
    assert decide(alice_clip, "shortlisted").subject == "Chúc mừng Lò Thị Alice"


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"body_text": "Kính gửi {% if %}"}, "body_text", "The text has an error"),
        ({"subject": "{{ submission.code|no_such_filter }}"}, "subject", "The subject has an error"),
        ({"body_text": "{% url 'no-such-page' %}"}, "body_text", "The text cannot be filled in"),
        ({"subject": "{# nothing #}"}, "subject", "The subject comes out empty."),
    ],
)
def test_a_template_that_does_not_render_is_not_saved(committee_client, contest, fields, field, error):
    template = MailTemplate.objects.get(key="decision_shortlisted")

    response = _save_template(committee_client, template, **fields)

    assert response.status_code == 200
    assert error in " ".join(response.context["adminform"].form.errors[field])
    assert MailTemplate.objects.get(pk=template.pk).body_text == template.body_text


def test_a_broken_template_saved_elsewhere_shows_its_error_in_the_preview(committee_client, contest):
    template = MailTemplate.objects.get(key="decision_shortlisted")
    MailTemplate.objects.filter(pk=template.pk).update(body_text="{% for %}")

    response = committee_client.get(reverse("admin:mail_mailtemplate_change", args=[template.pk]))

    assert response.status_code == 200
    assert "The text has an error" in response.content.decode()


def test_rewording_drafts_with_a_broken_template_says_so(
    committee_client, alice_clip, decide, django_capture_on_commit_callbacks
):
    mail = decide(alice_clip, "shortlisted")
    MailTemplate.objects.filter(key="decision_shortlisted").update(body_text="{% for %}")

    response = _act(committee_client, "redraft_selected", [mail], django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "needs fixing" in " ".join(_messages(response))


def test_staff_without_the_personal_data_permission_see_the_recipient_masked(screener_client, alice_clip, decide):
    mail = decide(alice_clip, "shortlisted")

    listed = screener_client.get(reverse(CHANGELIST)).content.decode()
    shown = screener_client.get(reverse("admin:mail_outgoingmail_change", args=[mail.pk])).content.decode()
    searched = screener_client.get(reverse(CHANGELIST), {"q": "alice@example.com"})

    assert "alice@example.com" not in listed and "alice@example.com" not in shown
    assert "a***@example.com" in listed and "a***@example.com" in shown
    assert searched.context["cl"].result_count == 0


def test_the_committee_sees_the_recipient(client, alice_clip, decide):
    from tests.staff import make_staff

    mail = decide(alice_clip, "shortlisted")
    client.force_login(make_staff("bantochuc@example.com", "committee"))  # the role, with view_personal_data

    shown = client.get(reverse("admin:mail_outgoingmail_change", args=[mail.pk])).content.decode()

    assert "alice@example.com" in shown


def test_the_html_preview_is_a_page_of_its_own_whose_styles_apply_and_nothing_runs(
    committee_client, alice_clip, decide
):
    mail = decide(alice_clip, "shortlisted")

    response = committee_client.get(reverse("admin:mail_outgoingmail_html", args=[mail.pk]))

    assert response.content.decode() == mail.body_html
    policy = response["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "default-src 'none'" in policy and "sandbox" in policy
    assert "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_the_html_preview_needs_the_outbox_permission(client, alice, alice_clip, decide):
    mail = decide(alice_clip, "shortlisted")
    client.force_login(alice)

    response = client.get(reverse("admin:mail_outgoingmail_html", args=[mail.pk]))

    assert response.status_code == 302  # to the admin's login: an entrant is not staff
