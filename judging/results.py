"""The final round's outcome: ranking runs the committee approves, the prizes, and the published results.

A ranking run is computed once, by a Celery task, from the scores as they are at that moment, and is then never
changed: `inputs` holds every score it used (and the conflicts and abstentions), `results` what judging/ranking.py
made of them, and `inputs_digest` a fingerprint of the inputs. The committee approves one run per contest; when
the scores change afterwards (a scorecard reopened and submitted again, a conflict declared, a criterion's weight
edited) the current fingerprint differs and the run says it is stale: it cannot be approved, awarded from or
published until a new run is made.

Prizes come from the approved run in rank order, tier by tier (Nhất, Nhì, Ba, Khuyến khích), by each tier's
count. Clips with too few scorecards are not ranked and get nothing. Clips the ranking could not separate share
a rank; when such a group straddles a tier boundary, the program never picks: the proposal reports the tie and
the committee chooses, with a reason, before the awards are stored. A side prize (Giải phụ) is designated by the
committee with a reason, not taken from the rank. Publishing opens the public results page and drafts the award
e-mails in the outbox, where the committee releases them as it does the decision mails.

Every function here checks the user's permission itself; the admin's screens and the task only call them."""

import gc
import hashlib
import json
import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connections, transaction
from django.db.models import CharField, Func, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.services import MailTemplateError, mail_template_get, mail_template_render
from contest_portal.permissions import may_approve_ranking, may_award, may_publish_results, may_rank
from submissions.gallery import finalist_authors
from submissions.models import Submission
from submissions.phases import Phase, contest_move, phase_check
from submissions.services import NotAllowed, Refusal
from submissions.templatetags.portal import vnd

from . import ranking
from .models import Award, Criterion, FinalRound, PrizeTier, RankingRun, Scorecard
from .services import final_round_get, finalist_assignments, scorecards_outstanding, scores_for_ranking

log = logging.getLogger(__name__)

State = RankingRun.State
AWARD_TEMPLATE = ("award", "Thông báo đạt giải")
AWARD_KEY_PREFIX = "award:"


# The inputs of a run: read from the database, stored whole, ranked without it.


def _points(value, places):
    return f"{value:.{places}f}"


def _raw_rows(queryset):
    """The rows of a values_list queryset as the database driver returns them.

    A contest's scores run to hundreds of thousands of rows, and Django's per-value conversion of decimals is
    most of the time it takes to read them. Points come back as int or float (SQLite) or text (PostgreSQL,
    _PointsAsRead); _PointsTexts writes each with its two decimal places, exactly, as they have at most six
    digits."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _PointsAsRead(Func):
    """Points as the cheapest value to read: PostgreSQL's own text ("7.50"), as its driver would make each
    number a Decimal, slowly; SQLite's numbers as they are (its text would be slower still)."""

    template = "%(expressions)s"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s)::text", **extra_context)


def counted_score_rows(contest):
    """(judge id, clip id, criterion id, points) of every score that counts for `contest`'s ranking, as the
    driver returns them, in no particular order."""
    return _raw_rows(
        scores_for_ranking(contest)
        .values_list(
            "scorecard__assignment__judge_id",
            "scorecard__assignment__submission_id",
            "criterion_id",
            _PointsAsRead("points"),
        )
        .order_by()
    )


class _PointsTexts(dict):
    """Points written with two decimal places, each distinct value once: a contest's points take a few dozen
    values (quarters from 0 to 10)."""

    def __missing__(self, points):
        written = self[points] = _points(Decimal(points) if isinstance(points, str) else points, 2)
        return written


