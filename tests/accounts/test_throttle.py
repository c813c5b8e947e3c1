"""Failed logins: counted per address, per account and address, and per account everywhere, on the entrants'
login and the admin's alike; nobody can lock the owner out of an account, and the proxy's address is not
everyone's (contest_portal/accounts/throttle.py)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from contest_portal.accounts.throttle import KNOWN_DEVICE_COOKIE
from tests.staff import make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
TOO_MANY = "quá nhiều lần"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _log_in(client, email, password, address="192.0.2.10", **headers):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address, **headers
    )


def _admin_log_in(client, email, password, address="192.0.2.10"):
    return client.post(
        reverse("admin:login"), {"username": email, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def _logged_in(client):
    return "_auth_user_id" in client.session


def _guess(email, times, address, client=None):
    client = client or Client()
    for _ in range(times):
        _log_in(client, email, "not-the-password", address)
    return client


def test_five_wrong_passwords_from_one_address_stop_the_right_one_from_there(alice):
    guesser = _guess("alice@example.com", 5, "192.0.2.66")

    response = _log_in(guesser, "alice@example.com", PASSWORD, "192.0.2.66")

    assert TOO_MANY in response.content.decode()
    assert not _logged_in(guesser)


def test_a_stranger_guessing_elsewhere_does_not_lock_the_owner_out(alice):
    _guess("alice@example.com", 6, "198.51.100.7")
    owner = Client()

    response = _log_in(owner, "alice@example.com", PASSWORD, "192.0.2.10")

    assert response.status_code == 302
    assert _logged_in(owner)


def test_a_stranger_behind_the_owners_address_does_not_lock_her_known_phone_out(alice):
    phone = Client()
    _log_in(phone, "alice@example.com", PASSWORD, "203.0.113.1")
    phone.post(reverse("account_logout"))
    _guess("alice@example.com", 6, "203.0.113.1")  # the same operator's NAT address
    new_browser = Client()

    refused = _log_in(new_browser, "alice@example.com", PASSWORD, "203.0.113.1")
    response = _log_in(phone, "alice@example.com", PASSWORD, "203.0.113.1")

    assert TOO_MANY in refused.content.decode()
    assert response.status_code == 302
    assert _logged_in(phone)


def test_guesses_spread_over_many_addresses_stop_new_browsers_but_not_the_known_phone(alice, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_anywhere": "8/h/key"}
    phone = Client()
    _log_in(phone, "alice@example.com", PASSWORD, "203.0.113.1")
    phone.post(reverse("account_logout"))
    for host in range(8):
        _guess("alice@example.com", 1, f"198.51.100.{host}")

    refused = _log_in(Client(), "alice@example.com", PASSWORD, "192.0.2.99")
    response = _log_in(phone, "alice@example.com", PASSWORD, "203.0.113.1")

    assert TOO_MANY in refused.content.decode()
    assert response.status_code == 302


def test_one_address_trying_many_accounts_is_stopped(db):
    guesser = Client()
    for number in range(10):
        _log_in(guesser, f"person{number}@example.com", "guess", "192.0.2.66")

    response = _log_in(guesser, "person10@example.com", "guess", "192.0.2.66")

    assert TOO_MANY in response.content.decode()


def test_the_known_device_cookie_does_not_carry_the_address(alice):
    phone = Client()
    _log_in(phone, "alice@example.com", PASSWORD)

    value = phone.cookies[KNOWN_DEVICE_COOKIE].value

    assert "alice" not in value.lower()
    assert phone.cookies[KNOWN_DEVICE_COOKIE]["httponly"]


def test_a_forged_known_device_cookie_counts_for_nothing(alice):
    guesser = Client()
    guesser.cookies[KNOWN_DEVICE_COOKIE] = "whatever:forged"
    _guess("alice@example.com", 5, "192.0.2.66", client=guesser)

    response = _log_in(guesser, "alice@example.com", PASSWORD, "192.0.2.66")

    assert TOO_MANY in response.content.decode()


def test_the_admin_login_is_throttled_like_the_entrants(db):
    make_staff("giamkhao@example.com", "jury")
    guesser = Client()
    for _ in range(5):
        response = _admin_log_in(guesser, "giamkhao@example.com", "wrong", "192.0.2.66")
        assert TOO_MANY not in response.content.decode()

    response = _admin_log_in(guesser, "giamkhao@example.com", PASSWORD, "192.0.2.66")

    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert guesser.get("/admin/").status_code == 302


def test_the_two_login_forms_share_one_count(db):
    make_staff("giamkhao@example.com", "jury")
    guesser = Client()
    for _ in range(3):
        _admin_log_in(guesser, "giamkhao@example.com", "wrong", "192.0.2.66")
    _guess("giamkhao@example.com", 2, "192.0.2.66", client=guesser)

    response = _admin_log_in(guesser, "giamkhao@example.com", PASSWORD, "192.0.2.66")

    assert TOO_MANY in response.content.decode()


def test_the_admin_login_still_lets_staff_in_and_keeps_entrants_out(alice):
    make_staff("giamkhao@example.com", "jury")
    staff, entrant = Client(), Client()

    assert _admin_log_in(staff, "giamkhao@example.com", PASSWORD).status_code == 302
    response = _admin_log_in(entrant, "alice@example.com", PASSWORD)

    assert staff.get("/admin/").status_code == 200
    assert response.status_code == 200
    assert entrant.get("/admin/").status_code == 302


def test_a_right_password_does_not_use_up_the_count(alice):
    client = Client()
    for _ in range(4):
        _log_in(client, "alice@example.com", "wrong")
    _log_in(client, "alice@example.com", PASSWORD)
    client.post(reverse("account_logout"))
    client.cookies.pop(KNOWN_DEVICE_COOKIE)

    response = _log_in(client, "alice@example.com", "wrong")

    assert TOO_MANY not in response.content.decode()


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(alice, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    for _ in range(6):
        _log_in(Client(), "alice@example.com", "wrong", proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    owner = Client()

    response = _log_in(owner, "alice@example.com", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="192.0.2.10")

    assert response.status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(alice, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    guesser = Client()
    for number in range(5):
        _log_in(guesser, "alice@example.com", "wrong", "192.0.2.66", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")

    response = _log_in(guesser, "alice@example.com", PASSWORD, "192.0.2.66", HTTP_X_FORWARDED_FOR="10.0.0.99")

    assert TOO_MANY in response.content.decode()
