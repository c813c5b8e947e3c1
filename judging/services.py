"""The final round's rules: the rubric, which judge scores which finalist, conflicts of interest, scorecards from
draft to submitted (and reopened by the committee), each judge's progress, and reminders.

The admin's pages call these functions; each one does what it is asked or raises a Refusal (from
submissions.services) carrying the message to show. The ranking reads the scores that count through
`scores_for_ranking` and the expected judges through `finalist_assignments`."""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.services import mail_render_and_queue
from contest_portal.numbers import number_for_people
from contest_portal.permissions import may_assign, may_remind_judges, may_reopen_scorecard, may_score
from contest_portal.refusals import NotAllowed, Refusal
from contest_portal.roles import JURY
from submissions.copying import row_for
from submissions.models import finalist_q
from submissions.phases import phase_check

from .models import Assignment, Criterion, FinalRound, PrizeTier, Score, Scorecard, ScorecardEvent

log = logging.getLogger(__name__)

# Points are given in quarters: 7, 7.25, 7.5, 7.75.
SCORE_STEP = Decimal("0.25")

Mode = FinalRound.Assignment
State = Scorecard.State


def jury(contest=None):
    """The judges of a contest (of any, without one): active accounts with the Jury role there, in a fixed
    order (the order assignments go round in)."""
    roles = {"contest_roles__group__name": JURY}
    if contest is not None:
        roles["contest_roles__contest"] = contest
    return get_user_model().objects.filter(is_active=True, **roles).distinct().order_by("pk")


def finalists(contest):
    return contest.submissions.finalists()


def final_round_get(*, contest):
    """The contest's final-round settings, made with the defaults (everyone scores everything, blind, mean)."""
    final_round, _created = FinalRound.objects.get_or_create(contest=contest)
    return final_round


def final_round_settings(contest):
    """The contest's final-round settings to read: the stored ones, or the defaults if none were stored yet."""
    return FinalRound.objects.filter(contest=contest).first() or FinalRound(contest=contest)


# The rubric.


def validate_max_points(value):
    if value is not None and value <= 0:
        raise ValidationError(_("The maximum must be more than 0."), code="not_positive")


def validate_weight(value):
    if value is not None and value <= 0:
        raise ValidationError(_("The weight must be more than 0."), code="not_positive")