def ranking_inputs(*, contest, method=None):
    """Everything a ranking of `contest` depends on, as JSON-ready data, read in a fixed number of queries.

    - the method (the contest's, unless given), min_scorecards and disagreement_threshold of its final round;
    - the criteria (id, name, max_points, weight, order, breaks_ties);
    - the finalists (id, code), each of which is ranked or listed as incomplete;
    - every submitted scorecard that counts: judge id, clip id and code, and its points by criterion id;
    - the conflicts of interest (judge, clip, code): their scorecards, if any, do not count;
    - the abstentions (judge, clip, code): assigned, no conflict, no submitted scorecard.

    Points, maxima and weights are strings with the database's decimal places, so the inputs compare and
    digest the same on SQLite and PostgreSQL. Raises Refusal when the contest has no final round."""
    final_round = FinalRound.objects.filter(contest=contest).first()
    if final_round is None:
        raise Refusal(_("Set up the final round of %(contest)s first.") % {"contest": contest})
    criteria = list(Criterion.objects.filter(contest=contest).order_by("order", "id"))
    finalists = dict(
        Submission.objects.filter(contest=contest).finalists().order_by("pk").values_list("pk", "code")
    )
    conflicts, abstentions = [], []
    # Only the assignments that are not a counted scorecard: the scorecards below name the other judges.
    for judge, clip, conflict_at in (
        finalist_assignments(contest)
        .exclude(conflict_declared_at__isnull=True, scorecard__state=Scorecard.State.SUBMITTED)
        .values_list("judge_id", "submission_id", "conflict_declared_at")
        .order_by("submission_id", "judge_id")
    ):
        if clip not in finalists:
            # Decided otherwise between two of these queries: this run will read as stale at once.
            continue
        entry = {"judge": judge, "clip": clip, "code": finalists[clip]}
        (abstentions if conflict_at is None else conflicts).append(entry)
    keys = {criterion.pk: str(criterion.pk) for criterion in criteria}
    texts = _PointsTexts()
    points_by_card = defaultdict(dict)
    for judge, clip, criterion, points in counted_score_rows(contest):
        points_by_card[clip, judge][keys[criterion]] = texts[points]
    return {
        "method": method or final_round.method,
        "min_scorecards": final_round.min_scorecards,
        "disagreement_threshold": _points(final_round.disagreement_threshold, 2),
        "criteria": [
            {
                "id": criterion.pk,
                "name": criterion.name,
                "max_points": _points(criterion.max_points, 2),
                "weight": _points(criterion.weight, 3),
                "order": criterion.order,
                "breaks_ties": criterion.breaks_ties,
            }
            for criterion in criteria
        ],
        "clips": [{"id": pk, "code": code} for pk, code in finalists.items()],
        "scorecards": [
            {"judge": judge, "clip": clip, "code": finalists[clip], "points": points}
            for (clip, judge), points in sorted(points_by_card.items())
            if clip in finalists
        ],
        "conflicts": conflicts,
        "abstentions": abstentions,
    }


def _canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _inputs_json(inputs):
    """The inputs as JSON text, as a run stores them, and their digest (see inputs_digest).

    Both are canonical JSON (sorted keys), with the scorecards, nearly all of the text, serialized once for the
    two: "scorecards" is the last key, so each text is the rest's followed by the scorecards."""
    head = {key: value for key, value in inputs.items() if key != "scorecards"}
    assert max(head) < "scorecards", "the scorecards must stay the last key of the inputs"
    unnamed = {**head, "criteria": [{k: v for k, v in c.items() if k != "name"} for c in head["criteria"]]}
    scorecards = f',"scorecards":{_canonical(inputs["scorecards"])}}}'
    digest = hashlib.sha256(f"{_canonical(unnamed)[:-1]}{scorecards}".encode()).hexdigest()
    return f"{_canonical(head)[:-1]}{scorecards}", digest


def inputs_digest(inputs):
    """The SHA-256 of what the ranking depends on: the canonical JSON of the inputs without the criteria's
    names, so renaming a criterion does not make a run stale."""
    return _inputs_json(inputs)[1]


