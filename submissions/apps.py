from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = _("Contest and submissions")

    def ready(self):
        from contest_portal.mail.outbox import drafts_register

        from .decision_mail import DECISION_DRAFTS

        drafts_register(DECISION_DRAFTS)
