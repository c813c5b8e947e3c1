"""Sign up, confirm the address, log in and out, reset the password; failed logins are throttled."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from contest_portal.mail.models import OutgoingMail

pytestmark = pytest.mark.django_db
PASSWORD = "Bản-Mòng-2024-số-hoá"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _link_in(message):
    return re.search(r"https?://\S+", message.body).group(0)


def test_an_entrant_signs_up_confirms_the_address_and_is_logged_in(
    client, contest, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "Lo.Thi.Alice@Example.com", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    [message] = mailoutbox
    assert message.to == ["lo.thi.alice@example.com"]
    assert OutgoingMail.objects.get().state == OutgoingMail.State.SENT
    # Not logged in until the address is confirmed.
    assert client.get(reverse("submissions:my_clips", args=[contest.slug])).status_code == 302

    link = _link_in(message)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert client.get(reverse("submissions:my_clips", args=[contest.slug])).status_code == 200


def test_the_confirmation_mail_is_in_vietnamese(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"), {"email": "a@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
    assert "xác nhận" in mailoutbox[0].subject.lower()


def test_the_confirmation_mail_names_the_portal_and_its_address(
    client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    """Neither is empty though django.contrib.sites is not installed: they come from SITE_NAME and SITE_URL."""
    settings.SITE_NAME = "Cuộc thi Chuyển đổi số tỉnh Sơn La"
    settings.SITE_URL = "https://cuocthi.sonla.gov.vn"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"), {"email": "a@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
    [message] = mailoutbox

    assert message.subject.startswith("[Cuộc thi Chuyển đổi số tỉnh Sơn La] ")
    assert "Cuộc thi Chuyển đổi số tỉnh Sơn La xin gửi lời chào!" in message.body
    assert "đăng ký tài khoản trên cuocthi.sonla.gov.vn." in message.body
    assert " trên ." not in message.body


def test_an_unconfirmed_address_cannot_log_in(contest, client, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(email="new@example.com", password=PASSWORD)
    response = client.post(reverse("account_login"), {"login": "new@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("submissions:my_clips", args=[contest.slug])).status_code == 302


def test_log_in_and_out(contest, client, alice):
    response = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": "a-long-test-password"}
    )
    # To My clips in the current contest.
    assert response.status_code == 302 and response.url == "/clip-cua-toi/"
    assert client.get(response.url).url == reverse("submissions:my_clips", args=[contest.slug])
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(reverse("submissions:my_clips", args=[contest.slug])).status_code == 302


def test_a_wrong_password_gets_a_clear_message(client, alice):
    response = client.post(reverse("account_login"), {"login": "alice@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert "không chính xác" in response.content.decode()


def test_failed_logins_are_throttled_even_for_the_right_password_afterwards(contest, client, alice, settings):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "alice@example.com", "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": "a-long-test-password"}
    )
    assert "quá nhiều lần" in response.content.decode()
    assert client.get(reverse("submissions:my_clips", args=[contest.slug])).status_code == 302


def test_a_forgotten_password_is_reset_by_mail(client, alice, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    assert response.status_code == 302
    [message] = mailoutbox
    link = _link_in(message)
    response = client.get(link)  # allauth moves the key into the session and redirects
    form_url = response.url if response.status_code == 302 else link
    response = client.post(form_url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_resetting_an_unknown_address_reveals_nothing(client, db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")


def test_entrants_never_reach_the_admin(client, alice):
    client.force_login(alice)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url