def rank_inputs(inputs):
    """The ranking of stored inputs (ranking_inputs' output), without the database: a run can be checked
    again from its own record. Criteria are known by their ids as text, as the scorecards' points name them."""
    criteria = [
        ranking.Criterion(
            id=str(c["id"]),
            max_points=Decimal(c["max_points"]),
            weight=Decimal(c["weight"]),
            breaks_ties=c["breaks_ties"],
        )
        for c in inputs["criteria"]
    ]
    scorecards = [ranking.Scorecard(card["judge"], card["clip"], card["points"]) for card in inputs["scorecards"]]
    assigned = {clip["id"]: set() for clip in inputs["clips"]}
    for entry in (*inputs["scorecards"], *inputs["conflicts"], *inputs["abstentions"]):
        assigned[entry["clip"]].add(entry["judge"])
    return ranking.rank_clips(
        criteria=criteria,
        scorecards=scorecards,
        method=inputs["method"],
        min_scorecards=inputs["min_scorecards"],
        conflicts=[(entry["judge"], entry["clip"]) for entry in inputs["conflicts"]],
        assigned=assigned,
        disagreement_threshold=Decimal(inputs["disagreement_threshold"]),
    )


# Runs.


@contextmanager
def _cycle_collection_paused():
    """Reading and ranking a contest's scores makes hundreds of thousands of small objects, none of them in a
    reference cycle: Python's cycle collector would walk the whole heap over and over for nothing, a third of
    the time on 150,000 scores. Reference counting still frees them all."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _check(user, may, message):
    if not may(user):
        raise NotAllowed(message)


def ranking_run_start(*, contest, user):
    """Records a new run of `contest`'s ranking, by its current method, and queues the task that computes it
    once this transaction commits. Returns the run, still running. Needs judging.run_ranking."""
    _check(user, may_rank, _("You may not compute the ranking."))
    phase_check(contest, "rank")
    with transaction.atomic():
        final_round = final_round_get(contest=contest)
        run = RankingRun.objects.create(contest=contest, method=final_round.method, started_by=user)
        from .tasks import ranking_run_task  # the tasks module imports this one

        ranking_run_task.delay_on_commit(run.pk)
    log.info("Ranking run %s of %s started by user %s", run.pk, contest.slug, user.pk)
    return run


def ranking_run_compute(*, run_id):
    """Computes a running run: reads the inputs, ranks them, and stores inputs, digest and results with the
    state done, or the error with the state failed. A run that is done or failed is left as it is, so a task
    delivered twice computes once; two workers computing at once both read the same committed scores, and the
    conditional update lets only the first one store its result. Returns the run as stored."""
    run = RankingRun.objects.select_related("contest").defer("inputs", "results").get(pk=run_id)
    if run.state != State.RUNNING:
        return run
    fields = {"finished_at": timezone.now()}
    try:
        with _cycle_collection_paused():
            inputs = ranking_inputs(contest=run.contest, method=run.method)
            results = rank_inputs(inputs).to_dict()
            text, digest = _inputs_json(inputs)
    except (Refusal, ValueError, TypeError, ArithmeticError) as error:
        # The scores cannot be ranked as they are (a scorecard lacking a criterion added since, no criteria):
        # the committee reads why on the run and starts another once it is fixed.
        log.warning("Ranking run %s failed: %s", run_id, error)
        fields.update(state=State.FAILED, error=str(getattr(error, "message", error)))
    else:
        # Stored as the JSON text _inputs_json made next to the digest: the inputs are not serialized again.
        inputs = Cast(Value(text), output_field=RankingRun._meta.get_field("inputs"))
        fields.update(state=State.DONE, inputs=inputs, inputs_digest=digest, results=results)
    if not RankingRun.objects.filter(pk=run_id, state=State.RUNNING).update(**fields):
        # Nothing got updated: another worker stored this run first, and a stored run never changes.
        log.info("Ranking run %s was finished by another worker", run_id)
    # The inputs and results are read back only if the caller looks at them: they run to megabytes.
    return RankingRun.objects.defer("inputs", "results").get(pk=run_id)


def current_digest(*, contest, method=None):
    """The digest the contest's scores have now, for comparing with runs (ranking_run_is_stale)."""
    with _cycle_collection_paused():
        return inputs_digest(ranking_inputs(contest=contest, method=method))


