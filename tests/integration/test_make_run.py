"""`make run` as a newcomer runs it: the web server and, beside it, a Celery worker on the embedded broker (files
under var/celery/). The request that brings a clip's last byte answers at once; the worker checks the clip and
makes its preview; Ctrl-C stops both."""

import base64
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.clips import make_clip
from tests.integration.polling import wait_until
from tests.integration.servers import BASE_DIR, answers, free_port

pytestmark = pytest.mark.integration

EMAIL, PASSWORD = "thisinh@demo.local", "demo-thisinh-2024"  # load_demo's entrant
CONTEST = "demo-son-la-2024"
REGISTER = f"""
from django.contrib.auth import get_user_model
from submissions.models import Contest
from submissions.services import registration_save
from tests.conftest import ALICE_ID, registration_fields
contest = Contest.objects.get(slug="{CONTEST}")
registration_save(
    contest=contest,
    user=get_user_model().objects.get(email="{EMAIL}"),
    fields=registration_fields(contest, full_name="Lò Thị Thí Sinh", person=ALICE_ID),
    coauthors=(),
)
"""


@pytest.fixture
def make_run(tmp_path):
    """`make run` on a port of its own, with a var/ of its own and none of the CI's services: (base URL, env)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "CACHE_URL", "DJANGO_ENV"}
    }
    environment["VAR_DIR"] = str(tmp_path / "var")
    port = free_port()
    log_path = tmp_path / "make-run.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=BASE_DIR,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while not answers(port) or "celery@" not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"make run did not come up; its output:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", environment, process, log_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _log_in(base):
    session = requests.Session()
    session.get(f"{base}/tai-khoan/login/", timeout=30)
    response = session.post(
        f"{base}/tai-khoan/login/",
        data={"login": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}/tai-khoan/login/"},
        timeout=30,
    )
    assert response.status_code == 200 and "sessionid" in session.cookies, response.text[:500]
    return session


def test_make_run_checks_a_received_clip_off_the_request_and_stops_with_its_worker(make_run, tmp_path):
    base, environment, process, log_path = make_run
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", REGISTER], cwd=BASE_DIR, env=environment, check=True
    )
    session = _log_in(base)
    clip = make_clip(tmp_path / "chợ phiên.mp4", seconds=31, width=320, height=240).read_bytes()
    tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": session.cookies["csrftoken"]}
    metadata = {"filename": "chợ phiên.mp4", "title": "Chợ phiên", "genre": "", "summary": "Bán nông sản."}
    genre = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"from submissions.models import Contest; print(Contest.objects.get(slug='{CONTEST}').genres.first().pk)",
        ],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    metadata["genre"] = genre
    created = session.post(
        f"{base}/{CONTEST}/tai-len/",
        headers={
            **tus,
            "Upload-Length": str(len(clip)),
            "Upload-Metadata": ",".join(
                f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items()
            ),
        },
        timeout=30,
    )
    assert created.status_code == 201, created.text
    url = base + created.headers["Location"]

    started = time.monotonic()
    last = session.patch(
        url,
        data=clip,
        headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        timeout=30,
    )
    print(f"the last PATCH answered in {time.monotonic() - started:.2f} s")
    assert last.status_code == 204, last.text

    def checked():
        answer = session.head(url, headers=tus, timeout=30)
        assert answer.status_code == 200, requests.utils.unquote(answer.headers.get("Upload-Refusal", ""))
        return answer.headers.get("Upload-Receipt") and answer

    head = wait_until(checked, timeout=120, what="the embedded worker to check the clip")
    receipt = head.headers["Upload-Receipt"]
    assert session.get(base + receipt, timeout=30).status_code == 200
    wait_until(
        lambda: "<video" in session.get(base + receipt, timeout=30).text,
        timeout=180,
        what="the embedded worker to make the preview",
    )
    output = log_path.read_text(errors="replace")
    assert "submissions.tasks.upload_check_task" in output and "became submission" in output

    # Ctrl-C: the terminal sends SIGINT to make and what runs in the foreground.
    os.killpg(process.pid, signal.SIGINT)
    process.wait(60)
    # The web server, the worker and its pool are gone with make (they were in its session).
    wait_until(
        lambda: subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True).returncode == 1,
        timeout=60,
        what="every process of make run to stop",
    )
    assert not answers(int(base.rsplit(":", 1)[1]))
