from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "contest_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .throttle import device_remember

        def remember_device(sender, request, user, **kwargs):
            if request is not None:  # a test client's force_login has no request
                device_remember(request, user)

        user_logged_in.connect(remember_device, dispatch_uid="accounts.remember_device")
