"""How long a contest keeps its people's personal data: Contest.retention_months after its results were
published. Then the ID numbers, birth dates, addresses and phones in its registrations, co-authors, guardians and
clips' authors are anonymised (submissions.anonymisation says with what), and the contest records when
(Contest.personal_data_anonymised_at).

The prize winners keep what the accounts of their prize payment must show: their name, ID number and address
(Law on Accounting 2015, Article 41, keeps accounting documents for years; the personal income tax withheld on a
prize is declared against the ID number). Their birth dates and phones go like everyone's. Names stay for all:
the results, the certificates and the clips' records name their authors; a person who wants theirs gone too
asks for erasure (submissions.subject_rights).

The results were published when the contest's history says it entered that phase (ContestEvent to
`published`): judging's own date (FinalRound.results_published_at) is not this app's to read, and both are
written by the same action, judging.publication.results_publish. A later correction of the results does not
start the period again.

The daily task (tasks.personal_data_retention_task) and `manage.py anonymise_personal_data` call these. The dry
run counts the rows of each table with the querysets the run then updates, so what it says is what is done."""

import calendar
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from .anonymisation import ANONYMISED_BIRTH_DATE, AUTHOR, COAUTHOR, REGISTRATION, anonymised_id_number
from .models import AudienceVote, CoAuthor, Contest, Guardian, Registration, SubmissionAuthor
from .phases import Phase
from .winners import winning_clips

log = logging.getLogger(__name__)


def _months_after(moment, months):
    local = timezone.localtime(moment)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    return local.replace(year=year, month=month, day=min(local.day, calendar.monthrange(year, month)[1]))


def _with_publication():
    return Contest.objects.annotate(
        results_published_at=Min("events__created_at", filter=Q(events__to_phase=Phase.PUBLISHED))
    )


@dataclass
class Target:
    """The rows of one table a contest's anonymisation changes, and what it writes in them."""

    table: str
    rows: object  # a queryset
    values: dict


@dataclass
class ContestRetention:
    contest: Contest
    results_published_at: datetime
    ends_at: datetime
    counts: dict = field(default_factory=dict)  # table -> rows changed


def _targets(contest):
    winners = winning_clips(contest)
    registrations = Registration.objects.filter(contest=contest)
    won_registration = Q(pk__in=winners.values("registration_id"))
    coauthors = CoAuthor.objects.filter(registration__contest=contest)
    # Without the empty ones: NOT IN a list holding NULL would be true of no row at all.
    won_coauthor = Q(
        pk__in=SubmissionAuthor.objects.filter(submission__in=winners).exclude(coauthor=None).values("coauthor_id")
    )
    authors = SubmissionAuthor.objects.filter(submission__contest=contest)
    return [
        Target(
            "registrations",
            registrations.exclude(won_registration),
            {
                "id_number": anonymised_id_number(REGISTRATION),
                "date_of_birth": None,
                "address": "",
                "phone": "",
            },
        ),
        Target(
            "registrations of prize winners",
            registrations.filter(won_registration),
            {"date_of_birth": None, "phone": ""},
        ),
        Target(
            "co-authors",
            coauthors.exclude(won_coauthor),
            {"id_number": anonymised_id_number(COAUTHOR), "date_of_birth": ANONYMISED_BIRTH_DATE, "phone": ""},
        ),
        Target(
            "co-authors of prize winners",
            coauthors.filter(won_coauthor),
            {"date_of_birth": ANONYMISED_BIRTH_DATE, "phone": ""},
        ),
        Target("guardians", Guardian.objects.filter(registration__contest=contest), {"phone": ""}),
        Target(
            "clip authors",
            authors.exclude(submission__in=winners),
            {"id_number": anonymised_id_number(AUTHOR), "date_of_birth": None},
        ),
        Target(
            "clip authors of prize-winning clips", authors.filter(submission__in=winners), {"date_of_birth": None}
        ),
        Target(
            "audience votes",
            AudienceVote.objects.filter(contest=contest, address__isnull=False),
            {"address": None},
        ),
    ]


def _due(now):
    """The contests whose retention period is over and whose personal data is not anonymised yet."""
    contests = _with_publication().filter(
        personal_data_anonymised_at__isnull=True, results_published_at__isnull=False
    )
    for contest in contests.order_by("results_published_at", "pk"):
        ends_at = _months_after(contest.results_published_at, contest.retention_months)
        if ends_at <= now:
            yield ContestRetention(
                contest=contest, results_published_at=contest.results_published_at, ends_at=ends_at
            )


def retention_plan(*, now=None):
    """The contests due for anonymisation, each with the rows it would change, per table. Changes nothing."""
    due = list(_due(now or timezone.now()))
    for retention in due:
        retention.counts = {target.table: target.rows.count() for target in _targets(retention.contest)}
    return due


@transaction.atomic
def contest_personal_data_anonymise(*, contest, now=None):
    """Anonymises the contest's personal data if its retention period is over: returns the rows changed per
    table, or None when it is not due, or done already (by an earlier run, or one running beside this)."""
    now = now or timezone.now()
    contest = _with_publication().get(pk=contest.pk)
    if (
        contest.results_published_at is None
        or _months_after(contest.results_published_at, contest.retention_months) > now
    ):
        return None
    if not Contest.objects.filter(pk=contest.pk, personal_data_anonymised_at__isnull=True).update(
        personal_data_anonymised_at=now
    ):
        return None
    counts = {target.table: target.rows.update(**target.values) for target in _targets(contest)}
    # The contest's slug and the counts only: the log is no place for the data that was just anonymised.
    log.info("personal data of contest %s anonymised: %s", contest.slug, counts)
    return counts


def personal_data_retention_run(*, now=None):
    """Anonymises every contest whose retention period is over; returns [(contest, rows changed per table)]."""
    now = now or timezone.now()
    done = []
    for retention in list(_due(now)):
        counts = contest_personal_data_anonymise(contest=retention.contest, now=now)
        if counts is not None:
            done.append((retention.contest, counts))
    return done
