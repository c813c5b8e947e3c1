"""Throughput and memory of a resumable (tus) upload, next to a raw socket sink on the same machine.

Runs the portal under gunicorn (gthread) on a throw-away SQLite database, logs in as an entrant, creates a
tus upload and PATCHes BENCH_TUS_SIZE_MIB MiB (default 1024) in chunks of TUS_CHUNK_SIZE, the size the
browser sends, over one keep-alive connection. The bytes are random: the last PATCH hashes the file and has
it refused as not a video, which is timed apart as the completion. Then the same client sends the same
chunks, the same way, to a raw socket sink that reads and discards them, and to one that writes them to a
file on the same disk and fsyncs it after each request, as the tus endpoint does before it stores an offset.
Prints MB/s for each and the ratios (target >= 0.7 of the raw sink), and the gunicorn worker's peak RSS
growth (target < 64 MiB).

BENCH_DATABASE_URL (a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres) runs the portal on
a throw-away database there instead of SQLite: each PATCH commits twice, and PostgreSQL commits cheaper."""

import http.client
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from base64 import b64encode
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parents[2]
SIZE = int(os.environ.get("BENCH_TUS_SIZE_MIB", "1024")) * 1024 * 1024
PASSWORD = "demo-thisinh-2024"
EMAIL = "thisinh@demo.local"


def _chunk_size():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest_portal.settings")
    sys.path.insert(0, str(BASE_DIR))
    from django.conf import settings

    return settings.TUS_CHUNK_SIZE


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_peak_kib(pid):
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1))


def _worker_pid(master_pid):
    return int(Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()[0])


