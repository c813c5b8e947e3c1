"""Ranking runs the committee approves.

A ranking run is computed once, by a Celery task, from the scores as they are at that moment, and is then never
changed: `inputs` holds every score it used (and the conflicts and abstentions), `results` what judging/ranking.py
made of them, and `inputs_digest` a fingerprint of the inputs. The committee approves one run per contest; when
the scores change afterwards (a scorecard reopened and submitted again, a conflict declared, a criterion's weight
edited) the current fingerprint differs and the run says it is stale: it cannot be approved, awarded from or
published until a new run is made.

Every function here checks the user's permission itself; the admin's screens and the task only call them."""

import gc
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal

import orjson
from django.db import connections, router, transaction
from django.db.models import CharField, Func, Min, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from contest_portal.permissions import may_approve_ranking, may_rank
from contest_portal.refusals import NotAllowed, Refusal
from submissions.models import Submission
from submissions.phases import phase_check

from . import ranking
from .models import Award, Criterion, FinalRound, RankingRun, Scorecard
from .services import final_round_get, finalist_assignments, scores_for_ranking

log = logging.getLogger(__name__)

State = RankingRun.State


# The inputs of a run: read from the database, stored whole, ranked without it.


def _points(value, places):
    return f"{value:.{places}f}"


def _raw_rows(queryset):
    """The rows of a values_list queryset as the database driver returns them.

    A contest's scorecards run to tens of thousands, and Django's per-value conversion of decimals would be most
    of the time it takes to read them."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _PointsAsRead(Func):
    """Points as the cheapest value to read: PostgreSQL's own text, which for a numeric column with two decimal
    places is already the inputs' "7.50" (its driver would make each number a Decimal, slowly); SQLite's numbers
    as they are (its text would be slower still, and is not always written with two places)."""

    template = "%(expressions)s"
    output_field = CharField()
    written_by_the_database = {"postgresql"}

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s)::text", **extra_context)


class _PointsTexts(dict):
    """Points written with two decimal places, each distinct value once: a contest's points take a few dozen
    values (quarters from 0 to 10)."""

    def __missing__(self, points):
        written = self[points] = _points(Decimal(points) if isinstance(points, str) else points, 2)
        return written


def counted_scorecards(contest, criteria):
    """(clip id, judge id, then the points on each of `criteria` as text with two decimal places, None where
    there are none) of every scorecard whose scores count for `contest`'s ranking, in the order of clip and judge.

    One row a scorecard rather than one a score: the database groups the scores faster than its driver and
    Python would read five times as many rows."""
    on_criterion = {
        f"points_{criterion.pk}": Min(_PointsAsRead("points"), filter=Q(criterion_id=criterion.pk))
        for criterion in criteria
    }
    clip_and_judge = ("scorecard__assignment__submission_id", "scorecard__assignment__judge_id")
    queryset = scores_for_ranking(contest).values_list(*clip_and_judge).annotate(**on_criterion)
    rows = _raw_rows(queryset.order_by(*clip_and_judge))
    if connections[queryset.db].vendor in _PointsAsRead.written_by_the_database:
        # Already the text: converting each of 150,000 points once more would be a tenth of a run.
        return rows
    texts = _PointsTexts()
    return [(*row[:2], *(None if points is None else texts[points] for points in row[2:])) for row in rows]


def _with_shared_points(rows):
    """(clip, judge, points) of counted_scorecards' rows, each distinct points text one object: the driver makes
    150,000 strings of a few dozen values, and the ranking looks each up; one object a value makes the lookups
    quicker by more than this costs, done column by column."""
    if not rows:
        return []
    clips, judges, *columns = zip(*rows, strict=True)
    shared = {}
    if columns:
        points = zip(*(map(shared.setdefault, column, column) for column in columns), strict=True)
    else:
        points = [()] * len(rows)  # no criteria: the ranking refuses, saying so
    return zip(clips, judges, points, strict=True)


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
    keys = [str(criterion.pk) for criterion in criteria]
    scorecards = []
    add = scorecards.append
    for clip, judge, points in _with_shared_points(counted_scorecards(contest, criteria)):
        code = finalists.get(clip)
        if code is None:
            continue
        if None in points:
            # Not scored on every criterion (one added since): the ranking says which is missing.
            points = {key: value for key, value in zip(keys, points, strict=True) if value is not None}
        else:
            points = dict(zip(keys, points, strict=True))
        add({"judge": judge, "clip": clip, "code": code, "points": points})
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
        "scorecards": scorecards,
        "conflicts": conflicts,
        "abstentions": abstentions,
    }


def _canonical(value):
    """`value` as canonical JSON, in UTF-8: sorted keys, no spaces, no characters escaped but those JSON must
    escape, as json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes it, several
    times faster (a run's inputs run to megabytes)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _inputs_json(inputs):
    """The inputs as JSON text, as a run stores them, and the JSON (UTF-8) their digest is of (see
    inputs_digest).

    Both are canonical JSON, with the scorecards, nearly all of the text, serialized once for the two:
    "scorecards" is the last key, so each text is the rest's followed by the scorecards."""
    head = {key: value for key, value in inputs.items() if key != "scorecards"}
    assert max(head) < "scorecards", "the scorecards must stay the last key of the inputs"
    unnamed = {**head, "criteria": [{k: v for k, v in c.items() if k != "name"} for c in head["criteria"]]}
    scorecards = b',"scorecards":' + _canonical(inputs["scorecards"]) + b"}"
    return (_canonical(head)[:-1] + scorecards).decode(), _canonical(unnamed)[:-1] + scorecards


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def inputs_digest(inputs):
    """The SHA-256 of what the ranking depends on: the canonical JSON of the inputs without the criteria's
    names, so renaming a criterion does not make a run stale."""
    return _sha256(_inputs_json(inputs)[1])


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


def check_may(user, may, message):
    if not may(user):
        raise NotAllowed(message)


def ranking_run_start(*, contest, user):
    """Records a new run of `contest`'s ranking, by its current method, and queues the task that computes it
    once this transaction commits. Returns the run, still running. Needs judging.run_ranking."""
    check_may(user, may_rank, _("You may not compute the ranking."))
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
    finished_at = timezone.now()
    try:
        with _cycle_collection_paused():
            stored = _rank_and_store(run, finished_at)
    except (Refusal, ValueError, TypeError, ArithmeticError) as error:
        # The scores cannot be ranked as they are (a scorecard lacking a criterion added since, no criteria):
        # the committee reads why on the run and starts another once it is fixed.
        log.warning("Ranking run %s failed: %s", run_id, error)
        stored = RankingRun.objects.filter(pk=run_id, state=State.RUNNING).update(
            state=State.FAILED, finished_at=finished_at, error=str(getattr(error, "message", error))
        )
    if not stored:
        # Nothing got updated: another worker stored this run first, and a stored run never changes.
        log.info("Ranking run %s was finished by another worker", run_id)
    # The inputs and results are read back only if the caller looks at them: they run to megabytes.
    return RankingRun.objects.defer("inputs", "results").get(pk=run_id)


def _rank_and_store(run, finished_at):
    """Reads, ranks and stores a running run, in one transaction; returns how many runs got them: 0 when
    another worker stored this run first. Raises the ranking's error, having stored nothing.

    A function of its own so that the inputs and results are freed as it returns, before the cycle collector
    resumes: it would walk them all once more."""
    inputs = ranking_inputs(contest=run.contest, method=run.method)
    text, digested = _inputs_json(inputs)
    database = router.db_for_write(RankingRun)
    with transaction.atomic(using=database), ThreadPoolExecutor(max_workers=1) as pool:
        _compress_quickly(connections[database])
        # Python ranks the inputs while the database stores them: sending and compressing their megabytes of
        # JSON takes about as long as the ranking, which needs no database.
        ranking = pool.submit(_results_and_digest, inputs, digested)
        stored = _store_inputs(run.pk, text)
        # A ranking that fails rolls the stored inputs back.
        results, digest = ranking.result()
        if stored:
            RankingRun.objects.filter(pk=run.pk).update(
                state=State.DONE, finished_at=finished_at, inputs_digest=digest, results=results
            )
    return stored


def _results_and_digest(inputs, digested):
    """The results of ranking `inputs`, as the JSON text the results field would write, and the digest of
    `digested`: made while the inputs are being stored, neither is made after."""
    results = orjson.dumps(rank_inputs(inputs).to_dict()).decode()
    return Cast(Value(results), output_field=RankingRun._meta.get_field("results")), _sha256(digested)


def _store_inputs(run_id, text):
    """Stores the inputs of a running run as the JSON text _inputs_json made next to the digest (they are not
    serialized again); returns how many runs got them: 0 when another worker stored this run first."""
    inputs = Cast(Value(text), output_field=RankingRun._meta.get_field("inputs"))
    return RankingRun.objects.filter(pk=run_id, state=State.RUNNING).update(inputs=inputs)


def _compress_quickly(connection):
    """Has PostgreSQL compress what this transaction stores with lz4 rather than its default, pglz, where the
    server has lz4 (PostgreSQL 14 and later, built with it as Debian's and the official images are): pglz takes
    a fifth of the time storing a run's megabytes of inputs costs, lz4 several times less (and reads back
    faster) for a quarter more bytes on disk."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings"
            " WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )


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


def lock_final_round(contest):
    """The contest's final round, locked: the committee's decisions on one contest happen one at a time."""
    return FinalRound.objects.select_for_update().get(pk=final_round_get(contest=contest).pk)


def check_phase(contest, action):
    """Ranking and prizes happen in the final round only: not before it, and not once the results are out."""
    phase_check(contest, action)


@transaction.atomic
def ranking_run_approve(*, run, user):
    """Approves `run` as the contest's ranking, the one prizes come from; the run approved before, if any,
    is approved no more. Only the approval fields change; the inputs and results stay as computed.

    Refused for a run that is not done, a stale run, after publication, and while prizes awarded from another
    run stand (withdraw them first: awards_withdraw). Approving the approved run again changes nothing.
    Needs judging.approve_ranking. Returns True when this call approved it."""
    check_may(user, may_approve_ranking, _("You may not approve the ranking."))
    final_round = lock_final_round(run.contest)
    run = RankingRun.objects.select_for_update().get(pk=run.pk)
    if run.approved_at is not None:
        return False
    check_phase(final_round.contest, "rank")
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
