"""Settings for the contest portal, all read from the environment.

With no environment at all it runs on embedded defaults: SQLite under var/, Celery tasks in-process,
e-mail written to files under var/mail/, media under var/media/, DEBUG on. DATABASE_URL, CELERY_BROKER_URL
and EMAIL_URL switch to PostgreSQL, Redis with a real worker, and SMTP. See .env.example.
"""

import os
import re
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# ENV_FILE lets tests and CI point away from a developer's own .env.
environ.Env.read_env(os.environ.get("ENV_FILE", BASE_DIR / ".env"))

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

# A typo here ("Production") must not quietly run a public site with DEBUG on and the development key.
DJANGO_ENVIRONMENTS = ("development", "production")
DJANGO_ENV = env("DJANGO_ENV", default="development")
if DJANGO_ENV not in DJANGO_ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"DJANGO_ENV is {DJANGO_ENV!r}; use one of: {', '.join(DJANGO_ENVIRONMENTS)} (lower case)."
    )
DEBUG = env.bool("DEBUG", default=DJANGO_ENV != "production")

# Only ever used on a developer's machine: production refuses to start with it (see below).
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])

if DJANGO_ENV == "production" and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")
if not DEBUG:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Set SECRET_KEY to a long random value (50+ characters) in production.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated host names) in production.")

INSTALLED_APPS = [
    "contest_portal.accounts",
    "contest_portal.mail",
    "submissions",
    "judging",
    "contest_portal.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session is looked up by its cookie; the refusals of bad input come last, before any view.
    "contest_portal.bad_requests.UnreadableCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "submissions.staff.WorkingContestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "contest_portal.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "contest_portal.accounts.throttle.KnownDeviceMiddleware",
    "contest_portal.bad_requests.UnreadableInputMiddleware",
]

ROOT_URLCONF = "contest_portal.urls"
WSGI_APPLICATION = "contest_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Without this every request opens a connection of its own (for PostgreSQL a TCP connection and a login, for
# SQLite the file and its pragmas): each worker thread keeps one for a minute, checked before it is reused.
# DATABASE_URL can say otherwise (?conn_max_age=0).
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two requests counting clips
    # cannot both read "2 clips" and both insert a third one.
    # WAL lets pages read while a write commits, and with synchronous=NORMAL a commit does not wait for
    # the disk (a crash may lose the last commits, never corrupt the file).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "submissions.staff.ContestRoleBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# My clips in the current contest (the one-contest address leads there); a login from a contest's page goes
# back to it (?next=).
LOGIN_REDIRECT_URL = "/clip-cua-toi/"
# What a mail and a mail template belong to (contest_portal/mail/models.py).
MAIL_CONTEST_MODEL = "submissions.Contest"

