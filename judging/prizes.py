"""The prizes, from the approved ranking run.

Prizes come from the approved run in rank order, tier by tier (Nhất, Nhì, Ba, Khuyến khích), by each tier's
count. Clips with too few scorecards are not ranked and get nothing. Clips the ranking could not separate share
a rank; when such a group straddles a tier boundary, the program never picks: the proposal reports the tie and
the committee chooses, with a reason, before the awards are stored. A side prize (Giải phụ) is designated by the
committee with a reason, not taken from the rank.

Every function here checks the user's permission itself; the admin's screens only call them."""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contest_portal.permissions import may_award
from contest_portal.refusals import Refusal
from submissions.coauthors import clip_waiting_for
from submissions.gallery import finalist_authors
from submissions.models import Submission

from .models import Award, PrizeTier, RankingRun
from .runs import approved_run, check_may, check_phase, lock_final_round, ranking_run_is_stale

log = logging.getLogger(__name__)


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


def check_run_for_awards(run):
    if run is None:
        raise Refusal(_("Approve a ranking run first: prizes come from the approved run."))
    if ranking_run_is_stale(run):
        raise Refusal(
            _("The scores have changed since the approved run: compute the ranking again and approve the new run.")
        )


def clips_waiting(submission_ids):
    """{submission id: who the clip still waits for} for the clips among `submission_ids` that may not be
    awarded yet: a co-author who has not confirmed, or a minor author's guardian who has not consented."""
    clips = Submission.objects.filter(pk__in=submission_ids).prefetch_related(
        "authors__coauthor", "authors__guardian"
    )
    waiting = {clip.pk: (clip, clip_waiting_for(clip)) for clip in clips}
    return {pk: (clip, who) for pk, (clip, who) in waiting.items() if who["coauthors"] or who["guardians"]}


def _check_authors_confirmed(submission_ids):
    waiting = clips_waiting(submission_ids)
    if waiting:
        raise Refusal(
            _(
                "A clip cannot be awarded a prize until every co-author has confirmed (and every guardian consented): %(clips)s."
            )
            % {
                "clips": "; ".join(
                    f"{clip.code} ({', '.join(who['coauthors'] + who['guardians'])})"
                    for clip, who in sorted(waiting.values(), key=lambda item: item[0].code)
                )
            }
        )


@transaction.atomic
def awards_confirm(*, contest, user, choices=None):
    """Stores the prizes of the approved run as Award rows, replacing those awarded from it before (side
    prizes stay). Every tie at a tier boundary must be decided in `choices` ({tier pk: TieChoice}) with a
    reason, which is kept on each award of the tied clips. Refused after publication or from a stale run.
    Needs judging.award_prizes. Returns the awards stored, in prize-list order."""
    check_may(user, may_award, _("You may not award prizes."))
    lock_final_round(contest)
    check_phase(contest, "award")
    run = approved_run(contest)
    check_run_for_awards(run)
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
    _check_authors_confirmed(
        [
            clip.submission_id
            for proposal_tier in proposal.tiers
            for clip in [*proposal_tier.winners, *(proposal_tier.tie.chosen if proposal_tier.tie else [])]
        ]
    )
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
    check_may(user, may_award, _("You may not award prizes."))
    lock_final_round(contest)
    check_phase(contest, "award")
    count, _by_model = Award.objects.filter(tier__contest=contest, run__isnull=False).delete()
    return count


@transaction.atomic
def side_prize_designate(*, tier, submission, user, reason):
    """Gives the side prize `tier` to a finalist, by the committee's choice, with the reason (the most-watched
    clip on the fanpage, say): not from the rank. Designating the same clip again rewords the reason.
    Refused when the tier's prizes are all given, for a clip that is not a finalist of the contest, and after
    publication. Needs judging.award_prizes. Returns the award."""
    check_may(user, may_award, _("You may not award prizes."))
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Give the reason for the side prize."), field="reason")
    tier = PrizeTier.objects.select_related("contest").get(pk=tier.pk)
    if not tier.is_side_prize:
        raise Refusal(_("%(tier)s is given from the ranking, not designated.") % {"tier": tier.name})
    lock_final_round(tier.contest)
    check_phase(tier.contest, "award")
    if not Submission.objects.filter(pk=submission.pk, contest=tier.contest).finalists().exists():
        raise Refusal(_("Only a finalist of the contest can get a prize."))
    _check_authors_confirmed([submission.pk])
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
    check_may(user, may_award, _("You may not award prizes."))
    award = Award.objects.select_related("tier__contest").get(pk=award.pk)
    if not award.tier.is_side_prize:
        raise Refusal(_("Prizes from the ranking are withdrawn all together."))
    lock_final_round(award.tier.contest)
    check_phase(award.tier.contest, "award")
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


def awarded_submission_ids(contest):
    """The ids of the contest's clips that won a prize, published or not, as a queryset: registered with
    submissions.winners, whose rules on personal data spare the prize winners."""
    return Award.objects.filter(tier__contest=contest).values("submission_id")
