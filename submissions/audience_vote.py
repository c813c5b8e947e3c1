"""The audience vote on the finalist gallery: the rules of a vote (audience_vote_cast), its counts and who sees
them, the committee's flag on suspicious bursts (vote_bursts), and the side prize's reason taken from the vote or
from the fanpage's counts (side_prize_suggestion, which the judging app asks).

A vote is open between the times the committee sets (AudienceVoteWindow). While it is open, a visitor sees only
their own votes and the committee sees the counts; once it closes the counts are public on the gallery."""

import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contest_portal.numbers import number_for_people
from contest_portal.refusals import NotAllowed, Refusal

from .fanpage_counts import latest_fanpage_counts
from .models import AudienceVote, AudienceVoteWindow, Submission

# Sliding windows, written as allauth writes the login limits (settings.ACCOUNT_RATE_LIMITS) and counted the
# same way in the cache. An account voting for more than 10 finalists a minute is a script; an address is
# allowed many more, as a school's network or a mobile operator puts hundreds of voters behind one.
VOTE_RATES = {"account": "10/m", "address": "300/h"}


class NotAFinalist(Refusal):
    status = 404


class AlreadyVoted(Refusal):
    status = 409


class VotingTooFast(Refusal):
    status = 429


def vote_window(contest):
    """The contest's audience vote, or None when it has none."""
    try:
        return contest.audience_vote_window
    except AudienceVoteWindow.DoesNotExist:
        return None


def _is_confirmed(user):
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def _rate_allows(scope, key):
    """Counts one vote against the `scope` limit of VOTE_RATES for `key`; False if it is used up."""
    rate = ratelimit.parse_rate(f"{VOTE_RATES[scope]}/key")
    cache_key = f"audience_vote:{scope}:{hashlib.sha256(str(key).encode()).hexdigest()}"
    with ratelimit.cache_lock(cache_key) as locked:
        if not locked:
            return False
        allowed, history = ratelimit.apply_rate(cache.get(cache_key, []), time.time(), rate)
        if allowed:
            cache.set(cache_key, history, rate.duration)
        return allowed


def _check_open(submission, now):
    window = vote_window(submission.contest)
    if window is None or not window.is_open(now):
        raise NotAllowed(_("The audience vote is not open."))


def _published_finalist(submission):
    if not Submission.objects.published_finalists().filter(pk=submission.pk).exists():
        raise NotAFinalist(_("There is no such finalist in the gallery."))


def audience_vote_cast(*, submission, user, address, now=None):
    """One vote of `user` for the finalist `submission`, from the client `address`. Refused (nothing saved)
    unless the finalist is in the published gallery (404), the vote is open and the account is signed in with
    its e-mail address confirmed (403), the account has not voted for it yet (409), and neither the account nor
    the address votes faster than VOTE_RATES (429). Returns the vote."""
    now = now or timezone.now()
    _published_finalist(submission)
    _check_open(submission, now)
    if not user.is_authenticated:
        raise NotAllowed(_("Sign in to vote."))
    if not _is_confirmed(user):
        raise NotAllowed(_("Confirm your e-mail address to vote: open the link we e-mailed you."))
    already = _("You have already voted for this clip.")
    if AudienceVote.objects.filter(submission=submission, user=user).exists():
        raise AlreadyVoted(already)
    if not (_rate_allows("account", user.pk) and _rate_allows("address", address)):
        raise VotingTooFast(_("You are voting too fast: wait a minute and try again."))
    try:
        with transaction.atomic():
            return AudienceVote.objects.create(
                contest_id=submission.contest_id, submission=submission, user=user, address=address, created_at=now
            )
    except IntegrityError:
        # The same vote from another tab or a double click, a moment earlier.
        raise AlreadyVoted(already) from None


def audience_vote_withdraw(*, submission, user, now=None):
    """Takes back the account's vote for the finalist while the vote is open (403 after). Returns True when
    there was a vote to take back."""
    now = now or timezone.now()
    _published_finalist(submission)
    _check_open(submission, now)
    if not user.is_authenticated:
        raise NotAllowed(_("Sign in to vote."))
    deleted, _rows = AudienceVote.objects.filter(submission=submission, user=user).delete()
    return bool(deleted)


def vote_counts(*, contest):
    """{finalist id: votes} of the contest's vote, finalists without a vote left out."""
    return dict(
        AudienceVote.objects.filter(contest=contest)
        .values_list("submission_id")
        .annotate(votes=Count("id"))
        .values_list("submission_id", "votes")
    )


@dataclass
class GalleryVote:
    """What the gallery shows of the vote to one visitor: `counts` only once it has closed."""

    window: AudienceVoteWindow
    is_open: bool
    has_closed: bool
    mine: set
    counts: dict | None
    may_vote: bool  # signed in with a confirmed e-mail address


def gallery_vote(*, contest, user, now=None):
    """The vote as the gallery shows it to `user`, or None when the contest has no vote (or it has not opened)."""
    now = now or timezone.now()
    window = vote_window(contest)
    if window is None or now < window.opens_at:
        return None
    signed_in = user.is_authenticated
    mine = set()
    if signed_in:
        mine = set(AudienceVote.objects.filter(contest=contest, user=user).values_list("submission_id", flat=True))
    closed = window.has_closed(now)
    return GalleryVote(
        window=window,
        is_open=window.is_open(now),
        has_closed=closed,
        mine=mine,
        counts=vote_counts(contest=contest) if closed else None,
        may_vote=signed_in and _is_confirmed(user),
    )


