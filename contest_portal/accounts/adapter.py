from allauth.account.adapter import DefaultAccountAdapter

from contest_portal.mail.services import mail_queue


class AccountAdapter(DefaultAccountAdapter):
    """Sends allauth's mails (address confirmation, password reset) through the logged, retried mail queue."""

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        mail_queue(message=message, kind=template_prefix.rsplit("/", 1)[-1])
