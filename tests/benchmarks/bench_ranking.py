"""Ranking at scale: 2,000 finalists × 15 judges × 5 criteria (150,000 scores) ranked end to end through the task,
next to one SQL statement that computes the same ranking inside PostgreSQL, in the same run.

Runs on a throw-away SQLite database (VAR_DIR in a temporary folder, tasks in-process), filled with bulk_create,
or on a throw-away PostgreSQL database on the server BENCH_DATABASE_URL names (e.g.
postgres://postgres@127.0.0.1:5432/postgres).
"End to end" is what the committee's click costs: ranking_run_start commits, the task reads every counted score,
ranks them (judging/ranking.py), digests and stores the inputs and results.

The peer, on PostgreSQL only (it needs exact numeric arithmetic and percentile_disc), is one statement with
window functions that ranks the same scores by the same rules (judging/ranking.py's docstring): per clip, the
score by the method (the mean, the trimmed mean or the median of the totals, or the mean of each judge's z-scores
put back on the points scale), the raw mean, the spread, the number of scorecards, every criterion's score by
the same method, the count-back (first and top-3 places among the clips ranked) and the competition rank by
score, tie-breaking criteria, first places and top-3 places, all rounded as the portal rounds. It stores nothing,
and names neither the tied clips nor the step that decided: that, the inputs and the digest are what the portal
does on top. Every round checks that the peer's rows equal the run's results, in rank order.

Each of BENCH_RANKING_REPEAT rounds (default 5) runs, for each of BENCH_RANKING_METHODS (default: all four), the
peer then the portal; prints the best round of each, the ratio (target: at most 1.5×), and the task's phases:
fetching the counted scores from the database alone (what any ranking outside the database pays first), reading
the inputs (the fetch included), serializing them, ranking and digesting them (which the task does while the
database stores the inputs), and storing the run with the rest of the task."""

import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
FINALISTS = int(os.environ.get("BENCH_RANKING_FINALISTS", "2000"))
JUDGES = int(os.environ.get("BENCH_RANKING_JUDGES", "15"))
CRITERIA = int(os.environ.get("BENCH_RANKING_CRITERIA", "5"))
REPEAT = int(os.environ.get("BENCH_RANKING_REPEAT", "5"))
METHODS = os.environ.get("BENCH_RANKING_METHODS", "mean trimmed_mean median zscore").split()
MIN_SCORECARDS = 3
TARGET_RATIO = 1.5

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _portal import throwaway_database  # noqa: E402