def ranking_run_is_stale(run):
    """True when the scores (or the method, criteria, finalists, conflicts) have changed since `run` was
    computed. A run that is not done is never stale: it has no results to be out of date."""
    if run.state != State.DONE:
        return False
    return current_digest(contest=run.contest) != run.inputs_digest


def _lock_final_round(contest):
    """The contest's final round, locked: the committee's decisions on one contest happen one at a time."""
    return FinalRound.objects.select_for_update().get(pk=final_round_get(contest=contest).pk)


def _check_phase(contest, action):
    """Ranking and prizes happen in the final round only: not before it, and not once the results are out."""
    phase_check(contest, action)


@transaction.atomic
def ranking_run_approve(*, run, user):
    """Approves `run` as the contest's ranking, the one prizes come from; the run approved before, if any,
    is approved no more. Only the approval fields change; the inputs and results stay as computed.

    Refused for a run that is not done, a stale run, after publication, and while prizes awarded from another
    run stand (withdraw them first: awards_withdraw). Approving the approved run again changes nothing.
    Needs judging.approve_ranking. Returns True when this call approved it."""
    _check(user, may_approve_ranking, _("You may not approve the ranking."))
    final_round = _lock_final_round(run.contest)
    run = RankingRun.objects.select_for_update().get(pk=run.pk)
    if run.approved_at is not None:
        return False
    _check_phase(final_round.contest, "rank")
    if run.state != State.DONE:
        raise Refusal(_("Only a finished run can be approved."))
    if ranking_run_is_stale(run):
        raise Refusal(_("The scores have changed since this run: compute the ranking again and approve that run."))
    if Award.objects.filter(run__contest=run.contest).exclude(run=run).exists():
        raise Refusal(
            _("Prizes were awarded from the run approved before: withdraw them before approving another run.")
        )
    now = timezone.now()
    RankingRun.objects.filter(contest=run.contest, approved_at__isnull=False).update(
        approved_at=None, approved_by=None
    )
    RankingRun.objects.filter(pk=run.pk).update(approved_at=now, approved_by=user)
    run.approved_at, run.approved_by = now, user
    log.info("Ranking run %s of %s approved by user %s", run.pk, run.contest.slug, user.pk)
    return True


def approved_run(contest):
    return RankingRun.objects.filter(contest=contest, approved_at__isnull=False).first()


# Prizes from the approved run.


@dataclass(frozen=True)
class Placed:
    """A ranked clip, as the run ranked it."""

    submission_id: int
    code: str
    rank: int
    score: str


@dataclass
class Tie:
    """Clips the ranking could not separate, more of them than the seats left in `tier`: the committee
    chooses which `seats` of `candidates` take it (the others go on to the next tier)."""

    tier: PrizeTier
    candidates: list
    seats: int
    chosen: list = field(default_factory=list)

    @property
    def codes(self):
        return [clip.code for clip in self.candidates]


@dataclass
class TierProposal:
    """What a tier gets: the clips certain of it in rank order, a tie at its boundary, and how many clips
    of a tie above it will get it (those the committee does not choose for the tier above)."""

    tier: PrizeTier
    winners: list
    tie: Tie | None = None
    from_tie_above: Tie | None = None
    from_tie_above_count: int = 0


@dataclass
class AwardsProposal:
    run: RankingRun
    tiers: list
    incomplete: list

    @property
    def ties(self):
        return [proposal.tie for proposal in self.tiers if proposal.tie]


@dataclass(frozen=True)
class TieChoice:
    """The committee's choice at a tie: the submissions (ids) that take the tier, and why."""

    submissions: tuple
    reason: str


