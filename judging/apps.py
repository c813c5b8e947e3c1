from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JudgingConfig(AppConfig):
    name = "judging"
    verbose_name = _("Judging and prizes")

    def ready(self):
        from contest_portal.mail.kinds import mail_kinds_register
        from contest_portal.mail.outbox import drafts_register
        from submissions.phases import Phase, phase_entered
        from submissions.serving import watchers_register
        from submissions.stages import outcomes_register
        from submissions.winners import winners_register

        from .outcomes import clip_outcomes
        from .prizes import awarded_submission_ids
        from .publication import RESULT_DRAFTS
        from .services import final_round_open, judge_may_watch

        watchers_register(judge_may_watch)
        drafts_register(RESULT_DRAFTS)
        outcomes_register(clip_outcomes)
        winners_register(awarded_submission_ids)
        mail_kinds_register(
            {
                "award": _("Prize won"),
                "finalist_no_prize": _("Final round: clip without a prize"),
                "judge_assigned": _("Clips assigned to a judge"),
                "judge_reminder": _("Reminder to a judge"),
            }
        )

        def on_phase_entered(sender, contest, phase, user, **kwargs):
            if phase == Phase.FINAL:
                final_round_open(contest=contest, user=user)

        phase_entered.connect(on_phase_entered, dispatch_uid="judging.final_round_open")

        from submissions.copying import contest_copied

        from .services import final_round_copy

        def on_contest_copied(sender, source, copy, user, **kwargs):
            final_round_copy(source=source, copy=copy)

        contest_copied.connect(on_contest_copied, dispatch_uid="judging.final_round_copy")
