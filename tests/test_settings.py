"""Settings, read in a fresh process from a controlled environment: the embedded defaults, what each URL
switches on, and production's refusal to start half-configured."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

SHOW_SETTINGS = """
import json, os
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "contest_portal.settings"
django.setup()
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": database["ENGINE"],
    "NAME": str(database["NAME"]),
    "CONN_MAX_AGE": database["CONN_MAX_AGE"],
    "CONN_HEALTH_CHECKS": database["CONN_HEALTH_CHECKS"],
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_FILE_PATH": str(getattr(settings, "EMAIL_FILE_PATH", "")),
    "EMAIL_HOST": getattr(settings, "EMAIL_HOST", ""),
    "EMAIL_PORT": getattr(settings, "EMAIL_PORT", 0),
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    "FILE_UPLOAD_TEMP_DIR": str(settings.FILE_UPLOAD_TEMP_DIR),
}))
"""


def _run(args, tmp_path, **variables):
    """Runs the venv's python with only these variables (and VAR_DIR in tmp_path, so var/ is never touched)."""
    if (BASE_DIR / ".env").exists():
        # settings.py would fill whatever these variables leave unset from it.
        pytest.skip("a .env file in the checkout would be read by the settings under test")
    environment = {"PATH": os.defpath, "VAR_DIR": str(tmp_path / "var"), **variables}
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )


def _settings(tmp_path, **variables):
    result = _run(["-c", SHOW_SETTINGS], tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _production_key():
    return secrets.token_urlsafe(45)[:60]


def test_with_no_environment_it_runs_on_the_embedded_defaults(tmp_path):
    var = tmp_path / "var"

    shown = _settings(tmp_path)

    assert shown["DEBUG"] is True
    assert (shown["ENGINE"], shown["NAME"]) == ("django.db.backends.sqlite3", str(var / "db.sqlite3"))
    assert shown["CELERY_TASK_ALWAYS_EAGER"] is True
    assert shown["CELERY_BROKER_URL"] == "memory://"
    assert shown["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert shown["EMAIL_FILE_PATH"] == str(var / "mail")
    assert shown["MEDIA_ROOT"] == str(var / "media")
    assert (var / "media").is_dir() and (var / "tmp").is_dir()


def test_urls_switch_to_postgresql_redis_and_smtp(tmp_path):
    shown = _settings(
        tmp_path,
        DATABASE_URL="postgres://portal:secret@db.internal:5432/contest_portal",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="smtp://127.0.0.1:8025",
    )

    assert (shown["ENGINE"], shown["NAME"]) == ("django.db.backends.postgresql", "contest_portal")
    assert shown["CELERY_TASK_ALWAYS_EAGER"] is False
    assert shown["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"
    assert shown["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (shown["EMAIL_HOST"], shown["EMAIL_PORT"]) == ("127.0.0.1", 8025)


def test_database_connections_are_kept_a_minute_unless_the_url_says_otherwise(tmp_path):
    kept = _settings(tmp_path, DATABASE_URL="postgres://portal:secret@db.internal:5432/contest_portal")
    closed = _settings(tmp_path, DATABASE_URL="postgres://portal@db.internal/contest_portal?conn_max_age=0")

    assert (kept["CONN_MAX_AGE"], kept["CONN_HEALTH_CHECKS"]) == (60, True)
    assert (_settings(tmp_path)["CONN_MAX_AGE"], closed["CONN_MAX_AGE"]) == (60, 0)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _run(["manage.py", "check"], tmp_path, DJANGO_ENV="production", ALLOWED_HOSTS="contest.example.vn")

    assert result.returncode != 0
    assert "Set SECRET_KEY to a long random value" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    result = _run(
        ["manage.py", "check"],
        tmp_path,
        DJANGO_ENV="production",
        SECRET_KEY="too-short",
        ALLOWED_HOSTS="contest.example.vn",
    )

    assert result.returncode != 0
    assert "Set SECRET_KEY to a long random value" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = _run(["manage.py", "check"], tmp_path, DJANGO_ENV="production", SECRET_KEY=_production_key())

    assert result.returncode != 0
    assert "Set ALLOWED_HOSTS" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = _run(
        ["manage.py", "check"],
        tmp_path,
        DJANGO_ENV="production",
        DEBUG="true",
        SECRET_KEY=_production_key(),
        ALLOWED_HOSTS="contest.example.vn",
    )

    assert result.returncode != 0
    assert "DEBUG must be off when DJANGO_ENV=production" in result.stderr


@pytest.mark.parametrize("site_url", [None, "", "contest.example.vn", "/", "ftp://contest.example.vn"])
def test_production_refuses_to_start_without_the_sites_absolute_address(tmp_path, site_url):
    """The links in its mails would lead to a developer's machine (http://127.0.0.1:8000) otherwise."""
    address = {} if site_url is None else {"SITE_URL": site_url}
    result = _run(
        ["manage.py", "check"],
        tmp_path,
        DJANGO_ENV="production",
        SECRET_KEY=_production_key(),
        ALLOWED_HOSTS="contest.example.vn",
        **address,
    )

    assert result.returncode != 0
    assert "Set SITE_URL to the portal's public address" in result.stderr


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DJANGO_ENV="production",
        SECRET_KEY=_production_key(),
        ALLOWED_HOSTS="contest.example.vn",
        SITE_URL="https://contest.example.vn",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_make_run_links_its_mails_to_the_address_it_serves():
    recipe = (BASE_DIR / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]

    assert "SITE_URL=http://127.0.0.1:$(PORT)" in recipe
    assert "runserver 127.0.0.1:$(PORT)" in recipe


def test_env_example_lists_every_variable_settings_reads():
    read = set(
        re.findall(
            r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""",
            (BASE_DIR / "contest_portal" / "settings.py").read_text(),
        )
    )
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))

    assert read, "no env(...) calls found in settings.py"
    assert read - listed == set()


@pytest.mark.parametrize("value", ["Production", "prod", "staging", " production"])
def test_an_unknown_django_env_refuses_to_start(tmp_path, value):
    result = _run(
        ["manage.py", "check"],
        tmp_path,
        DJANGO_ENV=value,
        SECRET_KEY=_production_key(),
        ALLOWED_HOSTS="contest.example.vn",
    )

    assert result.returncode != 0
    assert f"DJANGO_ENV is {value!r}; use one of: development, production" in result.stderr
