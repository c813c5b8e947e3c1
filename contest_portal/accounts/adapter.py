from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from contest_portal.mail.services import mail_queue

from .throttle import login_failures_clear, login_failures_consume


@dataclass(frozen=True)
class Portal:
    """The portal as allauth's mail templates name it (`current_site`): django.contrib.sites is not installed,
    so its name and domain come from SITE_NAME and SITE_URL."""

    name: str
    domain: str


def portal_site():
    return Portal(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's mails (address confirmation, password reset) through the logged, retried mail queue, and
    counts failed logins as throttle.py explains, for the entrants' login and the admin's alike."""

    def format_email_subject(self, subject):
        return f"[{settings.SITE_NAME}] {subject}"

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(
            template_prefix, email, {"email": email, "current_site": portal_site(), **context}
        )
        mail_queue(message=message, kind=template_prefix.rsplit("/", 1)[-1])

    def pre_authenticate(self, request, **credentials):
        # authenticate() rolls this usage back when the password was right.
        self._login_failed_rl_usage = login_failures_consume(request, _login(credentials))
        if self._login_failed_rl_usage is None:
            raise self.validation_error("too_many_login_attempts")

    def _delete_login_attempts_cached_email(self, request, **credentials):
        login_failures_clear(request, _login(credentials))


def _login(credentials):
    return credentials.get("email", credentials.get("username", "")) or ""
