"""Throughput and memory of a resumable (tus) upload, next to a raw socket sink on the same machine.

Runs the portal under gunicorn (gthread) as in production (tests/benchmarks/_portal.py) on a throw-away SQLite
database, logs in as an entrant, creates a tus upload and PATCHes BENCH_TUS_SIZE_MIB MiB (default 1024) in chunks
of TUS_CHUNK_SIZE, the size the browser sends, over one keep-alive connection. The bytes are random: the last
PATCH hashes the file and has it refused as not a video, which is timed apart as the completion.

The portal runs with a broker (EMBEDDED_WORKER=1, no worker started): the last PATCH only queues the check of the
file, as in production, and its answer is timed apart as the completion (target < 1 s, whatever the size).

The same client sends the same chunks, the same way, to
- @tus/server with its file store on Node.js, the protocol's reference server (_tus_node.py; the target: the
  portal at least 1.5× its speed);
- a raw socket sink that reads each body in 1 MiB pieces and discards it;
- the same sink writing the bytes to a file on the same disk, as the endpoint does (neither syncs per request);
- a bare WSGI application under the same gunicorn that reads and writes the bytes as the endpoint does, and
  nothing else (_wsgi_sink.py): what the server itself leaves of the socket's speed.
Each runs BENCH_TUS_ROUNDS times (default 2), interleaved, and the best round counts: on a virtual machine the
first writes into fresh memory pay the host for every page, whoever makes them. Prints MB/s for each, the
ratios, and the gunicorn worker's peak RSS growth over the tus uploads (target < 64 MiB).

BENCH_DATABASE_URL (a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres) runs the portal on
a throw-away database there instead of SQLite."""

import http.client
import multiprocessing
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from base64 import b64encode
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _portal import (  # noqa: E402
    BASE_DIR,
    free_port,
    gunicorn,
    portal_environment,
    rss_peak_kib,
    running_portal,
    throwaway_database,
    worker_pid,
)
from _tus_node import tus_node_server  # noqa: E402
from _tus_node import version as tus_node_version  # noqa: E402

SIZE = int(os.environ.get("BENCH_TUS_SIZE_MIB", "1024")) * 1024 * 1024
ROUNDS = int(os.environ.get("BENCH_TUS_ROUNDS", "2"))


def _chunk_size():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest_portal.settings")
    sys.path.insert(0, str(BASE_DIR))
    from django.conf import settings

    return settings.TUS_CHUNK_SIZE


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
            if kept:
                kept.write(body_start)
            while remaining > 0:
                received = connection.recv_into(buffer, min(len(buffer), remaining))
                if not received:
                    return
                if kept:
                    kept.write(buffer[:received])
                remaining -= received
            connection.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")


def _sink(listener, keep_in=None):
    """A raw socket sink: reads each request body in 1 MiB pieces and answers 204. It discards the bytes,
    or (`keep_in` a folder) writes them to a file there, one file a connection."""
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=_sink_connection, args=(connection, keep_in), daemon=True).start()


def _start_sink(keep_in=None):
    listener = socket.create_server(("127.0.0.1", 0))
    process = multiprocessing.Process(target=_sink, args=(listener, keep_in), daemon=True)
    process.start()
    return process, listener.getsockname()[1]