def _rank_groups(run):
    """The ranked clips of a run, in groups that share a rank, in rank order."""
    codes = {clip["id"]: clip["code"] for clip in run.inputs.get("clips", [])}
    groups = []
    for entry in run.results.get("ranked", []):
        clip = Placed(entry["clip"], codes.get(entry["clip"], ""), entry["rank"], entry["score"])
        if groups and groups[-1][0].rank == clip.rank:
            groups[-1].append(clip)
        else:
            groups.append([clip])
    return groups


def _ranked_tiers(contest):
    return list(PrizeTier.objects.filter(contest=contest, is_side_prize=False).order_by("order", "id"))


def _allocate(groups, tiers, choices):
    """Fills the tiers in order from the rank groups. A group that does not fit in the seats left is a tie:
    resolved by a valid choice (exactly the seats left, among the group), else left open, in which case the
    seats it takes are counted and the rest of the group flows on to the next tier undecided."""
    queue = [list(group) for group in groups]
    undecided = None  # the open tie whose leftover clips head the queue
    undecided_taken = 0  # how many of that group the open tie above will take
    proposals = []
    for tier in tiers:
        proposal = TierProposal(tier=tier, winners=[])
        seats = tier.count
        while seats and queue:
            group = queue[0]
            left = len(group) - undecided_taken
            if left <= seats:
                if undecided_taken:
                    proposal.from_tie_above, proposal.from_tie_above_count = undecided, left
                else:
                    proposal.winners.extend(group)
                seats -= left
                queue.pop(0)
                undecided, undecided_taken = None, 0
                continue
            tie = Tie(tier=tier, candidates=list(group), seats=seats)
            proposal.tie = tie
            chosen = set((choices.get(tier.pk) or TieChoice((), "")).submissions)
            if not undecided_taken and len(chosen) == seats and chosen <= {c.submission_id for c in group}:
                tie.chosen = [clip for clip in group if clip.submission_id in chosen]
                queue[0] = [clip for clip in group if clip.submission_id not in chosen]
            else:
                undecided = undecided or tie
                undecided_taken += seats
            seats = 0
        proposals.append(proposal)
    return proposals


def awards_propose(*, run, choices=None):
    """The prizes `run` gives, tier by tier (side prizes excepted), with the ties at tier boundaries that
    the committee must decide, and the clips left out for too few scorecards. `choices` ({tier pk: TieChoice})
    shows the proposal with some ties decided. Reads the run only; stores nothing."""
    groups = _rank_groups(run)
    codes = {clip["id"]: clip["code"] for clip in run.inputs.get("clips", [])}
    incomplete = [{**entry, "code": codes.get(entry["clip"], "")} for entry in run.results.get("incomplete", [])]
    return AwardsProposal(
        run=run, tiers=_allocate(groups, _ranked_tiers(run.contest), choices or {}), incomplete=incomplete
    )


def _check_run_for_awards(run):
    if run is None:
        raise Refusal(_("Approve a ranking run first: prizes come from the approved run."))
    if ranking_run_is_stale(run):
        raise Refusal(
            _("The scores have changed since the approved run: compute the ranking again and approve the new run.")
        )


@transaction.atomic
def awards_confirm(*, contest, user, choices=None):
    """Stores the prizes of the approved run as Award rows, replacing those awarded from it before (side
    prizes stay). Every tie at a tier boundary must be decided in `choices` ({tier pk: TieChoice}) with a
    reason, which is kept on each award of the tied clips. Refused after publication or from a stale run.
    Needs judging.award_prizes. Returns the awards stored, in prize-list order."""
    _check(user, may_award, _("You may not award prizes."))
    _lock_final_round(contest)
    _check_phase(contest, "award")
    run = approved_run(contest)
    _check_run_for_awards(run)
    choices = choices or {}
    proposal = awards_propose(run=run, choices=choices)
    reasons = {}
    for tie in proposal.ties:
        if not tie.chosen:
            raise Refusal(
                _("%(tier)s: choose %(seats)d of the tied clips %(codes)s.")
                % {"tier": tie.tier.name, "seats": tie.seats, "codes": ", ".join(tie.codes)}
            )
        reason = choices[tie.tier.pk].reason.strip()
        if not reason:
            raise Refusal(
                _("%(tier)s: give the reason for the choice between tied clips.") % {"tier": tie.tier.name}
            )
        for clip in tie.candidates:
            reasons.setdefault(clip.submission_id, reason)
    Award.objects.filter(tier__contest=contest, run__isnull=False).delete()
    awards = [
        Award(
            tier=proposal_tier.tier,
            submission_id=clip.submission_id,
            run=run,
            rank=clip.rank,
            reason=reasons.get(clip.submission_id, ""),
            awarded_by=user,
        )
        for proposal_tier in proposal.tiers
        for clip in [*proposal_tier.winners, *(proposal_tier.tie.chosen if proposal_tier.tie else [])]
    ]
    Award.objects.bulk_create(awards)
    log.info("Prizes of %s confirmed by user %s: %d from run %s", contest.slug, user.pk, len(awards), run.pk)
    return list(Award.objects.filter(tier__contest=contest, run=run).select_related("tier", "submission"))


