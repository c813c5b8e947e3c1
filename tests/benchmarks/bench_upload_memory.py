"""Memory of a plain-form clip upload: the server's peak RSS must stay flat whatever the file's size.

Runs the portal under gunicorn (gthread) as in production (tests/benchmarks/_portal.py) on a throw-away SQLite
database, logs in as an entrant and posts a
multipart form streamed from a generator (random bytes named .mp4, refused only after the whole body was
read and hashed), for several sizes. Prints MB/s and the worker's peak RSS growth for each size; the growth
should not depend on the size (target: under 64 MiB for 1 GiB)."""

import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _portal import portal_environment, rss_peak_kib, running_portal, worker_pid  # noqa: E402

SIZES_MIB = [int(s) for s in os.environ.get("BENCH_UPLOAD_SIZES_MIB", "64,256,1024").split(",")]
CHUNK = 1024 * 1024


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


def _upload(session, size_mib):
    token, _ = session.form_token("/demo-son-la-2024/clip-cua-toi/gui-clip/")
    body, length, boundary = _multipart(token, size_mib * CHUNK)
    response, _ = session.request(
        "POST",
        "/demo-son-la-2024/clip-cua-toi/gui-clip/",
        body,
        {"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(length)},
    )
    return response.status


def main():
    with (
        tempfile.TemporaryDirectory(prefix="bench-upload-") as var_dir,
        running_portal(portal_environment(var_dir)) as (server, session),
    ):
        worker = worker_pid(server.pid)
        _upload(session, 1)  # warm up: the first request imports what the upload path needs
        print(f"{'size':>9} {'seconds':>8} {'MB/s':>8} {'peak RSS growth':>16} {'status':>7}")
        for size_mib in SIZES_MIB:
            before = rss_peak_kib(worker)
            started = time.perf_counter()
            status = _upload(session, size_mib)
            elapsed = time.perf_counter() - started
            growth = (rss_peak_kib(worker) - before) / 1024
            print(
                f"{size_mib:>6} MiB {elapsed:>8.2f} {size_mib * CHUNK / elapsed / 1e6:>8.1f} {growth:>12.1f} MiB {status:>7}"
            )
        print("target: peak RSS growth < 64 MiB at every size (the body streams to disk in chunks)")


if __name__ == "__main__":
    main()
