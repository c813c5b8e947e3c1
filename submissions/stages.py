"""A clip's stages as its entrants see them in My clips, each with its date:

    received → video checked → preliminary decision → finalist in the final round → a prize, or none

The preliminary decision shows only once the committee's e-mail told it (Submission.status_for_entrant), and
what the final round gave a finalist only once the results are published. That last part is judging's to say:
judging registers an outcome source here in its AppConfig.ready, so this module imports nothing of it."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .models import Contest, ContestEvent, Submission
from .phases import Phase, contest_phase

Status = Submission.Status
MediaState = Submission.MediaState

# Where each stage stands: passed (with its date when the portal knows it), the one the clip waits at, or
# stopped (a video the portal could not read).
DONE, WAITING, FAILED = "done", "waiting", "failed"
_FINAL_ROUND_OR_LATER = {Phase.FINAL, Phase.PUBLISHED, Phase.ARCHIVED}


@dataclass(frozen=True)
class Outcome:
    """What the final round gave a finalist, once the results are published."""

    published_at: datetime.datetime
    prizes: tuple = ()  # the names of the prizes it won; none: it won no prize
    certificates: tuple = ()  # (author's name, address of the PDF) for those the viewer may download


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    state: str
    at: datetime.datetime | None = None


@dataclass(frozen=True)
class ClipStages:
    stages: list
    certificates: tuple = field(default=())

    @property
    def current(self):
        """The last stage the clip has passed: what My clips says of it in a word."""
        return [stage for stage in self.stages if stage.state == DONE][-1]

    @property
    def outcome(self):
        """The prize, or "No prize", once the results are published, else "": what My clips then says of a
        finalist instead of "finalist"."""
        return next((stage.label for stage in self.stages if stage.key == "result" and stage.state == DONE), "")


_outcome_sources = []


def outcomes_register(source):
    """Adds a source of outcomes: source(*, submissions, user) -> {submission pk: Outcome}, for the finalists
    among `submissions` whose results are published, with the certificates `user` may download."""
    _outcome_sources.append(source)


def clip_stages(*, submission, phase, final_round_at=None, outcome=None):
    """The rule: a clip's stages, as a list of Stage, given the contest's phase, when its final round opened
    and what the final round gave the clip (None before the results are published)."""
    stages = [Stage("received", _("Received"), DONE, submission.submitted_at)]
    if submission.status == Status.WITHDRAWN:
        return stages + [Stage("withdrawn", _("Withdrawn"), DONE, submission.withdrawn_at)]
    if submission.media_state == MediaState.READY:
        stages.append(Stage("checked", _("Video checked"), DONE, submission.media_checked_at))
    elif submission.media_state == MediaState.FAILED:
        stages.append(Stage("checked", _("Video problem"), FAILED, submission.media_checked_at))
    else:
        stages.append(Stage("checked", _("Video being checked"), WAITING))
    told = submission.status_for_entrant
    decisions = {
        Status.SHORTLISTED: _("Chosen for the final round"),
        Status.NOT_SELECTED: _("Not selected for the final round"),
        Status.DISQUALIFIED: _("Disqualified"),
    }
    if told not in decisions:
        return stages + [Stage("decision", _("Preliminary decision"), WAITING)]
    stages.append(Stage("decision", decisions[told], DONE, submission.decision_notified_at))
    if told != Status.SHORTLISTED:
        return stages
    if phase in _FINAL_ROUND_OR_LATER:
        stages.append(Stage("finalist", _("Finalist in the final round"), DONE, final_round_at))
    else:
        stages.append(Stage("finalist", _("Final round"), WAITING))
    if outcome is None:
        return stages + [Stage("result", _("Results"), WAITING)]
    if outcome.prizes:
        label = _("Prize: %(prizes)s") % {"prizes": ", ".join(outcome.prizes)}
    else:
        label = _("No prize")
    return stages + [Stage("result", label, DONE, outcome.published_at)]


def _final_rounds_opened(contests):
    """{contest pk: when its final round opened}, from the contests' histories."""
    events = ContestEvent.objects.filter(contest__in=contests, to_phase=Phase.FINAL).order_by("created_at")
    return dict(events.values_list("contest_id", "created_at"))


def submissions_stages(*, submissions, user):
    """Sets `stages` (a ClipStages) on each of `submissions`, as `user`, the registrant or a co-author, sees
    them: a few queries for the whole list, whatever its length. Returns the submissions, as a list."""
    submissions = list(submissions)
    if not submissions:
        return submissions
    contests = Contest.objects.in_bulk({submission.contest_id for submission in submissions})
    opened = _final_rounds_opened(list(contests))
    outcomes = {}
    for source in _outcome_sources:
        outcomes.update(source(submissions=submissions, user=user))
    for submission in submissions:
        outcome = outcomes.get(submission.pk)
        submission.stages = ClipStages(
            stages=clip_stages(
                submission=submission,
                phase=contest_phase(contests[submission.contest_id]),
                final_round_at=opened.get(submission.contest_id),
                outcome=outcome,
            ),
            certificates=outcome.certificates if outcome else (),
        )
    return submissions
