"""Ranking at scale: 2,000 finalists × 15 judges × 5 criteria (150,000 scores) ranked end to end through the task,
next to a single SQL aggregate over the same scores (Σ points × weight per clip) in the same run.

Runs on a throw-away SQLite database (VAR_DIR in a temporary folder, tasks in-process), filled with bulk_create,
or on a throw-away PostgreSQL database on the server BENCH_DATABASE_URL names (e.g.
postgres://postgres@127.0.0.1:5432/postgres).
"End to end" is what the committee's click costs: ranking_run_start commits, the task reads every counted score,
ranks them (judging/ranking.py), digests and stores the inputs and results. The aggregate only sums, with no
ranking, ties, spreads or record: it is the floor. Prints the best of BENCH_RANKING_REPEAT runs of each, the
phases of the task, and the ratio (target: at most 3×). Among the phases, fetching the counted scores from the
database into Python, and nothing more, shows what any ranking computed outside the database pays first."""

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
REPEAT = int(os.environ.get("BENCH_RANKING_REPEAT", "3"))
TARGET_RATIO = 3.0

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
    FinalRound.objects.update_or_create(contest=contest, defaults={"min_scorecards": 3, "method": "mean"})
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


def _through_the_task(contest, user):
    """Seconds from the committee's click to the stored run (tasks run in-process right after the commit)."""
    from django.db import transaction

    from judging.models import RankingRun
    from judging.runs import ranking_run_start

    started = time.perf_counter()
    with transaction.atomic():
        run = ranking_run_start(contest=contest, user=user)
    elapsed = time.perf_counter() - started
    run = RankingRun.objects.get(pk=run.pk)
    assert run.state == RankingRun.State.DONE, run.error
    return elapsed, run


def _sql_aggregate(contest):
    from django.db.models import F, Sum

    from judging.models import Score

    started = time.perf_counter()
    totals = list(
        Score.objects.filter(
            scorecard__state="submitted",
            scorecard__assignment__conflict_declared_at__isnull=True,
            scorecard__assignment__submission__contest=contest,
            scorecard__assignment__submission__status="shortlisted",
        )
        .values("scorecard__assignment__submission_id")
        .annotate(total=Sum(F("points") * F("criterion__weight")))
        .order_by()
    )
    elapsed = time.perf_counter() - started
    assert len(totals) == FINALISTS
    return elapsed


def _phases(contest, run):
    """Where the task's time goes: reading the inputs (and, within it, only fetching the scores from the
    database, which any ranking in Python must do), ranking them, serializing and digesting them."""
    from judging.runs import (
        _cycle_collection_paused,
        _inputs_json,
        counted_score_rows,
        rank_inputs,
        ranking_inputs,
    )

    with _cycle_collection_paused():
        started = time.perf_counter()
        counted_score_rows(contest)
        fetched = time.perf_counter()
        inputs = ranking_inputs(contest=contest, method=run.method)
        read = time.perf_counter()
        rank_inputs(inputs).to_dict()
        ranked = time.perf_counter()
        _inputs_json(inputs)
        digested = time.perf_counter()
    return {
        "fetching the scores alone": fetched - started,
        "read the inputs (fetch included)": read - fetched,
        "rank": ranked - read,
        "serialize and digest": digested - ranked,
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
        from tests.staff import make_staff

        committee = make_staff("btc@bench.local", "committee")

        task_times, aggregate_times = [], []
        for _ in range(REPEAT):
            aggregate_times.append(_sql_aggregate(contest))
            elapsed, run = _through_the_task(contest, committee)
            task_times.append(elapsed)
        phases = min((_phases(contest, run) for _ in range(REPEAT)), key=lambda phases: sum(phases.values()))
        task, aggregate = min(task_times), min(aggregate_times)
        ratio = task / aggregate
        scores = sum(len(card["points"]) for card in run.inputs["scorecards"])
        print(f"Scores ranked: {scores:,}; ranked clips: {len(run.results['ranked']):,}")
        print(f"Ranking through the task (best of {REPEAT}): {task:.3f} s")
        print("  phases: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in phases.items()))
        fetch = phases["fetching the scores alone"]
        print(f"  fetching the scores alone is {fetch / min(aggregate_times):.2f}× the aggregate")
        print(f"Single SQL aggregate (best of {REPEAT}):    {aggregate:.3f} s")
        print(
            f"Ratio: {ratio:.2f}× (target ≤ {TARGET_RATIO:.0f}×){'' if ratio <= TARGET_RATIO else '  OVER TARGET'}"
        )


if __name__ == "__main__":
    main()