def _setup_django(var_dir, database_url=None):
    os.environ["VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "contest_portal.settings"
    os.environ["LOG_LEVEL"] = "WARNING"
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "ENV_FILE"):
        os.environ.pop(name, None)
    os.environ["ENV_FILE"] = os.path.join(var_dir, "no.env")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill():
    """The contest, its rubric, the jury and every scorecard submitted, in bulk."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from judging.models import Assignment, Criterion, FinalRound, Score, Scorecard
    from judging.son_la_2024 import load_son_la_2024
    from submissions.models import Contest, Registration, Submission
    from submissions.phases import Phase

    rng = random.Random(2024)
    contest = load_son_la_2024(slug="bench")
    # In its final round, as contest_close_preliminary leaves it: ranking is refused in any other phase.
    Contest.objects.filter(pk=contest.pk).update(stage=Phase.FINAL)
    FinalRound.objects.update_or_create(contest=contest, defaults={"min_scorecards": MIN_SCORECARDS})
    # The demo rubric, if the loader made one, gives way to this benchmark's.
    Criterion.objects.filter(contest=contest).delete()
    criteria = Criterion.objects.bulk_create(
        Criterion(
            contest=contest,
            name=f"Tiêu chí {index + 1}",
            max_points=Decimal(10),
            weight=Decimal(2 if index == 0 else 1),
            order=index,
            breaks_ties=index == 0,
        )
        for index in range(CRITERIA)
    )
    users = get_user_model()
    judges = users.objects.bulk_create(
        users(email=f"giamkhao{index}@bench.local", full_name=f"Giám khảo {index}", is_staff=True)
        for index in range(JUDGES)
    )
    entrants = users.objects.bulk_create(users(email=f"tacgia{index}@bench.local") for index in range(FINALISTS))
    registrations = Registration.objects.bulk_create(
        Registration(contest=contest, user=user, full_name=f"Tác giả {index}", id_number=f"{index:012d}")
        for index, user in enumerate(entrants)
    )
    genre = contest.genres.first()
    finalists = Submission.objects.bulk_create(
        Submission(
            contest=contest,
            registration=registration,
            sequence=index + 1,
            code=f"CDS2024-{index + 1:04d}",
            title=f"Clip dự thi số {index + 1}",
            genre=genre,
            summary="",
            status=Submission.Status.SHORTLISTED,
            clip=f"clips/bench/{index}.mp4",
            original_filename="clip.mp4",
            size=1,
            sha256="0" * 64,
            container="mp4",
            duration=60.0,
            width=1280,
            height=720,
            video_codec="h264",
        )
        for index, registration in enumerate(registrations)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(submission=clip, judge=judge) for clip in finalists for judge in judges
    )
    now = timezone.now()
    scorecards = Scorecard.objects.bulk_create(
        (Scorecard(assignment=a, state=Scorecard.State.SUBMITTED, submitted_at=now) for a in assignments),
        batch_size=5000,
    )
    Score.objects.bulk_create(
        (
            Score(scorecard=card, criterion=criterion, points=Decimal(rng.randrange(0, 41)) / 4)
            for card in scorecards
            for criterion in criteria
        ),
        batch_size=10000,
    )
    return contest


def _through_the_task(contest, user, method):
    """Seconds from the committee's click to the stored run (tasks run in-process right after the commit), and
    the run's results."""
    from django.db import transaction

    from judging.models import FinalRound, RankingRun
    from judging.runs import ranking_run_start

    FinalRound.objects.filter(contest=contest).update(method=method)
    started = time.perf_counter()
    with transaction.atomic():
        run = ranking_run_start(contest=contest, user=user)
    elapsed = time.perf_counter() - started
    state, error, results = RankingRun.objects.values_list("state", "error", "results").get(pk=run.pk)
    assert state == RankingRun.State.DONE, error
    return elapsed, results


# The peer: what judging/ranking.py computes for the ranked clips, as one PostgreSQL statement.

_AGGREGATES = {
    "mean": "sum({x}) / count(*)",
    "trimmed_mean": (
        "CASE WHEN count(*) >= 4 THEN (sum({x}) - max({x}) - min({x})) / (count(*) - 2) ELSE sum({x}) / count(*) END"
    ),
    # The lower and the upper middle value: the same one for an odd count.
    "median": (
        "(percentile_disc(0.5) WITHIN GROUP (ORDER BY {x})"
        " + percentile_disc(0.5) WITHIN GROUP (ORDER BY {x} DESC)) / 2"
    ),
}


def _rounded(expression):
    # Halves up, as the portal rounds (PostgreSQL's round() takes negative halves away from zero).
    return f"floor(({expression}) * 1000000 + 0.5) / 1000000"


def _precise(expression):
    # PostgreSQL's numeric division and square root keep at least their arguments' decimal places: 30, far more
    # than the 6 shown, keep the z-scores' rounding where the portal's 34 digits put it.
    return f"round({expression}, 30)"


