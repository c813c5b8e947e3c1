from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "contest_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from contest_portal.mail.kinds import mail_kinds_register

        from .throttle import device_remember

        def remember_device(sender, request, user, **kwargs):
            if request is not None:  # a test client's force_login has no request
                device_remember(request, user)

        user_logged_in.connect(remember_device, dispatch_uid="accounts.remember_device")
        # allauth's mails, by the name of their templates (AccountAdapter.send_mail).
        mail_kinds_register(
            {
                "email_confirmation_signup": _("Confirmation of a new account's e-mail address"),
                "email_confirmation": _("Confirmation of an e-mail address"),
                "password_reset_key": _("Password reset link"),
                "unknown_account": _("Password reset asked for an address without an account"),
                "account_already_exists": _("Sign-up with an address that has an account"),
            }
        )