@transaction.atomic
def awards_withdraw(*, contest, user):
    """Withdraws the prizes awarded from a ranking run (side prizes stay), before publication, so that
    another run can be approved. Needs judging.award_prizes. Returns how many were withdrawn."""
    _check(user, may_award, _("You may not award prizes."))
    _lock_final_round(contest)
    _check_phase(contest, "award")
    count, _by_model = Award.objects.filter(tier__contest=contest, run__isnull=False).delete()
    return count


@transaction.atomic
def side_prize_designate(*, tier, submission, user, reason):
    """Gives the side prize `tier` to a finalist, by the committee's choice, with the reason (the most-watched
    clip on the fanpage, say): not from the rank. Designating the same clip again rewords the reason.
    Refused when the tier's prizes are all given, for a clip that is not a finalist of the contest, and after
    publication. Needs judging.award_prizes. Returns the award."""
    _check(user, may_award, _("You may not award prizes."))
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Give the reason for the side prize."), field="reason")
    tier = PrizeTier.objects.select_related("contest").get(pk=tier.pk)
    if not tier.is_side_prize:
        raise Refusal(_("%(tier)s is given from the ranking, not designated.") % {"tier": tier.name})
    _lock_final_round(tier.contest)
    _check_phase(tier.contest, "award")
    if not Submission.objects.filter(pk=submission.pk, contest=tier.contest).finalists().exists():
        raise Refusal(_("Only a finalist of the contest can get a prize."))
    award = Award.objects.filter(tier=tier, submission=submission).first()
    if award is not None:
        Award.objects.filter(pk=award.pk).update(reason=reason, awarded_by=user, awarded_at=timezone.now())
        award.refresh_from_db()
        return award
    if Award.objects.filter(tier=tier).count() >= tier.count:
        raise Refusal(
            _("The %(count)d prize(s) of %(tier)s are given: withdraw one first.")
            % {"count": tier.count, "tier": tier.name}
        )
    return Award.objects.create(tier=tier, submission=submission, reason=reason, awarded_by=user)


@transaction.atomic
def side_prize_withdraw(*, award, user):
    """Withdraws a side prize before publication. Needs judging.award_prizes."""
    _check(user, may_award, _("You may not award prizes."))
    award = Award.objects.select_related("tier__contest").get(pk=award.pk)
    if not award.tier.is_side_prize:
        raise Refusal(_("Prizes from the ranking are withdrawn all together."))
    _lock_final_round(award.tier.contest)
    _check_phase(award.tier.contest, "award")
    award.delete()


# The prize list and the budget.


@dataclass
class PrizeList:
    """The awards in prize-list order, each with `authors` set; `total` is what they cost in đồng, `planned`
    what every tier's full count would."""

    awards: list
    total: int
    planned: int