def criterion_validate(*, criterion):
    """Raises ValidationError, by field, when a criterion would break the scale or the scores already given:
    a maximum or weight that is not above 0, a maximum below a score given, a new criterion once scorecards
    were submitted (they would lack it), a criterion moved to another contest after it was scored."""
    errors = {}
    for field, validate in (("max_points", validate_max_points), ("weight", validate_weight)):
        try:
            validate(getattr(criterion, field))
        except ValidationError as error:
            errors[field] = error
    if criterion.pk:
        scores = Score.objects.filter(criterion=criterion.pk)
        highest = scores.aggregate(highest=Max("points"))["highest"]
        if highest is not None and criterion.max_points is not None and criterion.max_points < highest:
            errors["max_points"] = _(
                "Judges gave up to %(points)s points on this criterion already: the maximum cannot be lower."
            ) % {"points": number_for_people(highest)}
        moved = Criterion.objects.filter(pk=criterion.pk).exclude(contest_id=criterion.contest_id).exists()
        if moved and scores.exists():
            errors["contest"] = _("Judges scored this criterion already: it stays with its contest.")
    elif criterion.contest_id and _submitted_scorecards(criterion.contest_id).exists():
        errors["__all__"] = _(
            "Judges have submitted scorecards already, which a new criterion would leave incomplete. "
            "Reopen them first, or add the criterion before judging starts."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def criterion_save(*, criterion):
    # The rubric's own messages first: the database's checks would say the same less clearly.
    criterion_validate(criterion=criterion)
    criterion.full_clean()
    criterion.save()
    return criterion


def _submitted_scorecards(contest_id):
    return Scorecard.objects.filter(assignment__submission__contest_id=contest_id, state=State.SUBMITTED)


def final_round_validate(*, final_round):
    """Raises ValidationError, by field, for settings the round cannot run with."""
    errors = {}
    if final_round.judges_per_clip is not None and final_round.judges_per_clip < 1:
        errors["judges_per_clip"] = _("At least one judge scores each clip.")
    if final_round.min_scorecards is not None and final_round.min_scorecards < 1:
        errors["min_scorecards"] = _("A clip needs at least one scorecard to be ranked.")
    threshold = final_round.disagreement_threshold
    if threshold is not None and not 0 < threshold <= 1:
        errors["disagreement_threshold"] = _("Give a share of the maximum total, above 0 and at most 1.")
    if errors:
        raise ValidationError(errors)


# Who scores what.


@dataclass(frozen=True)
class AssignmentsGenerated:
    created: int
    removed: int
    kept: int


@transaction.atomic
def assignments_generate(*, contest, user):
    """Assigns the contest's finalists to the judges by the final round's mode, and can be run again at any time.

    - everyone: every judge × every finalist;
    - panels: each panel's judges × that panel's finalists;
    - per_clip: `judges_per_clip` judges per finalist, balanced: going through the clips in code order, each
      takes the judges with the fewest clips so far, ties going round the judges in a fixed order, so each
      judge gets ⌊F·N/J⌋ or ⌈F·N/J⌉ clips. A clip keeps the judges it already has first (running again changes
      nothing); a judge who declared a conflict on it is replaced, not counted.

    An assignment with a scorecard (draft or submitted) or a declared conflict is never removed: it is a record.
    One the plan no longer wants (the clip is no longer a finalist, the judge left the jury, the panels or the
    mode changed) is removed when it has neither; if it has a scorecard it stays, hidden from the judge's queue
    and from the ranking when its clip is no longer a finalist."""
    if not may_assign(user, contest):
        raise NotAllowed(_("You may not assign clips to judges."))
    phase_check(contest, "assign")
    final_round = final_round_get(contest=contest)
    # Two generations of the same contest would plan against the same assignments: one waits for the other.
    final_round = FinalRound.objects.select_for_update().get(pk=final_round.pk)
    judges = list(jury(contest).values_list("pk", flat=True))
    clips = list(finalists(contest).order_by("sequence").values_list("pk", flat=True))
    existing = {
        (assignment.submission_id, assignment.judge_id): assignment
        for assignment in Assignment.objects.filter(submission__contest=contest).annotate(
            has_scorecard=Exists(Scorecard.objects.filter(assignment=OuterRef("pk")))
        )
    }
    fixed = {key for key, assignment in existing.items() if assignment.has_scorecard or assignment.has_conflict}
    conflicted = {key for key in fixed if existing[key].has_conflict}

    if final_round.assignment == Mode.PANELS:
        wanted = _panel_plan(contest, clips, judges)
    elif final_round.assignment == Mode.PER_CLIP:
        wanted = _balanced_plan(clips, judges, final_round.judges_per_clip, existing.keys(), fixed, conflicted)
    else:
        wanted = {(clip, judge) for clip in clips for judge in judges}

    Assignment.objects.bulk_create(
        Assignment(submission_id=clip, judge_id=judge) for clip, judge in sorted(wanted - existing.keys())
    )
    unwanted = sorted(existing[key].pk for key in existing.keys() - wanted - fixed)
    removed = 0
    # In slices: switching a large round from everyone to a few judges per clip removes tens of thousands,
    # more than one SQL statement may list.
    for start in range(0, len(unwanted), 500):
        # Locked and checked again: a judge may have opened a scorecard on one of these meanwhile.
        removable = list(
            # Only the assignment rows: PostgreSQL cannot lock the nullable side of the scorecard join.
            Assignment.objects.select_for_update(of=("self",))
            .filter(
                pk__in=unwanted[start : start + 500], conflict_declared_at__isnull=True, scorecard__isnull=True
            )
            .values_list("pk", flat=True)
        )
        Assignment.objects.filter(pk__in=removable).delete()
        removed += len(removable)
    created = len(wanted - existing.keys())
    told = judges_tell_assigned(contest=contest)
    log.info("assignments for %s: %s created, %s removed, %s judges told", contest.slug, created, removed, told)
    return AssignmentsGenerated(created=created, removed=removed, kept=len(existing) - removed)


def judges_tell_assigned(*, contest):
    """E-mails each judge whose assignments grew since they were last told (the round's opening, or the committee
    generating them again after adding a judge or a finalist): once per number of clips assigned."""
    return _mail_judges(
        contest=contest,
        kind="judge_assigned",
        dedupe_key=lambda judge, progress: f"judge_assigned:{contest.pk}:{judge.pk}:{progress.assigned}",
        wants=lambda progress: progress.assigned > 0,
    )


def _panel_plan(contest, clips, judges):
    clips, judges = set(clips), set(judges)
    panel_judges, panel_clips = defaultdict(set), defaultdict(set)
    for panel_id, judge in contest.panels.values_list("pk", "judges"):
        if judge in judges:
            panel_judges[panel_id].add(judge)
    for panel_id, clip in contest.panels.values_list("pk", "submissions"):
        if clip in clips:
            panel_clips[panel_id].add(clip)
    return {
        (clip, judge)
        for panel_id, members in panel_judges.items()
        for judge in members
        for clip in panel_clips[panel_id]
    }


def _balanced_plan(clips, judges, per_clip, existing, fixed, conflicted):
    """(clip, judge) pairs giving each clip `per_clip` judges without a conflict, spread evenly.

    `fixed` pairs (scored or conflicted) stay whatever happens and count towards the judges' loads;
    pairs in `existing` are preferred, so the plan of an earlier run is found again."""
    if not judges:
        return set(fixed)
    position = {judge: index for index, judge in enumerate(judges)}
    clip_set = set(clips)
    on_clip = defaultdict(set)
    load = Counter()
    for clip, judge in fixed:
        on_clip[clip].add(judge)
        if clip in clip_set and (clip, judge) not in conflicted and judge in position:
            load[judge] += 1
    plan = set(fixed)
    start = 0
    for clip in clips:
        scoring = sum(1 for judge in on_clip[clip] if (clip, judge) not in conflicted)
        candidates = sorted(
            (judge for judge in judges if judge not in on_clip[clip]),
            key=lambda judge: (
                (clip, judge) not in existing,
                load[judge],
                (position[judge] - start) % len(judges),
            ),
        )
        chosen = candidates[: max(per_clip - scoring, 0)]
        for judge in chosen:
            plan.add((clip, judge))
            load[judge] += 1
        if chosen:
            start = position[chosen[-1]] + 1
    return plan


@transaction.atomic
def assignment_declare_conflict(*, assignment, judge, reason):
    """The judge declares a conflict of interest on the clip: from then on they cannot score it, and no scorecard
    of theirs on it counts (one already submitted stays, as a record, outside the ranking).

    Returns False when a conflict was declared already (a second click): nothing changes then."""
    if assignment.judge_id != judge.pk:
        raise NotAllowed(_("This clip is not assigned to you."))
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Say why: the Organizing Committee reads it."), field="reason")
    declared = Assignment.objects.filter(pk=assignment.pk, conflict_declared_at__isnull=True).update(
        conflict_declared_at=timezone.now(), conflict_reason=reason
    )
    if not declared:
        return False
    scorecard = Scorecard.objects.filter(assignment=assignment.pk).first()
    if scorecard is not None:
        ScorecardEvent.objects.create(scorecard=scorecard, actor=judge, action="conflict_declared", reason=reason)
    assignment.refresh_from_db()
    return True


# Scorecards.


def _scorable(assignment, judge):
    """The assignment, locked, once it is certain this judge may score it now."""
    if assignment.judge_id != judge.pk:
        raise NotAllowed(_("This clip is not assigned to you."))
    if not may_score(judge, assignment.submission.contest):
        raise NotAllowed(_("You may not score finalists."))
    # Locked, so the committee's generation cannot remove it while its first scorecard is made.
    assignment = Assignment.objects.select_for_update().select_related("submission").get(pk=assignment.pk)
    code = assignment.submission.code
    if assignment.has_conflict:
        raise Refusal(_("You declared a conflict of interest on %(code)s: you do not score it.") % {"code": code})
    if not assignment.submission.is_finalist:
        raise Refusal(_("%(code)s is no longer a finalist: it is not scored.") % {"code": code})
    phase_check(assignment.submission.contest, "score")
    return assignment


def _checked_points(criterion, value):
    """The points as a Decimal within the criterion's scale, or None for a criterion left blank."""
    if value is None or value == "":
        return None
    try:
        points = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        points = None
    if points is None or not points.is_finite():
        raise Refusal(_("%(criterion)s: give a number.") % {"criterion": criterion.name}, field=criterion.pk)
    if points < 0 or points > criterion.max_points:
        raise Refusal(
            _("%(criterion)s: give between 0 and %(max)s points.")
            % {"criterion": criterion.name, "max": number_for_people(criterion.max_points)},
            field=criterion.pk,
        )
    if points % SCORE_STEP:
        raise Refusal(
            _("%(criterion)s: points go in steps of %(step)s.")
            % {"criterion": criterion.name, "step": number_for_people(SCORE_STEP)},
            field=criterion.pk,
        )
    return points


@transaction.atomic
def scorecard_save(*, assignment, judge, points, comment=""):
    """Saves the judge's draft: `points` maps a criterion id to its points (None or "" leaves it blank).

    Makes the scorecard on the first save. Every value is checked before anything is written: one wrong value
    and nothing changes. A submitted scorecard is locked until the committee reopens it."""
    assignment = _scorable(assignment, judge)
    criteria = {criterion.pk: criterion for criterion in assignment.submission.contest.criteria.all()}
    unknown = {str(criterion_id) for criterion_id in points if criterion_id not in criteria}
    if unknown:
        raise Refusal(_("That is not a criterion of this contest's scorecard."))
    checked = {
        criterion_id: _checked_points(criteria[criterion_id], value) for criterion_id, value in points.items()
    }
    scorecard, _created = Scorecard.objects.get_or_create(assignment=assignment)
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.state != State.DRAFT:
        raise Refusal(
            _("Your scorecard for %(code)s is submitted: only the Organizing Committee may reopen it.")
            % {"code": assignment.submission.code}
        )
    scorecard.comment = comment.strip()
    scorecard.full_clean()
    scorecard.save()
    blank = [criterion_id for criterion_id, value in checked.items() if value is None]
    Score.objects.filter(scorecard=scorecard, criterion_id__in=blank).delete()
    for criterion_id, value in checked.items():
        if value is not None:
            Score.objects.update_or_create(
                scorecard=scorecard, criterion_id=criterion_id, defaults={"points": value}
            )
    return scorecard


@transaction.atomic
def scorecard_submit(*, scorecard, judge):
    """Locks the scorecard once every criterion of the rubric has its points within bounds; records when and who.

    Returns False when it was submitted already (a second click): nothing changes then."""
    assignment = _scorable(scorecard.assignment, judge)
    criteria = list(assignment.submission.contest.criteria.all())
    if not criteria:
        raise Refusal(_("The scorecard has no criteria yet: the Organizing Committee sets them."))
    given = dict(Score.objects.filter(scorecard=scorecard).values_list("criterion_id", "points"))
    missing = [criterion.name for criterion in criteria if criterion.pk not in given]
    if missing:
        raise Refusal(_("Give points for every criterion first: %(missing)s.") % {"missing": ", ".join(missing)})
    for criterion in criteria:
        # The maximum may have changed since the draft was saved.
        _checked_points(criterion, given[criterion.pk])
    now = timezone.now()
    submitted = Scorecard.objects.filter(pk=scorecard.pk, state=State.DRAFT).update(
        state=State.SUBMITTED, submitted_at=now, updated_at=now
    )
    if not submitted:
        # Nothing got updated: submitted already, by a double click or another tab.
        return False
    ScorecardEvent.objects.create(scorecard=scorecard, actor=judge, action="submitted", created_at=now)
    scorecard.refresh_from_db()
    return True


@transaction.atomic
def scorecard_reopen(*, scorecard, user, reason):
    """The committee gives a submitted scorecard back to its judge as a draft; who, when and why are recorded.

    Returns False when it was not submitted (reopened already): nothing changes then."""
    if not may_reopen_scorecard(user, scorecard.assignment.submission.contest):
        raise NotAllowed(_("Only the Organizing Committee may reopen a scorecard."))
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Say why the scorecard is reopened: the judge reads it."), field="reason")
    phase_check(scorecard.assignment.submission.contest, "score")
    reopened = Scorecard.objects.filter(pk=scorecard.pk, state=State.SUBMITTED).update(
        state=State.DRAFT, submitted_at=None, updated_at=timezone.now()
    )
    if not reopened:
        return False
    ScorecardEvent.objects.create(scorecard=scorecard, actor=user, action="reopened", reason=reason)
    scorecard.refresh_from_db()
    return True


# What the ranking reads.


def finalist_assignments(contest):
    """Every assignment on the contest's finalists: who is expected to score each clip, conflicts included."""
    return Assignment.objects.filter(finalist_q("submission__"), submission__contest=contest)


def scorecards_outstanding(contest):
    """The finalists some judge still has to score (no conflict declared, no submitted scorecard), by code."""
    waiting = (
        finalist_assignments(contest)
        .filter(conflict_declared_at__isnull=True)
        .exclude(scorecard__state=State.SUBMITTED)
    )
    return list(waiting.order_by("submission__sequence").values_list("submission__code", flat=True).distinct())


def scores_for_ranking(contest):
    """The scores that count: those of submitted scorecards, on the contest's finalists, from judges without a
    conflict of interest on the clip. Each Score reaches its judge and clip through scorecard__assignment."""
    return Score.objects.filter(
        finalist_q("scorecard__assignment__submission__"),
        scorecard__state=State.SUBMITTED,
        scorecard__assignment__conflict_declared_at__isnull=True,
        scorecard__assignment__submission__contest=contest,
        criterion__contest=contest,
    )


# Progress and reminders.


@dataclass(frozen=True)
class Progress:
    """A judge's work: scorecards submitted out of the clips they score (those without a conflict)."""

    submitted: int = 0
    assigned: int = 0
    drafts: int = 0
    conflicts: int = 0

    @property
    def remaining(self):
        return self.assigned - self.submitted

    @property
    def not_started(self):
        return self.assigned - self.submitted - self.drafts

    @property
    def finished(self):
        return self.assigned > 0 and self.remaining == 0


_PROGRESS = {
    "assigned": Count("pk", filter=Q(conflict_declared_at__isnull=True)),
    "submitted": Count("pk", filter=Q(conflict_declared_at__isnull=True, scorecard__state=State.SUBMITTED)),
    "drafts": Count("pk", filter=Q(conflict_declared_at__isnull=True, scorecard__state=State.DRAFT)),
    "conflicts": Count("pk", filter=Q(conflict_declared_at__isnull=False)),
}


def judge_queue(judge, contest=None):
    """The assignments a judge works through, in a contest or in all of theirs: on finalists only (a clip that
    stopped being one drops out)."""
    queue = Assignment.objects.filter(finalist_q("submission__"), judge=judge)
    return queue if contest is None else queue.filter(submission__contest=contest)


def judge_may_watch(user, submission):
    """A judge may watch the finalists assigned to them, except one they declared a conflict of interest on."""
    return (
        user.is_authenticated
        and submission.is_finalist
        and may_score(user, submission.contest)
        and judge_queue(user).filter(submission=submission.pk, conflict_declared_at__isnull=True).exists()
    )


def judge_progress(*, judge, contest=None):
    return Progress(**judge_queue(judge, contest).aggregate(**_PROGRESS))


def judging_progress(*, contest):
    """(judge, Progress) for each member of the jury and anyone else with an assignment in the contest, by name."""
    rows = finalist_assignments(contest).order_by().values("judge").annotate(**_PROGRESS)
    counts = {row["judge"]: Progress(**{name: row[name] for name in _PROGRESS}) for row in rows}
    judges = get_user_model().objects.filter(Q(pk__in=counts.keys()) | Q(pk__in=jury(contest)))
    return [(judge, counts.get(judge.pk, Progress())) for judge in judges.order_by("full_name", "email")]


@transaction.atomic
def judges_remind(*, contest, user):
    """E-mails each active judge who has scorecards left to submit in the contest, at most once a day each.

    Returns how many judges were reminded by this call. Mails are sent by Celery once the transaction commits."""
    if not may_remind_judges(user, contest):
        raise NotAllowed(_("Only the Organizing Committee may remind the judges."))
    today = timezone.localdate()
    reminded = _mail_judges(
        contest=contest,
        kind="judge_reminder",
        dedupe_key=lambda judge, _progress: f"judge_reminder:{contest.pk}:{judge.pk}:{today:%Y%m%d}",
        wants=lambda progress: progress.remaining > 0,
    )
    log.info("judges of %s reminded: %s", contest.slug, reminded)
    return reminded


def _mail_judges(*, contest, kind, dedupe_key, wants):
    """E-mails (templates/emails/<kind>) each active judge whose progress `wants` it, once per dedupe key."""
    queue_url = settings.SITE_URL.rstrip("/") + reverse("admin:judging_assignment_changelist")
    mailed = 0
    final_round = final_round_settings(contest)
    for judge, progress in judging_progress(contest=contest):
        if not judge.is_active or not wants(progress):
            continue
        key = dedupe_key(judge, progress)
        if OutgoingMail.objects.filter(dedupe_key=key).exists():
            continue
        mail_render_and_queue(
            template=kind,
            context={
                "judge": judge,
                "contest": contest,
                "progress": progress,
                "queue_url": queue_url,
                "due": final_round.scoring_ends_at,
            },
            to=judge.email,
            kind=kind,
            dedupe_key=key,
        )
        mailed += 1
    return mailed


def final_round_open(*, contest, user):
    """What the final round's opening does (submissions.phases sends phase_entered): the finalists are assigned
    to the judges by the round's mode, and each judge with clips to score is told by e-mail
    (assignments_generate)."""
    generated = assignments_generate(contest=contest, user=user)
    log.info("final round of %s open: %s assignments", contest.slug, generated.created)
    return generated


def final_round_copy(*, source, copy):
    """What a copied contest takes of the source's final round (submissions.copying sends contest_copied): the
    prize tiers, the rubric and the round's settings. Not its panels (people), assignments, scores or results."""
    PrizeTier.objects.bulk_create(row_for(tier, copy) for tier in source.prize_tiers.all())
    Criterion.objects.bulk_create(row_for(criterion, copy) for criterion in source.criteria.all())
    settings_of = FinalRound.objects.filter(contest=source).first()
    if settings_of is not None:
        round_copy = row_for(settings_of, copy)
        round_copy.results_published_at = None
        # The source's date of signing is of its own results; the copy's certificates take the day of theirs.
        round_copy.certificate_signed_on = None
        round_copy.save()
