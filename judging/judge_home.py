"""What a judge sees first in the admin (templates/admin/index.html) and above their queue: the final round's due
date, their progress and the next clip to score; with nothing assigned, why and what happens next."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contest_portal.permissions import may_score
from submissions.phases import Phase, contest_phase, phase_description

from .models import Scorecard
from .services import Progress, final_round_settings, judge_progress, judge_queue


@dataclass
class JudgeHome:
    contest: object
    progress: Progress
    due: object
    next_url: str
    waiting_for: str

    @property
    def overdue(self):
        return self.due is not None and self.progress.remaining > 0 and self.due < timezone.now()


def judge_home(*, judge):
    """The judge's home for their working contest, or None for someone who does not score."""
    if not may_score(judge):
        return None
    contest = getattr(judge, "working_contest", None)
    progress = judge_progress(judge=judge, contest=contest)
    return JudgeHome(
        contest=contest,
        progress=progress,
        due=final_round_settings(contest).scoring_ends_at if contest is not None else None,
        next_url=next_to_score(judge, contest=contest),
        waiting_for="" if progress.assigned else nothing_to_score_why(contest),
    )


def nothing_to_score_why(contest):
    if contest is None:
        return _("There is no contest to judge at the moment.")
    if contest_phase(contest) != Phase.FINAL:
        return _(
            "The final round has not opened: %(contest)s is %(phase)s. You will receive an e-mail when the "
            "finalists are assigned to you."
        ) % {"contest": contest, "phase": phase_description(contest)}
    return _(
        "No finalist is assigned to you yet. You will receive an e-mail when the Organizing Committee assigns them."
    )


def next_to_score(judge, after=None, contest=None):
    """The judge's next clip still to score in the contest (after `after` in code order, going round), as a
    URL; "" when none."""
    waiting = (
        judge_queue(judge, contest)
        .filter(conflict_declared_at__isnull=True)
        .exclude(scorecard__state=Scorecard.State.SUBMITTED)
        .order_by("-submission__contest__opens_at", "submission__sequence")
    )
    if after is not None:
        waiting = waiting.exclude(pk=after.pk)
        following = waiting.filter(
            submission__contest=after.submission.contest_id, submission__sequence__gt=after.submission.sequence
        ).first()
        first = following or waiting.first()
    else:
        first = waiting.first()
    return reverse("admin:judging_assignment_score", args=[first.pk]) if first else ""