ACCOUNT_ADAPTER = "contest_portal.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Throttling (kept in the cache, see CACHE_URL): sign-ups and reset mails per IP; failed logins per address,
# per account and address, and per account over every address (contest_portal/accounts/throttle.py says why
# three, and why a browser that logged in to the account before is held back by the first one only).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env("LOGIN_FAILED_RATE", default="10/m/ip"),
    "login_failed_here": env("LOGIN_FAILED_HERE_RATE", default="5/5m/key"),
    "login_failed_anywhere": env("LOGIN_FAILED_ANYWHERE_RATE", default="30/h/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# How many proxies in front of the portal add themselves to X-Forwarded-For: behind one nginx, 1. With 0 the
# header is ignored and every visitor behind the proxy would share the proxy's address, and its login limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# The portal's public address, for the links in its mails (a mail is written off the request, by a worker);
# `make run` sets it to the address it serves. Production must say it: every link would lead to a developer's
# machine otherwise.
SITE_URL = env("SITE_URL", default="" if DJANGO_ENV == "production" else "http://127.0.0.1:8000")
if DJANGO_ENV == "production" and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", SITE_URL):
    raise ImproperlyConfigured(
        f"Set SITE_URL to the portal's public address, such as https://cuocthi.example.vn (it is {SITE_URL!r})."
    )
# What the portal calls itself in the account mails (sign-up confirmation, password reset); the contests' own
# mails name their contest.
SITE_NAME = env("SITE_NAME", default="Cuộc thi Chuyển đổi số")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [
    BASE_DIR / "contest_portal" / "locale",
    # Django's own strings its Vietnamese catalog lacks ("Show counts", the calendar's days), kept apart so
    # makemessages, which knows nothing of them, never marks them obsolete.
    BASE_DIR / "contest_portal" / "locale_django",
]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Off, as Django has it: with it on, every integer a template prints is grouped, so an id from 1000 on reads
# "1.027" in a form value, an element id or a link and no longer matches. Quantities a reader sees are grouped
# where they are shown: amounts (vnd), exact sizes (bytes_exact) and counts (intcomma).
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"

# Uploaded clips and documents are private: there is no MEDIA_URL, every file is served by a view that
# checks permissions first.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploads stream to this directory; on the same filesystem as MEDIA_ROOT the final move is a rename.
FILE_UPLOAD_TEMP_DIR = Path(env("FILE_UPLOAD_TEMP_DIR", default=str(VAR_DIR / "tmp")))
# The embedded defaults keep everything under var/; make sure its folders exist before anything writes.
for _directory in (VAR_DIR, MEDIA_ROOT, FILE_UPLOAD_TEMP_DIR, STATIC_ROOT):
    _directory.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_HANDLERS = ["submissions.uploads.HashingFileUploadHandler"]
FILE_UPLOAD_PERMISSIONS = 0o640
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"base_url": None}},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Cuộc thi Chuyển đổi số <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20
# Retries of a failed SMTP send: base * 2**attempt seconds, up to MAIL_MAX_ATTEMPTS sends in all.
MAIL_RETRY_BASE_SECONDS = env.int("MAIL_RETRY_BASE_SECONDS", default=30)
MAIL_MAX_ATTEMPTS = env.int("MAIL_MAX_ATTEMPTS", default=6)
# A send claims its mail for this long; a mail still `sending` after that died with its worker and is sent again,
# with the same Message-ID. EMAIL_TIMEOUT bounds each exchange with the server, not the whole send, which is
# about 9 of them (connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA, the message): a send that outlives its
# lease, from a server slow at every step, is logged and may go out twice.
MAIL_SEND_LEASE_SECONDS = env.int("MAIL_SEND_LEASE_SECONDS", default=9 * EMAIL_TIMEOUT)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
if not CELERY_BROKER_URL and env.bool("EMBEDDED_WORKER", default=False):
    # `make run`: a worker runs next to the web server on a broker kept in files under var/celery/ (kombu's
    # filesystem transport), so uploads, previews and mail are done off the request as in production, and
    # what was queued before a stop is done after the next start.
    CELERY_BROKER_URL = "filesystem://"
# Without a broker every task runs in-process, right after the transaction that queued it commits.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
(VAR_DIR / "celery").mkdir(exist_ok=True)
if CELERY_BROKER_URL == "filesystem://":
    _queue_folder = VAR_DIR / "celery" / "queue"
    _queue_folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_folder),
        "data_folder_out": str(_queue_folder),
        # Its exchange tables; kombu's default is ./control, in whatever directory the worker started.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
