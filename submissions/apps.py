from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = _("Contest and submissions")

    def ready(self):
        from contest_portal.mail.kinds import mail_kinds_register
        from contest_portal.mail.outbox import drafts_register

        from .decision_mail import DECISION_DRAFTS

        drafts_register(DECISION_DRAFTS)
        mail_kinds_register(
            {
                "submission_receipt": _("Receipt of a clip"),
                "decision_shortlisted": _("Preliminary round: clip selected for the final round"),
                "decision_not_selected": _("Preliminary round: clip not selected"),
                "decision_disqualified": _("Clip not eligible for the contest"),
                "coauthor_invitation": _("Invitation to a co-author"),
                "coauthor_declined": _("A co-author declined"),
                "guardian_consent": _("Request for a guardian's consent"),
            }
        )
