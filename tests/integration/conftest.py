"""The real parts for the integration tests: PostgreSQL, a Celery worker on Redis, and an SMTP server.

They run in the PostgreSQL pass of .ci/run, which sets DATABASE_URL=postgres://..., CELERY_BROKER_URL=redis://...
and EMAIL_URL=smtp://127.0.0.1:PORT. Without those a test that needs them is skipped, or fails when CI=true.

The worker is one `celery worker` process for the whole session, started on pytest-django's test database
(test_<name>) and the same broker, sending mail by SMTP to the server below. It sees only committed rows, so a
test that uses it runs in a transactional database and is marked `worker` (which keeps tests/conftest.py from
running its tasks in-process)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection

from contest_portal.celery import app as celery_app
from tests.conftest import require_service
from tests.smtp import RecordingSMTPHandler

BASE_DIR = Path(__file__).resolve().parents[2]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WORKER_READY_SECONDS = 60

_worker_log_since = pytest.StashKey[tuple[Path, int]]()
_started_workers = pytest.StashKey[list["CeleryWorker"]]()


def _require_postgresql():
    require_service(
        connection.vendor == "postgresql",
        "needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:PORT/NAME",
    )


@pytest.fixture
def postgresql(transactional_db):
    """A committed PostgreSQL database that other connections (threads, the worker) see."""
    _require_postgresql()


@pytest.fixture(scope="session")
def redis_broker():
    import redis

    url = os.environ.get("CELERY_BROKER_URL", "")
    require_service(
        urlsplit(url).scheme in {"redis", "rediss"},
        "needs Redis: set CELERY_BROKER_URL=redis://HOST:PORT/DB (a database the tests may purge)",
    )
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as error:
        require_service(False, f"Redis at {url} does not answer: {error}")
    return url


@pytest.fixture(scope="session")
def smtp_server():
    from aiosmtpd.controller import Controller

    url = urlsplit(os.environ.get("EMAIL_URL", ""))
    require_service(
        url.scheme == "smtp" and url.hostname in LOOPBACK and url.port,
        "needs an SMTP port on loopback for the test server: set EMAIL_URL=smtp://127.0.0.1:PORT",
    )
    handler = RecordingSMTPHandler()
    controller = Controller(handler, hostname=url.hostname, port=url.port)
    try:
        controller.start()
    except OSError as error:
        pytest.fail(f"cannot listen for SMTP on {url.hostname}:{url.port}: {error}")
    yield handler
    controller.stop()


@pytest.fixture
def smtp(smtp_server):
    """The SMTP server the worker sends to, emptied for this test."""
    smtp_server.reset()
    yield smtp_server
    smtp_server.reset()


def _read_log(path, since=0):
    with open(path, "rb") as log:
        log.seek(since)
        return log.read().decode("utf-8", errors="replace")


class CeleryWorker:
    def __init__(self, process, *, name, log_path, media_root):
        self.process = process
        self.name = name
        self.log_path = log_path
        self.media_root = media_root

    def log(self):
        return _read_log(self.log_path)

    def kill(self):
        """SIGKILL, as `kill -9` or the out-of-memory killer: no shutdown, nothing handed back to the broker."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def answers_ping(self):
        return bool(celery_app.control.ping(destination=[self.name], timeout=1.0))

    def wait_for_tasks(self, task_ids, timeout=30):
        """Waits until the worker has logged each task as finished (there is no result backend to ask)."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log()
            pending = [task_id for task_id in task_ids if f"[{task_id}] succeeded" not in log]
            if not pending:
                return
            failed = [task_id for task_id in pending if f"[{task_id}] raised" in log]
            if failed:
                pytest.fail(f"the worker's task(s) {failed} raised an exception; see the worker log below")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker did not finish task(s) {pending} in {timeout} s")
            time.sleep(0.2)


def _test_database_url():
    """DATABASE_URL, pointing at the database pytest-django created (test_<name>) instead of the real one."""
    return urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"]).geturl()


def _stop(process):
    # TERM asks for a warm shutdown: the task in hand finishes, unfinished ones go back to the queue.
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _worker_environment(redis_broker, tmp_path_factory, media_root, **overrides):
    return {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": redis_broker,
        "MAIL_RETRY_BASE_SECONDS": "1",
        "VAR_DIR": str(tmp_path_factory.mktemp("worker-var")),
        "MEDIA_ROOT": str(media_root),
        **overrides,
    }


def _start_worker(*, name, log_path, environment, media_root):
    """A `celery worker` process, once it answers a ping."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "contest_portal",
                "worker",
                "--queues=celery,media",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=INFO",
                f"--hostname={name}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = CeleryWorker(process, name=name, log_path=log_path, media_root=media_root)
    deadline = time.monotonic() + WORKER_READY_SECONDS
    while not worker.answers_ping():
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            pytest.fail(f"the Celery worker did not start (exit code {process.poll()}); its log:\n{worker.log()}")
    return worker


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, redis_broker, smtp_server, tmp_path_factory):
    _require_postgresql()
    media_root = tmp_path_factory.mktemp("worker-media")
    # Tasks left over from an earlier run would otherwise reach this worker.
    celery_app.control.purge()
    worker = _start_worker(
        name=f"pytest-{os.getpid()}@localhost",
        log_path=tmp_path_factory.mktemp("worker") / "celery-worker.log",
        environment=_worker_environment(redis_broker, tmp_path_factory, media_root),
        media_root=media_root,
    )
    try:
        yield worker
    finally:
        _stop(worker.process)


