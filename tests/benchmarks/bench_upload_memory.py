"""Memory of a plain-form clip upload: the server's peak RSS must stay flat whatever the file's size.

Runs the portal under gunicorn (gthread) on a throw-away SQLite database, logs in as an entrant and posts a
multipart form streamed from a generator (random bytes named .mp4, refused only after the whole body was
read and hashed), for several sizes. Prints MB/s and the worker's peak RSS growth for each size; the growth
should not depend on the size (target: under 64 MiB for 1 GiB)."""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parents[2]
SIZES_MIB = [int(s) for s in os.environ.get("BENCH_UPLOAD_SIZES_MIB", "64,256,1024").split(",")]
CHUNK = 1024 * 1024
PASSWORD = "demo-thisinh-2024"
EMAIL = "thisinh@demo.local"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_peak_kib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def _worker_pid(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return int(children[0])


class Session:
    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def _headers(self, extra=None):
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Host": f"127.0.0.1:{self.port}",
        }
        headers.update(extra or {})
        return headers

    def _remember(self, response):
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        connection.request(method, path, body=body, headers=self._headers(headers))
        response = connection.getresponse()
        data = response.read()
        self._remember(response)
        connection.close()
        return response.status, data

    def csrf(self, path):
        _, page = self.request("GET", path)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()


def _multipart(token, size):
    boundary = "----bench" + secrets.token_hex(8)
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in [("csrfmiddlewaretoken", token), ("title", "Bench"), ("genre", "1"), ("summary", "x")]
    )
    head += f'--{boundary}\r\nContent-Disposition: form-data; name="clip"; filename="bench.mp4"\r\n'
    head += "Content-Type: video/mp4\r\n\r\n"
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = os.urandom(CHUNK)

    def body():
        yield head.encode()
        for _ in range(size // CHUNK):
            yield block
        yield tail

    length = len(head.encode()) + size + len(tail)
    return body(), length, boundary


def main():
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as var_dir:
        env = {**os.environ, "VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "contest_portal.settings"}
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
            env.pop(name, None)
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
        subprocess.run([python, "manage.py", "load_demo"], cwd=BASE_DIR, env=env, check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "contest_portal.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-k",
                "gthread",
                "--threads",
                "4",
                "-w",
                "1",
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
        )
        try:
            session = Session(port)
            for _ in range(100):
                try:
                    session.request("GET", "/")
                    break
                except OSError:
                    time.sleep(0.1)
            token = session.csrf("/tai-khoan/login/")
            status, _ = session.request(
                "POST",
                "/tai-khoan/login/",
                urlencode({"login": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token}),
                {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/"},
            )
            assert status == 302, f"login failed: {status}"
            _register(session, port)
            worker = _worker_pid(server.pid)
            _upload(session, port, 1)  # warm up: the first request imports what the upload path needs
            print(f"{'size':>9} {'seconds':>8} {'MB/s':>8} {'peak RSS growth':>16} {'status':>7}")
            for size_mib in SIZES_MIB:
                before = _rss_peak_kib(worker)
                started = time.perf_counter()
                status = _upload(session, port, size_mib)
                elapsed = time.perf_counter() - started
                growth = (_rss_peak_kib(worker) - before) / 1024
                print(
                    f"{size_mib:>6} MiB {elapsed:>8.2f} {size_mib * CHUNK / elapsed / 1e6:>8.1f} {growth:>12.1f} MiB {status:>7}"
                )
            print("target: peak RSS growth < 64 MiB at every size (the body streams to disk in chunks)")
        finally:
            server.terminate()
            server.wait(timeout=30)


def _upload(session, port, size_mib):
    token = session.csrf("/clip-cua-toi/gui-clip/")
    body, length, boundary = _multipart(token, size_mib * CHUNK)
    status, _ = session.request(
        "POST",
        "/clip-cua-toi/gui-clip/",
        body,
        {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(length),
            "Referer": f"http://127.0.0.1:{port}/",
        },
    )
    return status


def _register(session, port):
    token = session.csrf("/phieu-dang-ky/")
    fields = {
        "csrfmiddlewaretoken": token,
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
    status, page = session.request(
        "POST",
        "/phieu-dang-ky/",
        urlencode(fields),
        {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/"},
    )
    assert status == 302, f"registration failed: {status} {page[:2000]}"


if __name__ == "__main__":
    main()