# Suspicious bursts. A flag asks the committee to look, it refuses nothing: a class voting together from its
# school's network is a burst too.

ADDRESS_VOTES = 20  # more votes than this from one address, over the whole vote
BURST_VOTES = 10  # at least this many votes for one finalist ...
BURST_WINDOW = timedelta(minutes=10)  # ... within this long ...
NEW_ACCOUNT_AGE = timedelta(hours=24)  # ... from accounts made less than this before their vote


@dataclass(frozen=True)
class VoteRecord:
    submission_id: int
    address: str
    at: object  # datetime of the vote
    account_made_at: object  # datetime the account was made


@dataclass(frozen=True)
class Burst:
    kind: str  # "address" or "new_accounts"
    votes: int
    first_at: object
    last_at: object
    address: str = ""
    submission_id: int | None = None


BURST_KINDS = {
    "address": gettext_lazy("many votes from one address"),
    "new_accounts": gettext_lazy("many votes within minutes from new accounts"),
}


def vote_bursts(votes):
    """The bursts among `votes` (VoteRecords), by two rules:

    - "address": an address from which more than ADDRESS_VOTES votes came;
    - "new_accounts": a finalist receiving at least BURST_VOTES votes within BURST_WINDOW from accounts made
      less than NEW_ACCOUNT_AGE before their vote; overlapping windows make one burst, from its first vote to
      its last.

    Addresses first (most votes first), then finalists' bursts in time order."""
    by_address = {}
    new_by_finalist = {}
    for vote in votes:
        # An address cleared by erasure or anonymisation (None) says nothing of where a vote came from.
        if vote.address:
            by_address.setdefault(vote.address, []).append(vote.at)
        if vote.at - vote.account_made_at < NEW_ACCOUNT_AGE:
            new_by_finalist.setdefault(vote.submission_id, []).append(vote.at)
    bursts = [
        Burst("address", len(times), min(times), max(times), address=address)
        for address, times in by_address.items()
        if len(times) > ADDRESS_VOTES
    ]
    bursts.sort(key=lambda burst: (-burst.votes, burst.address))
    finalist_bursts = []
    for submission_id, times in new_by_finalist.items():
        finalist_bursts += [
            Burst("new_accounts", len(run), run[0], run[-1], submission_id=submission_id)
            for run in _dense_runs(sorted(times))
        ]
    return bursts + sorted(finalist_bursts, key=lambda burst: (burst.first_at, burst.submission_id))


def _dense_runs(times):
    """The stretches of sorted `times` where BURST_VOTES of them fall within BURST_WINDOW, merged where they
    overlap."""
    runs = []
    end = 0
    for start in range(len(times)):
        while end < len(times) and times[end] - times[start] <= BURST_WINDOW:
            end += 1
        if end - start < BURST_VOTES:
            continue
        if runs and start < runs[-1][1]:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    return [times[first:last] for first, last in runs]


def contest_vote_bursts(*, contest):
    """vote_bursts over the contest's votes."""
    votes = AudienceVote.objects.filter(contest=contest).values_list(
        "submission_id", "address", "created_at", "user__date_joined"
    )
    return vote_bursts([VoteRecord(*vote) for vote in votes])


# The side prize's reason (judging.prizes.side_prize_designate takes the finalist and the reason).

SIDE_PRIZE_SOURCES = {"vote": gettext_lazy("the audience vote"), "fanpage": gettext_lazy("the fanpage counts")}


@dataclass(frozen=True)
class SidePrizeSuggestion:
    source: str
    submission: Submission
    count: int
    reason: str


def side_prize_suggestion(*, contest, source):
    """The finalist with the most votes ("vote", once the vote has closed: until then the counts may change)
    or the highest recorded fanpage count ("fanpage"), with a reason saying so; None when there is nothing to
    go by. A tie goes to the finalist numbered first: the committee sees the counts and chooses."""
    finalists = {
        finalist.pk: finalist
        for finalist in Submission.objects.filter(contest=contest).finalists().order_by("sequence")
    }
    if source == "vote":
        window = vote_window(contest)
        counts = vote_counts(contest=contest) if window and window.has_closed() else {}
    elif source == "fanpage":
        counts = {pk: record.count for pk, record in latest_fanpage_counts(contest=contest).items()}
    else:
        return None
    ranked = [
        (count, -finalist.sequence, finalist) for pk, count in counts.items() if (finalist := finalists.get(pk))
    ]
    if not ranked:
        return None
    count, _order, finalist = max(ranked, key=lambda row: row[:2])
    if source == "vote":
        reason = ngettext(
            "Most votes in the audience vote: %(count)s vote",
            "Most votes in the audience vote: %(count)s votes",
            count,
        ) % {"count": number_for_people(count)}
    else:
        reason = _("Most likes and shares on the contest's fanpage: %(count)s") % {
            "count": number_for_people(count)
        }
    return SidePrizeSuggestion(source, finalist, count, reason)


def side_prize_suggestions(*, contest):
    """{source: SidePrizeSuggestion} for each source the side prize's form may fill its reason from: those with
    something to go by, in SIDE_PRIZE_SOURCES' order."""
    suggestions = {key: side_prize_suggestion(contest=contest, source=key) for key in SIDE_PRIZE_SOURCES}
    return {key: suggestion for key, suggestion in suggestions.items() if suggestion}