def prize_list(*, contest):
    awards = list(
        Award.objects.filter(tier__contest=contest)
        .select_related("tier", "submission__registration", "submission__genre")
        .prefetch_related("submission__authors")
        .order_by("tier__order", "tier_id", "rank", "submission__sequence")
    )
    for award in awards:
        award.authors = finalist_authors(award.submission)
    planned = sum(tier.total for tier in PrizeTier.objects.filter(contest=contest))
    return PrizeList(awards=awards, total=sum(award.tier.amount for award in awards), planned=planned)


# Publication.


def _award_context(award):
    registration = award.submission.registration
    # Written as the mail's language writes amounts: 5.000.000 đ.
    with translation.override(settings.LANGUAGE_CODE):
        amount = vnd(award.tier.amount)
    return {
        "contest": award.tier.contest,
        "submission": award.submission,
        "registration": registration,
        "authors": finalist_authors(award.submission),
        "award": award,
        "tier": award.tier,
        "amount": amount,
        "honour": award.tier.honour,
        "results_url": settings.SITE_URL.rstrip("/") + reverse("judging:results"),
    }


def _draft_award_mails(contest):
    key, description = AWARD_TEMPLATE

    template = mail_template_get(key=key, description=description)
    awards = (
        Award.objects.filter(tier__contest=contest)
        .select_related("tier__contest", "submission__registration__user")
        .prefetch_related("submission__authors")
        .order_by("tier__order", "rank", "id")
    )
    drafted = set(
        OutgoingMail.objects.filter(dedupe_key__startswith=AWARD_KEY_PREFIX).values_list("dedupe_key", flat=True)
    )
    mails = []
    for award in awards:
        dedupe_key = f"{AWARD_KEY_PREFIX}{award.pk}"
        if dedupe_key in drafted:
            continue
        try:
            subject, text, html = mail_template_render(template=template, context=_award_context(award))
        except MailTemplateError as error:
            raise Refusal(
                _("The e-mail template “%(template)s” needs fixing: %(error)s")
                % {"template": template, "error": error.message}
            ) from error
        mails.append(
            OutgoingMail(
                state=OutgoingMail.State.DRAFT,
                kind=key,
                dedupe_key=dedupe_key,
                to=award.submission.registration.user.email,
                from_email=settings.DEFAULT_FROM_EMAIL,
                subject=subject,
                body_text=text,
                body_html=html,
            )
        )
    OutgoingMail.objects.bulk_create(mails)
    return len(mails)


@transaction.atomic
def results_publish(*, contest, user, reason=""):
    """Publishes the results: the contest's phase becomes "results published", the public results page opens,
    and an e-mail per award is drafted in the outbox for the committee to release.

    Refused outside the final round, without an approved, current run and its prizes, and while a finalist
    still waits for a judge's scorecard, unless `reason` says why the committee publishes without it (kept in
    the contest's history). Publishing again changes nothing. Needs judging.publish_results. Returns True when
    this call published."""
    _check(user, may_publish_results, _("You may not publish the results."))
    final_round = _lock_final_round(contest)
    if final_round.results_published_at is not None:
        return False
    _check_phase(contest, "publish_results")
    run = approved_run(contest)
    _check_run_for_awards(run)
    if not Award.objects.filter(tier__contest=contest, run=run).exists():
        raise Refusal(_("Award the prizes from the approved run before publishing."))
    reason = reason.strip()
    outstanding = scorecards_outstanding(contest)
    if outstanding and not reason:
        raise Refusal(
            _(
                "Scorecards are still missing for %(codes)s: wait for the judges, or give the reason to "
                "publish without them."
            )
            % {"codes": ", ".join(outstanding)},
            field="reason",
        )
    contest_move(contest=contest, user=user, action="publish_results", to=Phase.PUBLISHED, reason=reason)
    now = timezone.now()
    FinalRound.objects.filter(pk=final_round.pk, results_published_at__isnull=True).update(
        results_published_at=now
    )
    final_round.results_published_at = now
    contest.judging = final_round
    drafted = _draft_award_mails(contest)
    log.info("Results of %s published by user %s; %d award e-mails drafted", contest.slug, user.pk, drafted)
    return True