def _tus_upload(session, size, chunk):
    _, page = session.form_token("/demo-son-la-2024/clip-cua-toi/gui-clip/")
    genre = re.search(rb'name="genre" value="(\d+)"', page).group(1).decode()
    metadata = {"filename": "bench.mp4", "filetype": "video/mp4", "title": "Bench", "genre": genre, "summary": "x"}
    tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": session.cookies["csrftoken"]}
    response, body = session.request(
        "POST",
        "/demo-son-la-2024/tai-len/",
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


def _node_upload(port, size, chunk):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/files", headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(size)})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 201, f"@tus/server creation: {response.status}"
    return send_chunks(
        port,
        urlsplit(response.getheader("Location")).path,
        size,
        chunk,
        lambda offset, length: {
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
    )


def _forget(folder):
    """Removes what a server stored, as the sinks do with theirs: on this virtual machine memory freed goes back
    to the host, and the first writes into fresh pages cost several times more (15 ms instead of 1 for 5 MiB),
    so whoever writes next must find pages freed by the one before, not fresh ones."""
    for path in Path(folder).glob("*"):
        if path.is_file():
            path.unlink()


def _tus_seconds(durations, chunk):
    """(seconds of the transfer itself, of the completion, of a typical PATCH): the last PATCH also turns the
    file into a submission (here: hashes it, then refuses it as not a video), which is counted apart."""
    typical = statistics.median(durations[:-1] or durations)
    last_chunk = SIZE - chunk * (len(durations) - 1)
    completion = max(durations[-1] - typical * last_chunk / chunk, 0)
    return sum(durations) - completion, completion, typical


def main():
    chunk = _chunk_size()
    with (
        tempfile.TemporaryDirectory(prefix="bench-tus-") as var_dir,
        throwaway_database(os.environ.get("BENCH_DATABASE_URL")) as database_url,
        running_portal({**portal_environment(var_dir, database_url), "EMBEDDED_WORKER": "1"}) as (server, session),
        tus_node_server(node_port := free_port(), Path(var_dir) / "tus-node") as _node,
    ):
        wsgi_port = free_port()
        wsgi = gunicorn(
            "tests.benchmarks._wsgi_sink:application", wsgi_port, {**os.environ, "BENCH_WSGI_SINK_DIR": var_dir}
        )
        sink, sink_port = _start_sink()
        file_sink, file_sink_port = _start_sink(keep_in=var_dir)
        try:
            worker = worker_pid(server.pid)
            time.sleep(1)  # the WSGI sink's gunicorn starts
            # Warm up: the first requests import what they need.
            _tus_upload(session, 2 * chunk + 1, chunk)
            for port in (sink_port, file_sink_port, wsgi_port):
                _sink_upload(port, 2 * chunk + 1, chunk)
            _node_upload(node_port, 2 * chunk + 1, chunk)

            before = rss_peak_kib(worker)
            seconds = {name: [] for name in ("tus", "tus node", "raw", "raw file", "wsgi")}
            for _ in range(ROUNDS):
                # Each starts with nothing left to write back from the one before.
                os.sync()
                seconds["raw file"].append(sum(_sink_upload(file_sink_port, SIZE, chunk)[0]))
                os.sync()
                seconds["raw"].append(sum(_sink_upload(sink_port, SIZE, chunk)[0]))
                seconds["wsgi"].append(sum(_sink_upload(wsgi_port, SIZE, chunk)[0]))
                os.sync()
                seconds["tus node"].append(sum(_node_upload(node_port, SIZE, chunk)[0]))
                _forget(Path(var_dir) / "tus-node")
                os.sync()
                durations, last = _tus_upload(session, SIZE, chunk)
                seconds["tus"].append(_tus_seconds(durations, chunk))
                _forget(Path(var_dir) / "media" / "uploads")
            growth = (rss_peak_kib(worker) - before) / 1024
        finally:
            wsgi.terminate()
            wsgi.wait(timeout=30)
            sink.terminate()
            file_sink.terminate()

    tus, completion, typical = min(seconds.pop("tus"))
    best = {"tus": tus, **{name: min(values) for name, values in seconds.items()}}
    names = {
        "tus": "tus endpoint (portal)",
        "tus node": "@tus/server (Node.js)",
        "wsgi": "bare WSGI app, same server",
        "raw file": "raw sink, writing the file",
        "raw": "raw socket sink",
    }
    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    patches = -(-SIZE // chunk)
    print(f"size {SIZE / 2**20:.0f} MiB in chunks of {chunk / 2**20:g} MiB ({patches} PATCH requests), {database}")
    print(f"best of {ROUNDS} rounds   {'seconds':>9}{'MB/s':>9}")
    for key, name in names.items():
        print(f"{name:<28}{best[key]:>9.2f}{SIZE / best[key] / 1e6:>9.1f}")
    print(f"peer: {tus_node_version()}")
    print(f"ratio portal / @tus/server, same client: {best['tus node'] / tus:.2f}× (target >= 1.5×)")
    print(f"ratio tus / raw socket sink: {best['raw'] / tus:.2f}")
    print(f"ratio tus / raw sink writing the file: {best['raw file'] / tus:.2f}")
    print(f"ratio tus / bare WSGI app under the same gunicorn: {best['wsgi'] / tus:.2f}")
    print(
        f"ratio bare WSGI app / raw socket sink: {best['raw'] / best['wsgi']:.2f} (what the server itself leaves)"
    )
    print(f"PATCH request: median {typical * 1000:.1f} ms")
    print(
        f"last PATCH, the check queued for a worker (answered {last.status}): {completion:.3f} s beyond a "
        "typical PATCH (target < 1 s)"
    )
    print(f"gunicorn worker peak RSS growth over the tus uploads: {growth:.1f} MiB (target < 64 MiB)")


if __name__ == "__main__":
    main()
