from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JudgingConfig(AppConfig):
    name = "judging"
    verbose_name = _("Judging and prizes")

    def ready(self):
        from contest_portal.mail.outbox import drafts_register
        from submissions.phases import Phase, phase_entered
        from submissions.serving import watchers_register

        from .publication import RESULT_DRAFTS
        from .services import final_round_open, judge_may_watch

        watchers_register(judge_may_watch)
        drafts_register(RESULT_DRAFTS)

        def on_phase_entered(sender, contest, phase, user, **kwargs):
            if phase == Phase.FINAL:
                final_round_open(contest=contest, user=user)

        phase_entered.connect(on_phase_entered, dispatch_uid="judging.final_round_open")
