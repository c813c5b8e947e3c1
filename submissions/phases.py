"""A contest's lifecycle: its phases, how it moves from one to the next, and what may happen in each.

    draft → announced → open for entries → preliminary round → final round → results published → archived

The committee moves a contest on by explicit actions, each recorded in its history (ContestEvent): it announces
a draft (contest_announce), closes the preliminary round (contest_close_preliminary), publishes the results
(judging.publication.results_publish) and archives it (contest_archive). In between, the dates decide: an announced
contest is `announced` before its window, `open` during it, and in its `preliminary` round after it.

ALLOWED says in which phases each action may be taken; every service asks phase_check() before it acts, so a
page, an admin action, a command and a task are refused alike, with the phase named."""

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from contest_portal.permissions import may_run_contest
from contest_portal.refusals import NotAllowed, Refusal


class Phase(models.TextChoices):
    DRAFT = "draft", _("draft")
    ANNOUNCED = "announced", _("announced")
    OPEN = "open", _("open for entries")
    PRELIMINARY = "preliminary", _("preliminary round")
    FINAL = "final", _("final round")
    PUBLISHED = "published", _("results published")
    ARCHIVED = "archived", _("archived")


# What the committee's actions store; the dates say where an announced contest is.
STORED = [Phase.DRAFT, Phase.ANNOUNCED, Phase.FINAL, Phase.PUBLISHED, Phase.ARCHIVED]
STORED_CHOICES = [(phase.value, phase.label) for phase in STORED]

# Action -> (the phases it may be taken in, what it is called in a refusal).
ALLOWED = {
    "announce": ({Phase.DRAFT}, _("Announcing the contest")),
    "register": ({Phase.ANNOUNCED, Phase.OPEN}, _("Filling in the registration form")),
    "submit": ({Phase.OPEN}, _("Submitting a clip")),
    "change_clip": ({Phase.OPEN}, _("Changing or withdrawing a clip")),
    # And in the open phase too where the contest screens as clips arrive (Contest.rolling_screening).
    "screen": ({Phase.PRELIMINARY}, _("Screening")),
    "publish_finalists": ({Phase.PRELIMINARY, Phase.FINAL}, _("Publishing the finalists")),
    "close_preliminary": ({Phase.PRELIMINARY}, _("Closing the preliminary round")),
    "assign": ({Phase.FINAL}, _("Assigning finalists to judges")),
    "score": ({Phase.FINAL}, _("Scoring")),
    "rank": ({Phase.FINAL}, _("Ranking")),
    "award": ({Phase.FINAL}, _("Awarding prizes")),
    "publish_results": ({Phase.FINAL}, _("Publishing the results")),
    "correct_results": ({Phase.PUBLISHED}, _("Correcting the published results")),
    "archive": ({Phase.PUBLISHED}, _("Archiving the contest")),
}

# Sent when a contest enters a phase by one of the committee's actions: the apps that have something to do then
# (the judges' assignments and mails when the final round opens) listen, so this module imports none of them.
phase_entered = Signal()  # sender=Contest class, contest, phase, user


class WrongPhase(Refusal):
    status = 409


def contest_phase(contest, now=None):
    """Where the contest is now: its stored stage, or, for an announced one, where its dates put it."""
    if contest.stage != Phase.ANNOUNCED:
        return Phase(contest.stage)
    now = now or timezone.now()
    if contest.is_upcoming(now):
        return Phase.ANNOUNCED
    if contest.is_open(now):
        return Phase.OPEN
    return Phase.PRELIMINARY


def phase_allows(contest, action, now=None):
    phases, _label = ALLOWED[action]
    if contest.pk is not None:
        # As stored now: a contest read before another request moved it must not let an action through.
        contest.refresh_from_db(fields=["stage", "opens_at", "closes_at", "rolling_screening"])
    phase = contest_phase(contest, now)
    if action == "screen" and contest.rolling_screening:
        return phase in phases or phase == Phase.OPEN
    return phase in phases


def phase_check(contest, action, now=None):
    """Raises WrongPhase, saying what the contest is doing now, unless `action` may be taken in its phase."""
    if phase_allows(contest, action, now):
        return
    _phases, label = ALLOWED[action]
    raise WrongPhase(
        _("%(action)s is not possible now: %(contest)s is %(phase)s.")
        % {"action": label, "contest": contest, "phase": phase_description(contest, now)}
    )


def phase_description(contest, now=None):
    """The phase in a sentence's words, with its dates: "open for entries until 23:59 30/08/2024"."""
    phase = contest_phase(contest, now)

    def moment(value):
        return formats.date_format(timezone.localtime(value), "H:i d/m/Y")

    if phase == Phase.DRAFT:
        return _("not announced yet")
    if phase == Phase.ANNOUNCED:
        return _("announced: entries open at %(time)s") % {"time": moment(contest.opens_at)}
    if phase == Phase.OPEN:
        return _("open for entries until %(time)s") % {"time": moment(contest.closes_at)}
    if phase == Phase.PRELIMINARY:
        return _("in its preliminary round: entries closed at %(time)s") % {"time": moment(contest.closes_at)}
    if phase == Phase.FINAL:
        return _("in its final round")
    if phase == Phase.PUBLISHED:
        return _("over: its results are published")
    return _("archived")


# The committee's moves.


def _check_may_run(user, contest):
    if not may_run_contest(user, contest):
        raise NotAllowed(_("Only the Organizing Committee moves a contest from one phase to the next."))


def contest_move(*, contest, user, action, to, reason=""):
    """Moves the contest to the stage `to` by `action`, if its phase allows that action: stored under the
    contest's row lock, recorded in its history, and announced to the listeners of phase_entered. The caller
    has checked the user's permission. Returns the contest as it is now."""
    from .models import Contest, ContestEvent

    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    phase_check(contest, action)
    before = contest_phase(contest)
    Contest.objects.filter(pk=contest.pk).update(stage=to)
    contest.stage = to
    ContestEvent.objects.create(
        contest=contest, actor=user, action=action, from_phase=before, to_phase=to, reason=reason
    )
    phase_entered.send(sender=Contest, contest=contest, phase=Phase(to), user=user)
    return contest


@transaction.atomic
def contest_announce(*, contest, user):
    """Makes a draft public: its pages, the registration form, and, from its opening, the entries."""
    _check_may_run(user, contest)
    return contest_move(contest=contest, user=user, action="announce", to=Phase.ANNOUNCED)


def undecided_clips(contest):
    """The clips that still count and that no screener has decided: the preliminary round is not over."""
    from .models import Submission

    return Submission.objects.filter(contest=contest).undecided().order_by("sequence").only("pk", "code", "title")


@transaction.atomic
def contest_close_preliminary(*, contest, user):
    """Ends the preliminary round once every clip is decided; the final round opens (judging listens)."""
    _check_may_run(user, contest)
    undecided = list(undecided_clips(contest))
    if undecided:
        phase_check(contest, "close_preliminary")
        raise Refusal(
            _("Every clip must be decided first; still waiting: %(codes)s.")
            % {"codes": ", ".join(clip.code for clip in undecided)}
        )
    return contest_move(contest=contest, user=user, action="close_preliminary", to=Phase.FINAL)


@transaction.atomic
def contest_archive(*, contest, user):
    """Puts a finished contest away: its pages and results stay, nothing changes any more."""
    _check_may_run(user, contest)
    return contest_move(contest=contest, user=user, action="archive", to=Phase.ARCHIVED)
