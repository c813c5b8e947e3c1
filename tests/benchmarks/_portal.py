"""The portal under gunicorn for the upload benchmarks: set up as in production (DEBUG off, static files
collected, persistent database connections) on a throw-away VAR_DIR, with the demo contest and its entrant
logged in and registered. Requests carry X-Forwarded-Proto: https, as nginx in front would set it.

Not a benchmark itself: `make bench` runs only the scripts whose names do not start with "_"."""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parents[2]
EMAIL = "thisinh@demo.local"
PASSWORD = "demo-thisinh-2024"
REGISTRATION = {
    "full_name": "Lò Văn Bench",
    "date_of_birth": "1990-05-01",
    "gender": "male",
    "id_number": "014090001234",
    "phone": "0912345678",
    "email": EMAIL,
    "organisation": "",
    "locality": "1",
    "address": "Sơn La",
    "category": "1",
    "group_name": "",
    "declares_originality": "on",
    "accepts_rules": "on",
    "consents_to_publication": "on",
    "consents_to_data_processing": "on",
    "coauthors-TOTAL_FORMS": "0",
    "coauthors-INITIAL_FORMS": "0",
    "coauthors-MIN_NUM_FORMS": "0",
    "coauthors-MAX_NUM_FORMS": "10",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_peak_kib(pid):
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1))


def worker_pid(master_pid):
    return int(Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()[0])


def gunicorn(app, port, env, threads=4):
    """A gunicorn master with one gthread worker serving the WSGI `app` on 127.0.0.1:port."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}", "-k", "gthread", "-w", "1"]
        + ["--threads", str(threads), "--timeout", "600", "--log-level", "warning"],
        cwd=BASE_DIR,
        env=env,
    )


class Session:
    """Cookies kept across requests, one connection per request: enough to log in and fill in forms."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def headers(self, extra=None):
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1:{self.port}/",
        }
        headers.update(extra or {})
        return headers

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        connection.request(method, path, body=body, headers=self.headers(headers))
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response, data

    def form_token(self, path):
        _, page = self.request("GET", path)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode(), page

    def post_form(self, path, fields):
        token, _ = self.form_token(path)
        response, page = self.request(
            "POST",
            path,
            urlencode({"csrfmiddlewaretoken": token, **fields}),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status == 302, f"POST {path}: {response.status} {page[:2000]}"


def portal_environment(var_dir, database_url=None):
    """The environment of a production-like portal whose files all live in `var_dir`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contest_portal.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://127.0.0.1",
        "VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
    }
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "MEDIA_ROOT", "FILE_UPLOAD_TEMP_DIR", "DEBUG"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def unit_nice(unit):
    """The Nice= of deploy/systemd/<unit> (0 without one): the benchmarks run each server at its priority."""
    text = (BASE_DIR / "deploy" / "systemd" / unit).read_text()
    found = re.search(r"^Nice=(-?\d+)$", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def gunicorn_as_deployed(port, env, unit="contest-portal-web.service"):
    """gunicorn as deploy/gunicorn.conf.py runs it in production (workers and threads from that file), at the
    priority of its systemd `unit`."""
    nice = unit_nice(unit)
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(BASE_DIR / "deploy" / "gunicorn.conf.py")],
        cwd=BASE_DIR,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )


@contextmanager
def running_portal(env, *, as_deployed=False):
    """(gunicorn master, Session logged in as the demo entrant, with a registration form), for the block: one
    gthread worker, or with `as_deployed` the workers and threads of deploy/gunicorn.conf.py."""
    python = sys.executable
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"], ["load_demo"]):
        subprocess.run([python, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, capture_output=True)
    port = free_port()
    server = gunicorn_as_deployed(port, env) if as_deployed else gunicorn("contest_portal.wsgi", port, env)
    try:
        session = Session(port)
        for _ in range(100):
            try:
                session.request("GET", "/")
                break
            except OSError:
                time.sleep(0.1)
        session.post_form("/tai-khoan/login/", {"login": EMAIL, "password": PASSWORD})
        session.post_form("/demo-son-la-2024/phieu-dang-ky/", REGISTRATION)
        yield server, session
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def throwaway_database(server_url):
    """None (SQLite under VAR_DIR), or the URL of a new PostgreSQL database on `server_url`, dropped after."""
    if not server_url:
        yield None
        return
    import psycopg2

    name = f"bench_{os.getpid()}"
    connection = psycopg2.connect(server_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")
        connection.close()
