"""Shared fixtures: a contest open now, entrants alice and bob, real clips, and isolated media folders.

Users, as in the house style: alice and bob are entrants, charlie is an entrant with no registration."""

import datetime
import hashlib
import os
import shutil

import pytest
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils import timezone

from contest_portal.celery import app as celery_app
from judging.son_la_2024 import load_son_la_2024
from tests.clips import make_clip
from tests.finalists import make_finalists as finalists_made
from tests.finalists import media_for_previews
from tests.staff import make_judges, make_staff

IN_CI = os.environ.get("CI") == "true"


def require_service(available, reason):
    """Skips a test whose service is missing, except in CI, where a missing service is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the portal's default language, Vietnamese, and leaves it so: a request a test makes
    activates the language it asks for in this thread, and would otherwise carry it into the next test."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The login and sign-up limits count in the cache: one test's failed logins must not throttle the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english():
    """Messages in the English source text, for tests that check what a message says rather than its language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "upload-tmp"
    settings.MEDIA_ROOT.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in-process unless a test is marked to use the real worker."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


FIRST_LARGE_ID = 10_001


@pytest.fixture
def large_ids(db):
    """Every table's next id from 10,001 on, as in a database that has served for a while (or after the whole
    suite on PostgreSQL, whose sequences never go back): a page that writes an id as a localized number
    ("10.001") no longer matches it. Request it before the fixtures that make the rows."""
    from django.apps import apps
    from django.db import connection, models

    with connection.cursor() as cursor:
        for model in apps.get_models():
            # AutoField covers BigAutoField too; proxies share their parent's table.
            if model._meta.proxy or not isinstance(model._meta.pk, models.AutoField):
                continue
            table, column = model._meta.db_table, model._meta.pk.column
            if connection.vendor == "postgresql":
                cursor.execute(
                    f'SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(%s, MAX("{column}")), true) FROM "{table}"',
                    [table, column, FIRST_LARGE_ID - 1],
                )
            elif connection.vendor == "sqlite":
                # sqlite_sequence has a row for a table once it had one; it holds the last id given.
                last = [FIRST_LARGE_ID - 1, table]
                cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", last)
                if not cursor.rowcount:
                    cursor.execute("INSERT INTO sqlite_sequence (seq, name) VALUES (%s, %s)", last)
            else:
                raise NotImplementedError(connection.vendor)


@pytest.fixture
def contest(db):
    now = timezone.now()
    return load_son_la_2024(
        slug="test-contest",
        code_prefix="CDS2024",
        opens_at=now - datetime.timedelta(days=10),
        closes_at=now + datetime.timedelta(days=10),
        min_duration=1,
    )


def close_entries(contest):
    """Moves the contest's window into the past: entries closed yesterday, the contest in its preliminary round
    (submissions.phases), where the finalists are published and the round is closed."""
    from submissions.models import Contest

    now = timezone.now()
    Contest.objects.filter(pk=contest.pk).update(
        opens_at=now - datetime.timedelta(days=30), closes_at=now - datetime.timedelta(days=1)
    )
    contest.refresh_from_db()
    return contest


def open_final_round(contest):
    """Entries closed and the preliminary round closed: the contest in its final round (the tests that need it
    make their finalists directly, so no clip is left undecided to stop contest_close_preliminary)."""
    from submissions.models import Contest
    from submissions.phases import Phase

    close_entries(contest)
    Contest.objects.filter(pk=contest.pk).update(stage=Phase.FINAL)
    contest.refresh_from_db()
    return contest


def make_user(email, password="a-long-test-password"):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def alice(db):
    return make_user("alice@example.com")


@pytest.fixture
def bob(db):
    return make_user("bob@example.com")


@pytest.fixture
def charlie(db):
    return make_user("charlie@example.com")


# The staff, one fixture per role in the contest, as `manage.py create_staff` makes them (tests/staff.py).


@pytest.fixture
def committee(contest):
    return make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")


@pytest.fixture
def office(contest):
    """A screener of the Standing Office."""
    return make_staff("vanphong@example.com", "office", full_name="Lò Văn Sàng")


@pytest.fixture
def judges(request, contest):
    """The jury: three judges, or as many as the test's marker says (`pytest.mark.judges(2)`)."""
    marker = request.node.get_closest_marker("judges")
    return make_judges(marker.args[0] if marker else 3)


@pytest.fixture
def judge(judges):
    return judges[0]


@pytest.fixture
def other_judge(judges):
    return judges[1]