# Where `celery beat` keeps when each periodic task last ran.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Run by `celery beat` in production; each task also has a management command for cron.
CELERY_BEAT_SCHEDULE = {
    "send-due-mail": {"task": "contest_portal.mail.tasks.mail_send_due_task", "schedule": 300},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# The one inline style Django's admin writes (admin/change_list.html, a list without actions), allowed by its
# hash; after a Django upgrade the browser tests' CSP check says whether it changed.
DJANGO_ADMIN_INLINE_STYLE_HASHES = ["'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"]
# Every page, the admin's included, loads scripts, styles, fonts, pictures and videos from the portal itself
# and nothing else: no inline script, no inline style, no other origin. A script that slipped into a title or
# a name cannot run. data: pictures are for the admin's own stylesheets (icons in CSS). blob: videos are the
# files a visitor picks, read by the clip form's script for their duration before any byte is sent
# (js/clip-check.js): only the page's own script makes such an address, from a file on the visitor's device.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, *DJANGO_ADMIN_INLINE_STYLE_HASHES],
        "img-src": [SELF, "data:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own console handler would print each of its messages a second time.
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

# The largest request body an upload may have (a clip plus its documents); each contest sets its own,
# smaller, limit for the clip itself.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=4 * 1024**3 + 100 * 1024**2)
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=20 * 1024**2)
CSRF_FAILURE_VIEW = "submissions.views.csrf_failure"
FORMAT_MODULE_PATH = ["contest_portal.formats"]

# Private media (clips, previews, thumbnails, documents) is served by views that check permissions first.
# Empty: Django streams the file itself. Behind nginx, set a prefix such as "/_private/" that an `internal`
# location aliases to MEDIA_ROOT: Django answers with X-Accel-Redirect and nginx sends the bytes (README).
PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX = env("PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX", default="")

# Resumable (tus) uploads. An unfinished upload expires this long after its last PATCH; the browser sends
# chunks of TUS_CHUNK_SIZE bytes (see static/js/resumable-upload.js for why 5 MiB).
TUS_UPLOAD_EXPIRY_SECONDS = 7 * 24 * 60 * 60
TUS_CHUNK_SIZE = 5 * 1024**2
CELERY_BEAT_SCHEDULE["expire-uploads"] = {"task": "submissions.tasks.uploads_expire_task", "schedule": 60 * 60}
# A received upload is checked by a worker (submissions.uploads.upload_check); one whose worker died is queued
# again by this sweep.
CELERY_BEAT_SCHEDULE["check-stalled-uploads"] = {
    "task": "submissions.tasks.uploads_check_stalled_task",
    "schedule": 60,
}
# Each contest's personal data is anonymised once its retention period is over (submissions.retention); a day
# late is soon enough. `manage.py anonymise_personal_data` shows what it would do.
CELERY_BEAT_SCHEDULE["anonymise-personal-data"] = {
    "task": "submissions.tasks.personal_data_retention_task",
    "schedule": 24 * 60 * 60,
}

# Media pipeline (submissions/media/pipeline.py). Thumbnails and technical flags run on the default queue; previews
# (minutes of CPU each) on their own `media` queue, so transcodes never hold up mail or thumbnails: a worker
# must consume it (`celery worker -Q celery,media`, or a dedicated `-Q media` worker). At the soft limit a
# transcode stops, removes its temporary file and marks the clip failed; the hard limit kills what is left.
CELERY_TASK_ROUTES = {
    "submissions.tasks.submission_preview_task": {"queue": "media"},
    "submissions.tasks.submission_preview_improve_task": {"queue": "media"},
}
MEDIA_PREPARE_SOFT_TIME_LIMIT = 5 * 60
# A preview's limits grow with the clip: these two are for a clip of no length, and each second of clip adds
# MEDIA_PREVIEW_TIME_LIMIT_PER_CLIP_SECOND seconds to both (a 15-minute clip: 90 and 95 minutes). The test
# suite's 1080p footage takes 0.2 to 0.26 s a second of clip on two idle cores; four leaves room for a busy
# worker and for real footage, which is heavier to decode and to encode.
MEDIA_PREVIEW_SOFT_TIME_LIMIT = 30 * 60
MEDIA_PREVIEW_TIME_LIMIT = 35 * 60
MEDIA_PREVIEW_TIME_LIMIT_PER_CLIP_SECOND = 4
# The technical check screeners see (flags, not refusals): the picture's short side in pixels, the whole
# file's bitrate in bit/s (checked from min_short_side up), frames per second.
MEDIA_TECHNICAL_CHECKS = {"min_short_side": 480, "min_bitrate": 500_000, "min_frame_rate": 20}