class Session:
    """Cookies kept across requests, one connection per request: enough to log in and fill in forms."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def headers(self, extra=None):
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Host": f"127.0.0.1:{self.port}",
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
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/"},
        )
        assert response.status == 302, f"POST {path}: {response.status} {page[:2000]}"


def send_chunks(port, path, size, chunk, headers_for):
    """PATCHes `size` bytes in pieces of `chunk` over one connection; returns each request's seconds and the
    last response. The body is one random block sent again and again: its content does not matter here."""
    block = memoryview(os.urandom(chunk))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    durations, offset, response = [], 0, None
    while offset < size:
        length = min(chunk, size - offset)
        started = time.perf_counter()
        connection.request("PATCH", path, body=block[:length], headers=headers_for(offset, length))
        response = connection.getresponse()
        response.read()
        durations.append(time.perf_counter() - started)
        offset += length
        if response.status not in (204, 415):
            raise SystemExit(f"PATCH at {offset - length}: {response.status} {response.reason}")
    connection.close()
    return durations, response


def _sink_connection(connection, keep_in):
    buffer = memoryview(bytearray(1024 * 1024))
    pending = b""
    kept = tempfile.TemporaryFile(dir=keep_in, buffering=0) if keep_in else None
    with connection:
        while True:
            while b"\r\n\r\n" not in pending:
                data = connection.recv(65536)
                if not data:
                    return
                pending += data
            head, _, body_start = pending.partition(b"\r\n\r\n")
            remaining = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1)) - len(body_start)
            pending = b""
            while remaining > 0:
                received = connection.recv_into(buffer, min(len(buffer), remaining))
                if not received:
                    return
                if kept:
                    kept.write(buffer[:received])
                remaining -= received
            if kept:
                os.fsync(kept.fileno())
            connection.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")


def _sink(listener, keep_in=None):
    """A raw socket sink: reads each request body in 1 MiB pieces and answers 204. It discards the bytes,
    or (`keep_in` a folder) writes them to a file there and fsyncs it at the end of each request."""
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=_sink_connection, args=(connection, keep_in), daemon=True).start()


def _start_sink(keep_in=None):
    listener = socket.create_server(("127.0.0.1", 0))
    process = multiprocessing.Process(target=_sink, args=(listener, keep_in), daemon=True)
    process.start()
    return process, listener.getsockname()[1]


def _start_portal(env):
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run([python, "manage.py", "load_demo"], cwd=BASE_DIR, env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "contest_portal.wsgi", "-b", f"127.0.0.1:{port}", "-k", "gthread"]
        + ["--threads", "4", "-w", "1", "--timeout", "600", "--log-level", "warning"],
        cwd=BASE_DIR,
        env=env,
    )
    session = Session(port)
    for _ in range(100):
        try:
            session.request("GET", "/")
            break
        except OSError:
            time.sleep(0.1)
    return server, session


def _log_in_and_register(session):
    session.post_form("/tai-khoan/login/", {"login": EMAIL, "password": PASSWORD})
    session.post_form(
        "/phieu-dang-ky/",
        {
            "full_name": "Lò Văn Bench",
            "date_of_birth": "1990-05-01",
            "gender": "male",
            "id_number": "014090001234",
            "phone": "0912345678",
            "email": EMAIL,
            "locality": "1",
            "address": "Sơn La",
            "category": "1",
            "declares_originality": "on",
            "accepts_rules": "on",
            "consents_to_publication": "on",
            "consents_to_data_processing": "on",
            "coauthors-TOTAL_FORMS": "0",
            "coauthors-INITIAL_FORMS": "0",
            "coauthors-MIN_NUM_FORMS": "0",
            "coauthors-MAX_NUM_FORMS": "10",
        },
    )


def _tus_upload(session, size, chunk):
    _, page = session.form_token("/clip-cua-toi/gui-clip/")
    genre = re.search(rb'name="genre" value="(\d+)"', page).group(1).decode()
    metadata = {"filename": "bench.mp4", "filetype": "video/mp4", "title": "Bench", "genre": genre, "summary": "x"}
    tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": session.cookies["csrftoken"]}
    response, body = session.request(
        "POST",
        "/tai-len/",
        headers={
            **tus,
            "Upload-Length": str(size),
            "Upload-Metadata": ",".join(f"{k} {b64encode(v.encode()).decode()}" for k, v in metadata.items()),
        },
    )
    assert response.status == 201, f"creation: {response.status} {body[:500]}"
    path = urlsplit(response.getheader("Location")).path
    return send_chunks(
        session.port,
        path,
        size,
        chunk,
        lambda offset, length: session.headers(
            {**tus, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
        ),
    )


def _sink_upload(port, size, chunk):
    return send_chunks(
        port,
        "/sink",
        size,
        chunk,
        lambda offset, length: {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
    )


@contextmanager
def _throwaway_database(server_url):
    """None (SQLite under VAR_DIR), or the URL of a new PostgreSQL database on `server_url`, dropped after."""
    if not server_url:
        yield None
        return
    import psycopg2

    name = f"bench_tus_{os.getpid()}"
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


def main():
    chunk = _chunk_size()
    with (
        tempfile.TemporaryDirectory(prefix="bench-tus-") as var_dir,
        _throwaway_database(os.environ.get("BENCH_DATABASE_URL")) as database_url,
    ):
        env = {**os.environ, "VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "contest_portal.settings"}
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "MEDIA_ROOT", "FILE_UPLOAD_TEMP_DIR"):
            env.pop(name, None)
        if database_url:
            env["DATABASE_URL"] = database_url
        server, session = _start_portal(env)
        sink, sink_port = _start_sink()
        disk_sink, disk_sink_port = _start_sink(keep_in=var_dir)
        try:
            _log_in_and_register(session)
            worker = _worker_pid(server.pid)
            # Warm up: the first requests import what they need.
            _tus_upload(session, 2 * chunk + 1, chunk)
            _sink_upload(sink_port, 2 * chunk + 1, chunk)
            _sink_upload(disk_sink_port, 2 * chunk + 1, chunk)

            before = _rss_peak_kib(worker)
            durations, last = _tus_upload(session, SIZE, chunk)
            growth = (_rss_peak_kib(worker) - before) / 1024
            sink_seconds = sum(_sink_upload(sink_port, SIZE, chunk)[0])
            disk_sink_seconds = sum(_sink_upload(disk_sink_port, SIZE, chunk)[0])
        finally:
            server.terminate()
            server.wait(timeout=30)
            sink.terminate()
            disk_sink.terminate()

    # The last PATCH also turns the file into a submission (here: hashes it, then refuses it as not a video).
    typical = statistics.median(durations[:-1] or durations)
    completion = max(durations[-1] - typical * (SIZE - chunk * (len(durations) - 1)) / chunk, 0)
    rates = {
        "tus endpoint (gunicorn)": (sum(durations) - completion),
        "raw socket sink": sink_seconds,
        "raw sink, to disk + fsync": disk_sink_seconds,
    }
    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(
        f"size {SIZE / 2**20:.0f} MiB in chunks of {chunk / 2**20:g} MiB ({len(durations)} PATCH requests), {database}"
    )
    print(f"{'':<28}{'seconds':>9}{'MB/s':>9}")
    for name, seconds in rates.items():
        print(f"{name:<28}{seconds:>9.2f}{SIZE / seconds / 1e6:>9.1f}")
    tus_seconds = rates["tus endpoint (gunicorn)"]
    print(f"ratio tus / raw sink: {sink_seconds / tus_seconds:.2f} (target >= 0.7)")
    print(f"ratio tus / raw sink writing to disk: {disk_sink_seconds / tus_seconds:.2f}")
    print(f"PATCH request: median {typical * 1000:.0f} ms, fastest {min(durations) * 1000:.0f} ms")
    print(f"completion (SHA-256 re-read + probe, last PATCH answered {last.status}): {completion:.2f} s")
    print(f"gunicorn worker peak RSS growth: {growth:.1f} MiB (target < 64 MiB)")


if __name__ == "__main__":
    main()