@pytest.fixture(scope="session")
def preview_bytes(tmp_path_factory):
    return media_for_previews(tmp_path_factory.mktemp("previews"))


@pytest.fixture
def make_finalists(contest, preview_bytes):
    """make_finalists(count or titles=[...], one_group=False, with_preview=False, status=SHORTLISTED): finalists
    of the test's contest, made directly (tests/finalists.py)."""

    def _make(count=None, *, titles=None, one_group=False, with_preview=False, **fields):
        previews = preview_bytes if with_preview else None
        return finalists_made(contest, count, titles=titles, one_group=one_group, previews=previews, **fields)

    return _make


# Valid 12-digit ID numbers (born in Sơn La, code 014) and the birth data they encode.
ALICE_ID = ("014190001234", datetime.date(1990, 5, 1), "female")
BOB_ID = ("014085004321", datetime.date(1985, 2, 3), "male")
CHARLIE_ID = ("014302007777", datetime.date(2002, 9, 9), "female")


def registration_fields(contest, *, full_name, person, **extra):
    id_number, date_of_birth, gender = person
    fields = {
        "full_name": full_name,
        "date_of_birth": date_of_birth,
        "gender": gender,
        "id_number": id_number,
        "phone": "0912345678",
        "email": f"{full_name.split()[-1].lower()}@example.com",
        "organisation": "Trường THPT Chuyên Sơn La",
        "locality": contest.localities.first(),
        "address": "Phường Chiềng Lề, Thành phố Sơn La",
        "category": contest.categories.first(),
        "group_name": "",
        "declares_originality": True,
        "accepts_rules": True,
        "consents_to_publication": True,
        "consents_to_data_processing": True,
    }
    fields.update(extra)
    return fields


def registration_post(contest, **changes):
    """The registration form as Alice's browser posts it (the contest asks for every field); `changes` override."""
    data = {
        "full_name": "Lò Thị Alice",
        "date_of_birth": "1990-05-01",
        "gender": "female",
        "id_number": "014 190 001 234",
        "phone": "091 234 5678",
        "email": "alice@example.com",
        "organisation": "UBND xã Chiềng Ngần",
        "locality": contest.localities.first().pk,
        "address": "Bản Mòng, xã Hua La",
        "category": contest.categories.first().pk,
        "group_name": "",
        "declares_originality": "on",
        "accepts_rules": "on",
        "consents_to_publication": "on",
        "consents_to_data_processing": "on",
        "coauthors-TOTAL_FORMS": "1",
        "coauthors-INITIAL_FORMS": "0",
        "coauthors-MIN_NUM_FORMS": "0",
        "coauthors-MAX_NUM_FORMS": "10",
    }
    data.update(changes)
    return data


@pytest.fixture
def register(contest):
    """register(user, full_name, person, coauthors=[...], **fields) -> Registration, through the service."""
    from submissions.services import registration_save

    def _register(user, full_name, person, coauthors=(), **extra):
        # Each co-author is named with an address of their own, as the form asks.
        coauthors = [{"email": f"coauthor-{c['id_number']}@example.com", **c} for c in coauthors]
        return registration_save(
            contest=contest,
            user=user,
            fields=registration_fields(contest, full_name=full_name, person=person, **extra),
            coauthors=coauthors,
        )

    return _register


def as_upload(path, name=None, content_type="video/mp4"):
    """A file as Django's upload handler leaves it: on disk, with its SHA-256 computed while streaming."""
    upload = TemporaryUploadedFile(name or path.name, content_type, path.stat().st_size, None)
    with open(path, "rb") as source:
        shutil.copyfileobj(source, upload.file)
    upload.file.flush()
    upload.seek(0)
    upload.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    return upload


@pytest.fixture(scope="session")
def clip_path(tmp_path_factory):
    """A real 2-second H.264/AAC MP4, made once for the session."""
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4", seconds=2.0)


@pytest.fixture
def submit(contest, clip_path):
    """submit(registration, title=...) -> Submission, through the service, with a real clip."""
    from submissions.services import submission_create

    def _submit(registration, title="Chuyển đổi số ở bản em", clip=None, documents=()):
        clip = clip or as_upload(clip_path, "bản em.mp4")
        try:
            return submission_create(
                registration=registration,
                title=title,
                genre=registration.contest.genres.first(),
                summary="Một clip ngắn về chuyển đổi số.",
                clip=clip,
                documents=documents,
            )
        finally:
            # As Django does at the end of a request; the file may have been moved into storage.
            for upload in (clip, *documents):
                upload.close()

    return _submit