def _peer_sql(criteria, method):
    """The statement ranking the contest %(contest)s by `method`, needing %(min_scorecards)s scorecards per clip:
    one row per ranked clip in rank order, as _peer_results reads them."""
    columns = ["total", *(f"c{index}" for index in range(len(criteria)))]
    breaking = [f"c{index}" for index, criterion in enumerate(criteria) if criterion.breaks_ties]
    per_criterion = "".join(
        f",\n        sum(s.points * c.weight) FILTER (WHERE c.id = {criterion.pk}) AS c{index}"
        for index, criterion in enumerate(criteria)
    )
    if method == "zscore":
        # A judge's z-scores over every clip they scored, incomplete ones too; 0 where all their values are equal.
        def z(x):
            n, total, squares = "count(*) OVER judge", f"sum({x}) OVER judge", f"sum({x} * {x}) OVER judge"
            dispersion = _precise(f"{n} * {squares} - {total} * {total}")
            return f"coalesce(({n} * {x} - {total}) / nullif(sqrt({dispersion}), 0), 0) AS {x}_z"

        per_card = "".join(f",\n        {z(x)}" for x in columns)
        # The key is the mean z-score; the score is on the points scale, from the mean and the population
        # standard deviation of every counted scorecard.
        per_clip = "".join(f",\n        {_rounded(f'avg({x}_z)')} AS {x}, avg({x}_z) AS {x}_z" for x in columns)
        scale = ",\n        ".join(
            f"{_precise(f'sum({x})')} / count(*) AS {x}_mean, "
            f"sqrt({_precise(f'count(*) * sum({x} * {x}) - sum({x}) * sum({x})')}) / count(*) AS {x}_deviation"
            for x in columns
        )
        points_scale = f""",
    points_scale AS (
        SELECT {scale}
        FROM cards
    )"""
        shown = {x: _rounded(f"{x}_mean + {x}_z * {x}_deviation") for x in columns}
        sources, zscore = "clips CROSS JOIN points_scale", "total"
    else:
        per_card, points_scale = "", ""
        per_clip = "".join(f",\n        {_rounded(_AGGREGATES[method].format(x=x))} AS {x}" for x in columns)
        shown = {x: x for x in columns}
        sources, zscore = "clips", "NULL"
    order = ", ".join(f"{x} DESC" for x in ["total", *breaking, "first_places", "top3_places"])
    return f"""
    WITH cards AS (
        SELECT a.submission_id AS clip, a.judge_id AS judge, sum(s.points * c.weight) AS total{per_criterion}
        FROM judging_score s
        JOIN judging_scorecard card ON card.id = s.scorecard_id
        JOIN judging_assignment a ON a.id = card.assignment_id
        JOIN submissions_submission clip ON clip.id = a.submission_id
        JOIN judging_criterion c ON c.id = s.criterion_id
        WHERE card.state = 'submitted' AND a.conflict_declared_at IS NULL AND clip.status = 'shortlisted'
            AND clip.contest_id = %(contest)s AND c.contest_id = %(contest)s
        GROUP BY a.id
    ),
    judged AS (
        SELECT *, count(*) OVER (PARTITION BY clip) >= %(min_scorecards)s AS complete{per_card}
        FROM cards
        WINDOW judge AS (PARTITION BY judge)
    ),
    placed AS (
        -- A judge's places among the clips ranked: competition ranks of their totals.
        SELECT *, rank() OVER (PARTITION BY judge, complete ORDER BY total DESC) AS place
        FROM judged
    ),
    clips AS (
        SELECT clip, bool_and(complete) AS complete, count(*) AS scorecards,
            {_rounded("sum(total) / count(*)")} AS raw_mean, max(total) - min(total) AS spread,
            count(*) FILTER (WHERE place = 1) AS first_places,
            count(*) FILTER (WHERE place <= 3) AS top3_places{per_clip}
        FROM placed
        GROUP BY clip
    ){points_scale}
    SELECT clip, rank() OVER (ORDER BY {order}) AS rank, {shown["total"]} AS score, raw_mean, {zscore} AS zscore,
        spread, scorecards, {", ".join(shown[x] for x in columns[1:])}, first_places, top3_places
    FROM {sources}
    WHERE complete
    ORDER BY rank, clip
    """


def _peer(contest, criteria, method):
    """Seconds the statement takes, its rows fetched, and the rows."""
    from django.db import connection

    sql = _peer_sql(criteria, method)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"contest": contest.pk, "min_scorecards": MIN_SCORECARDS})
        rows = cursor.fetchall()
    return time.perf_counter() - started, rows


def _shown(value):
    return str(value.quantize(Decimal("0.000001")))


def _peer_results(rows, criteria):
    """The peer's rows as the run's results show the same figures."""
    return [
        {
            "clip": clip,
            "rank": rank,
            "score": _shown(score),
            "raw_mean": _shown(raw_mean),
            "zscore": None if zscore is None else _shown(zscore),
            "spread": _shown(spread),
            "scorecards": scorecards,
            "criterion_scores": {
                str(criterion.pk): _shown(value) for criterion, value in zip(criteria, rest[:-2], strict=True)
            },
            "first_places": rest[-2],
            "top3_places": rest[-1],
        }
        for clip, rank, score, raw_mean, zscore, spread, scorecards, *rest in rows
    ]


