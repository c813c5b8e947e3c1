"""The pages of deadline night at scale: the Standing Office's screening list with 2,000 clips (50 rows a page,
three screeners' recommendations on each clip) next to the landing page, the lightest page there is, in the same
run; and the finalist gallery of 50 as it leaves the portal (HTML, plain and gzipped as nginx sends it).

Runs in-process through Django's test client (no network, so the figures are the portal's own work) on a
throw-away SQLite database, or PostgreSQL with BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).
Rounds of each page are interleaved; prints the median and the best of BENCH_PAGES_ROUNDS, and the ratio to the
landing page. Targets: the screening list's median under 150 ms; the gallery under 250 KB over the wire, which
tests/browser/test_gallery.py measures in Chromium through nginx (its thumbnails are loaded lazily)."""

import datetime
import gzip
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
CLIPS = int(os.environ.get("BENCH_PAGES_CLIPS", "2000"))
ROUNDS = int(os.environ.get("BENCH_PAGES_ROUNDS", "15"))
TARGET_MS = 150

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _portal import portal_environment, throwaway_database  # noqa: E402


def _setup_django(var_dir, database_url=None):
    """The portal as in production (DEBUG off, static files collected), in this process."""
    os.environ.clear()
    os.environ.update(portal_environment(var_dir, database_url), ALLOWED_HOSTS="testserver")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_demo", stdout=io.StringIO())


def _fill():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from submissions.models import Contest, Registration, ScreeningReview, Submission, SubmissionAuthor

    random.seed(12)
    contest = Contest.objects.get(slug="demo-son-la-2024")
    User = get_user_model()
    users = User.objects.bulk_create([User(email=f"entrant{i}@bench.local") for i in range(CLIPS)])
    category, localities, genres = (
        contest.categories.first(),
        list(contest.localities.all()),
        list(contest.genres.all()),
    )
    registrations = Registration.objects.bulk_create(
        Registration(
            contest=contest,
            user=user,
            full_name=f"Người dự thi {i}",
            date_of_birth=datetime.date(1990, 1, 1),
            gender="male",
            id_number=f"{14090000000 + i:012d}",
            phone="0912345678",
            email=user.email,
            address="Sơn La",
            category=category,
            locality=random.choice(localities),
            declares_originality=True,
            accepts_rules=True,
            consents_to_publication=True,
            consents_to_data_processing=True,
        )
        for i, user in enumerate(users)
    )
    now = timezone.now()
    clips = Submission.objects.bulk_create(
        Submission(
            contest=contest,
            registration=registration,
            sequence=i + 1,
            code=f"{contest.code_prefix}-{i + 1:04d}",
            title=f"Chuyển đổi số ở bản em, clip số {i + 1}",
            genre=random.choice(genres),
            summary="Một clip ngắn.",
            original_filename="clip.mp4",
            size=300_000_000,
            sha256="0" * 64,
            container="mp4",
            duration=random.randint(60, 900),
            width=1920,
            height=1080,
            video_codec="h264",
            audio_codec="aac",
            rotation=0,
            frame_rate=30,
            bitrate=8_000_000,
            submitted_at=now,
            media_state="ready",
            technical_flags=["portrait"] if i % 7 == 0 else [],
            thumbnail=f"thumbnails/{contest.slug}/{i}.jpg",
            preview=f"previews/{contest.slug}/{i}.mp4",
            status="shortlisted" if i < 50 else "received",
        )
        for i, registration in enumerate(registrations)
    )
    SubmissionAuthor.objects.bulk_create(
        SubmissionAuthor(
            submission=clip,
            order=0,
            is_registrant=True,
            full_name=clip.registration.full_name,
            id_number=clip.registration.id_number,
            date_of_birth=clip.registration.date_of_birth,
        )
        for clip in clips
    )
    screeners = [User.objects.get(email="thuongtruc@demo.local")] + [
        User.objects.create(email=f"screener{i}@bench.local", is_staff=True) for i in range(2)
    ]
    ScreeningReview.objects.bulk_create(
        ScreeningReview(
            submission=clip, reviewer=screener, recommendation=random.choice(["shortlist", "not_select"])
        )
        for clip in clips
        for screener in screeners
    )
    Contest.objects.filter(pk=contest.pk).update(last_sequence=CLIPS, finalists_published_at=now)
    return contest


def _timed(client, url):
    started = time.perf_counter()
    response = client.get(url, secure=True)  # nginx says https (X-Forwarded-Proto)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, response


def main():
    with (
        tempfile.TemporaryDirectory(prefix="bench-pages-") as var_dir,
        throwaway_database(os.environ.get("BENCH_DATABASE_URL")) as database_url,
    ):
        _setup_django(var_dir, database_url)
        from django.contrib.auth import get_user_model
        from django.test import Client

        database = "PostgreSQL" if database_url else "SQLite"
        print(f"Filling a {database} database: {CLIPS:,} clips, 3 recommendations each …")
        contest = _fill()
        if database_url:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        office = Client()
        office.force_login(get_user_model().objects.get(email="thuongtruc@demo.local"))
        visitor = Client()
        pages = {
            "screening list, page 1": (office, "/admin/submissions/submission/"),
            "screening list, page 20": (office, "/admin/submissions/submission/?p=20"),
            "screening list, searched": (office, "/admin/submissions/submission/?q=clip+s%E1%BB%91+17"),
            "screening list, filtered": (office, "/admin/submissions/submission/?status__exact=received&o=-7"),
            "landing page (peer)": (visitor, f"/{contest.slug}/"),
        }
        times = {name: [] for name in pages}
        for client, url in pages.values():
            _timed(client, url)  # warm: templates, translations, the database's cache
        for _ in range(ROUNDS):
            for name, (client, url) in pages.items():
                times[name].append(_timed(client, url)[0])
        peer = statistics.median(times["landing page (peer)"])
        print(f"Median and best of {ROUNDS} interleaved rounds, in-process:")
        for name, measured in times.items():
            median = statistics.median(measured)
            line = f"  {name:28} median {median * 1000:6.1f} ms, best {min(measured) * 1000:6.1f} ms"
            if name != "landing page (peer)":
                line += f", {median / peer:5.1f}× the landing page"
                if median * 1000 > TARGET_MS:
                    line += f"  OVER {TARGET_MS} ms"
            print(line)

        _, gallery = _timed(visitor, f"/{contest.slug}/chung-ket/")
        html = gallery.content
        compressed = len(gzip.compress(html, compresslevel=1))
        players, lazy = html.count(b"<video"), html.count(b'loading="lazy"')
        print(
            f"Gallery of 50 finalists: HTML {len(html) / 1000:.1f} KB, gzipped as nginx sends it (level 1) "
            f"{compressed / 1000:.1f} KB, {players} players before play is pressed, {lazy} lazy thumbnails "
            "at ?w=480 (over the wire on a phone: tests/browser/test_gallery.py)"
        )


if __name__ == "__main__":
    main()
