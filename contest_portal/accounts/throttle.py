"""Failed logins, counted so that a guesser is stopped and the account's owner is not.

Every login form (the entrants' and the admin's) authenticates through AccountAdapter.authenticate, which asks
`login_failures_consume` first. Three counters, limits in settings.ACCOUNT_RATE_LIMITS:

- `login_failed`, per address: one visitor trying many accounts;
- `login_failed_here`, per account and address: one visitor guessing one account. A stranger elsewhere who
  guesses the owner's address uses up only their own;
- `login_failed_anywhere`, per account over every address: guessing spread over many addresses.

A browser that has logged in to the account before carries a signed cookie saying so (a "known device"). It is
held back only by the per-address counter, so neither a stranger behind the same address (a mobile operator's
NAT) nor a guesser spread over many addresses can lock the owner out of their own phone.

The counters live in the cache: with the default local-memory cache each process counts on its own, so
production sets CACHE_URL to a cache the processes share (README, "Production checklist")."""

import hashlib

from allauth.account.adapter import get_adapter
from allauth.core.internal import ratelimit
from django.conf import settings

KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_SALT = "contest_portal.accounts.known_device"
KNOWN_DEVICE_MAX_AGE = 180 * 24 * 60 * 60
# A shared family phone may be used for a few accounts; the cookie remembers the latest ones.
KNOWN_DEVICE_ACCOUNTS = 5


def _account_tag(login):
    """The account as the cookie names it: not the address itself, which is personal data."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{login.strip().lower()}".encode()).hexdigest()[:20]


def _known_tags(request):
    value = request.get_signed_cookie(
        KNOWN_DEVICE_COOKIE, default="", salt=KNOWN_DEVICE_SALT, max_age=KNOWN_DEVICE_MAX_AGE
    )
    return [tag for tag in value.split(",") if tag]


def device_is_known(request, login):
    return _account_tag(login) in _known_tags(request)


def login_failures_consume(request, login):
    """Counts a login attempt against each counter that applies; None if one is used up (refuse the attempt),
    else the usage, which the caller rolls back when the password was right."""
    login = login.strip().lower()
    address = get_adapter(request).get_client_ip(request)
    counters = [("login_failed", None)]
    if not device_is_known(request, login):
        counters += [("login_failed_here", f"{login}|{address}"), ("login_failed_anywhere", login)]
    consumed = ratelimit.RateLimitUsage(usage=[])
    for action, key in counters:
        usage = ratelimit.consume(request, app="allauth.account", action=action, key=key)
        if usage is None:
            consumed.rollback()
            return None
        consumed.usage.extend(usage.usage)
    return consumed


def login_failures_clear(request, login):
    """After a password reset the account starts afresh (the reset itself is rate limited)."""
    login = login.strip().lower()
    address = get_adapter(request).get_client_ip(request)
    ratelimit.clear(request, app="allauth.account", action="login_failed_here", key=f"{login}|{address}")
    ratelimit.clear(request, app="allauth.account", action="login_failed_anywhere", key=login)


def device_remember(request, user):
    """Called on every login (the user_logged_in signal): the response tells the browser it is now known."""
    tags = [_account_tag(user.email), *(t for t in _known_tags(request) if t != _account_tag(user.email))]
    request.known_device_tags = tags[:KNOWN_DEVICE_ACCOUNTS]


class KnownDeviceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        tags = getattr(request, "known_device_tags", None)
        if tags:
            response.set_signed_cookie(
                KNOWN_DEVICE_COOKIE,
                ",".join(tags),
                salt=KNOWN_DEVICE_SALT,
                max_age=KNOWN_DEVICE_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