@pytest.fixture
def celery_worker(request, celery_worker_process, transactional_db, settings):
    """The real worker, for a test marked `worker`; the test's media folder is the one the worker reads."""
    if not request.node.get_closest_marker("worker"):
        pytest.fail("a test using the real Celery worker must be marked @pytest.mark.worker")
    if celery_worker_process.process.poll() is not None:
        pytest.fail(f"the Celery worker has exited; its log:\n{celery_worker_process.log()}")
    settings.MEDIA_ROOT = celery_worker_process.media_root
    log_path = celery_worker_process.log_path
    request.node.stash[_worker_log_since] = (log_path, log_path.stat().st_size)
    return celery_worker_process


@pytest.fixture
def start_worker(request, postgresql, redis_broker, smtp, tmp_path_factory, tmp_path):
    """start_worker(**environment) -> a new `celery worker` process of this test's own, with these environment
    variables on top of the session worker's; .kill() kills one.

    While the test runs the other workers on this broker (the session one) stop taking tasks, so that each task
    goes to a worker of this test. Afterwards the workers are stopped, and what killed ones left in Redis (their
    tasks, unacknowledged until the visibility timeout, an hour on) is removed before the next test."""
    import redis

    if not request.node.get_closest_marker("worker"):
        pytest.fail("a test using a real Celery worker must be marked @pytest.mark.worker")
    others = [name for reply in celery_app.control.ping(timeout=1.0) for name in reply]
    if others:
        celery_app.control.cancel_consumer("celery", destination=others, reply=True)
    started = []
    request.node.stash[_started_workers] = started

    def start(**environment):
        number = len(started) + 1
        media_root = tmp_path_factory.mktemp("worker-media")
        worker = _start_worker(
            name=f"pytest-{os.getpid()}-{number}@localhost",
            log_path=tmp_path / f"celery-worker-{number}.log",
            environment=_worker_environment(redis_broker, tmp_path_factory, media_root, **environment),
            media_root=media_root,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        _stop(worker.process)
    celery_app.control.purge()
    redis.Redis.from_url(redis_broker).delete("unacked", "unacked_index")
    if others:
        celery_app.control.add_consumer("celery", destination=others, reply=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    worker_log = item.stash.get(_worker_log_since, None)
    if worker_log and report.failed:
        report.sections.append(("Celery worker log during this test", _read_log(*worker_log)))
    if report.failed:
        for worker in item.stash.get(_started_workers, []):
            report.sections.append((f"Log of the Celery worker {worker.name}", worker.log()))
    return report