def _check_same(method, peer, results):
    portal = [{key: clip[key] for key in peer[0]} for clip in results["ranked"]] if peer else results["ranked"]
    if peer != portal:
        differing = next(
            (index for index, (mine, theirs) in enumerate(zip(peer, portal, strict=False)) if mine != theirs),
            min(len(peer), len(portal)),
        )
        raise AssertionError(
            f"{method}: the peer's ranking differs from the portal's at position {differing + 1}"
            f" ({len(peer)} and {len(portal)} clips ranked):\n"
            f"  peer   {peer[differing] if differing < len(peer) else None}\n"
            f"  portal {portal[differing] if differing < len(portal) else None}"
        )


def _phases(contest, criteria, method):
    """Where the task's time goes: reading the inputs (and, within it, only fetching the scores from the
    database, which any ranking in Python must do), serializing them, then ranking them and digesting them,
    which the task does while the database stores the inputs."""
    from judging.runs import (
        _cycle_collection_paused,
        _inputs_json,
        _sha256,
        counted_scorecards,
        rank_inputs,
        ranking_inputs,
    )

    with _cycle_collection_paused():
        started = time.perf_counter()
        counted_scorecards(contest, criteria)
        fetched = time.perf_counter()
        inputs = ranking_inputs(contest=contest, method=method)
        read = time.perf_counter()
        _text, digested = _inputs_json(inputs)
        serialized = time.perf_counter()
        rank_inputs(inputs).to_dict()
        _sha256(digested)
        ranked = time.perf_counter()
    return {
        "fetching the scores alone": fetched - started,
        "read the inputs (fetch included)": read - fetched,
        "serialize": serialized - read,
        "rank and digest (while storing)": ranked - serialized,
    }


def main():
    with (
        tempfile.TemporaryDirectory(prefix="bench-ranking-") as var_dir,
        throwaway_database(os.environ.get("BENCH_DATABASE_URL")) as database_url,
    ):
        _setup_django(var_dir, database_url)
        from contest_portal.celery import app

        app.conf.task_always_eager = True
        database = "PostgreSQL" if database_url else "SQLite"
        print(f"Filling a {database} database: {FINALISTS} finalists × {JUDGES} judges × {CRITERIA} criteria …")
        started = time.perf_counter()
        contest = _fill()
        if database_url:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"  filled in {time.perf_counter() - started:.1f} s")
        from judging.models import Criterion
        from tests.staff import make_staff

        committee = make_staff("btc@bench.local", "committee")
        criteria = list(Criterion.objects.filter(contest=contest).order_by("order", "id"))

        portal_times = {method: [] for method in METHODS}
        peer_times = {method: [] for method in METHODS}
        phases = {method: [] for method in METHODS}
        for _ in range(REPEAT):
            for method in METHODS:
                if database_url:
                    elapsed, rows = _peer(contest, criteria, method)
                    peer_times[method].append(elapsed)
                elapsed, results = _through_the_task(contest, committee, method)
                portal_times[method].append(elapsed)
                if database_url:
                    _check_same(method, _peer_results(rows, criteria), results)
                phases[method].append(_phases(contest, criteria, method))
        print(f"Scores ranked: {FINALISTS * JUDGES * CRITERIA:,}; ranked clips: {len(results['ranked']):,}")
        print(
            f"Best of {REPEAT} rounds, each running the peer and then the portal for every method in turn"
            + ("; the peer's rankings equal the portal's in every round" if database_url else "")
        )
        print(
            f"{'method':<14}{'portal (task)':>15}{'peer (1 SQL statement)':>24}{'ratio':>8}   target ≤ {TARGET_RATIO}×"
        )
        for method in METHODS:
            portal = min(portal_times[method])
            if database_url:
                peer = min(peer_times[method])
                ratio = portal / peer
                verdict = "" if ratio <= TARGET_RATIO else "  OVER TARGET"
                print(f"{method:<14}{portal:>13.3f} s{peer:>22.3f} s{ratio:>7.2f}×{verdict}")
            else:
                print(f"{method:<14}{portal:>13.3f} s{'(PostgreSQL only)':>24}")
        print("Phases of the task (best round):")
        for method in METHODS:
            best = min(phases[method], key=lambda phase: sum(phase.values()))
            read, serialize = best["read the inputs (fetch included)"], best["serialize"]
            rest = min(portal_times[method]) - read - serialize
            print(
                f"  {method}: "
                + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in best.items())
                + f"; storing the run and the rest {rest:.3f} s"
            )


if __name__ == "__main__":
    main()
