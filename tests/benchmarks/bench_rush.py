"""Deadline night, two ways.

1. The rush, for real at reduced size: BENCH_RUSH_PHONES phones (200) start at once, each sending BENCH_RUSH_MIB
   MiB (10) at 0.25 MB/s in 5 MiB PATCHes, through a real nginx configured by deploy/nginx/portal-locations.conf,
   to the portal as deploy/ runs it (pages on one gunicorn, the uploads' PATCHes on their own, both by
   deploy/gunicorn.conf.py; the check of each received file queued for a worker); then the same phones, the same way, to @tus/server (Node.js) behind the same nginx
   with the same body buffering. Meanwhile a visitor loads the landing page every 0.25 s. Prints the rush time of
   each (first request to last answer) and their ratio (target ≤ 1.0×), the longest a phone's send was blocked
   (target ≤ 1 s), the landing page's median and p99 during the portal's rush (target p99 < 200 ms), and with
   BENCH_DATABASE_URL (PostgreSQL) the most connections the portal's database had (target ≤ 40).
2. A 20,000-entrant deadline night in simulated time: arrivals over the last 48 hours of the call, most on the
   last evening (the curve below), clips of 1 to 10 minutes of 1080p, 60 % H.264 phone MP4 (their first preview a
   remux), 40 % HEVC MOV or other (a quick 480p transcode first). The work per clip is measured in this run on a
   short clip and scaled with the length; the simulation prints, for 1, 2, 3… media workers, how long a clip
   waits until screeners can play it (median, p95, max), and the fewest workers keeping the p95 under a minute.

Environment: BENCH_RUSH_PHONES, BENCH_RUSH_MIB, BENCH_DATABASE_URL."""

import asyncio
import heapq
import http.client
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from base64 import b64encode
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from _portal import (  # noqa: E402
    free_port,
    gunicorn_as_deployed,
    portal_environment,
    running_portal,
    throwaway_database,
)
from _tus_node import tus_node_server  # noqa: E402
from _tus_node import version as tus_node_version  # noqa: E402

from tests.integration.servers import nginx_config, run_nginx  # noqa: E402

PHONES = int(os.environ.get("BENCH_RUSH_PHONES", "200"))
MIB = int(os.environ.get("BENCH_RUSH_MIB", "10"))
RATE = 250_000  # bytes a second, a phone on a crowded 3G/4G cell
CHUNK = 5 * 1024 * 1024
PIECE = 32 * 1024  # what a phone's network stack hands over at a time
CONTEST = "demo-son-la-2024"
# nginx in front of @tus/server, with the same body handling as the portal's location (portal-locations.conf).
PEER_SERVER = """
    upstream tus_node {{ server 127.0.0.1:{node_port}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;
        client_body_buffer_size 1m;
        location /files {{
            proxy_pass http://tus_node;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_read_timeout 600s;
        }}
    }}
"""


class Phone:
    def __init__(self):
        self.blocked = 0.0  # the longest one send waited, seconds


async def _request(host, port, head, body=b"", phone=None):
    """One HTTP/1.1 request on its own connection, the body sent at RATE: (status, headers)."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(head.encode())
    started, sent = time.monotonic(), 0
    view = memoryview(body)
    while sent < len(body):
        piece = view[sent : sent + PIECE]
        writer.write(piece)
        waiting = time.monotonic()
        await writer.drain()
        if phone:
            phone.blocked = max(phone.blocked, time.monotonic() - waiting)
        sent += len(piece)
        delay = started + sent / RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    status_line = await reader.readline()
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    if int(headers.get("content-length", "0")):
        await reader.readexactly(int(headers["content-length"]))
    writer.close()
    return int(status_line.split()[1]), headers


async def _one_phone(port, create_path, extra_headers, phone, data):
    host = f"Host: 127.0.0.1:{port}\r\n"
    metadata = {"filename": "clip.mp4", "filetype": "video/mp4", **extra_headers.pop("metadata", {})}
    encoded = ",".join(f"{key} {b64encode(str(value).encode()).decode()}" for key, value in metadata.items())
    common = "".join(f"{name}: {value}\r\n" for name, value in extra_headers.items())
    status, headers = await _request(
        "127.0.0.1",
        port,
        f"POST {create_path} HTTP/1.1\r\n{host}{common}Tus-Resumable: 1.0.0\r\nUpload-Length: {len(data)}\r\n"
        f"Upload-Metadata: {encoded}\r\nContent-Length: 0\r\n\r\n",
    )
    assert status == 201, f"creation: {status} {headers}"
    path = (
        "/" + headers["location"].split("://", 1)[-1].split("/", 1)[1]
        if "://" in headers["location"]
        else (headers["location"])
    )
    for offset in range(0, len(data), CHUNK):
        piece = data[offset : offset + CHUNK]
        status, _ = await _request(
            "127.0.0.1",
            port,
            f"PATCH {path} HTTP/1.1\r\n{host}{common}Tus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n"
            f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(piece)}\r\n\r\n",
            piece,
            phone,
        )
        assert status == 204, f"PATCH at {offset}: {status}"


# The phones are not on the server: their client, which shares this machine's 2 cores with it, takes the CPU
# only when the servers under test leave it, for the portal and its peer alike.
CLIENT_NICE = 10


def _rush(port, create_path, headers_for):
    """(rush time, longest blocked send) of PHONES phones, sent from a process of their own at CLIENT_NICE."""
    results = multiprocessing.Queue()
    phones = multiprocessing.Process(target=_phones, args=(port, create_path, headers_for, results))
    phones.start()
    outcome = results.get()
    phones.join()
    if isinstance(outcome, str):
        raise RuntimeError(f"the phones' client failed: {outcome}")
    return outcome


def _phones(port, create_path, headers_for, results):
    os.nice(CLIENT_NICE)
    try:
        data = os.urandom(MIB * 1024 * 1024)
        phones = [Phone() for _ in range(PHONES)]

        async def everyone():
            await asyncio.gather(*(_one_phone(port, create_path, headers_for(), phone, data) for phone in phones))

        started = time.monotonic()
        asyncio.run(everyone())
        results.put((time.monotonic() - started, max(phone.blocked for phone in phones)))
    except BaseException as error:
        results.put(f"{type(error).__name__}: {error}")
        raise


def _watch(port, path, database_url, stopping, results):
    """Loads a page every 0.25 s, and counts the database's connections, until `stopping` is set; puts
    (latencies, most connections) in `results`. A process of its own: in the phones' process it would wait for
    their interpreter lock, and measure that."""
    counter = None
    if database_url:
        import psycopg2

        counter = psycopg2.connect(database_url)
        counter.autocommit = True
    latencies, connections = [], 0
    while not stopping.is_set():
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        connection.close()
        latencies.append(time.perf_counter() - started)
        assert response.status == 200, response.status
        if counter:
            with counter.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
                    "pg_backend_pid()"
                )
                connections = max(connections, cursor.fetchone()[0])
        stopping.wait(0.25)
    if counter:
        counter.close()
    results.put((latencies, connections))


def _wait_for_http(port):
    """Until the app server on `port` answers a request (its worker has loaded the portal)."""
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no app server answered on port {port}")


def rush():
    with (
        tempfile.TemporaryDirectory(prefix="bench-rush-") as var_dir,
        throwaway_database(os.environ.get("BENCH_DATABASE_URL")) as database_url,
    ):
        env = {**portal_environment(var_dir, database_url), "EMBEDDED_WORKER": "1", "TRUSTED_PROXY_COUNT": "1"}
        # nginx here speaks plain HTTP on loopback (in production it terminates TLS and says https).
        env["SECURE_SSL_REDIRECT"] = "false"
        env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
        with (
            running_portal(env, as_deployed=True) as (server, session),
            tus_node_server(node_port := free_port(), Path(var_dir) / "tus-node"),
        ):
            # The uploads' own app server, as contest-portal-uploads.service runs it.
            uploads_port = free_port()
            uploads = gunicorn_as_deployed(
                uploads_port, {**env, "GUNICORN_WORKERS": "1"}, unit="contest-portal-uploads.service"
            )
            _wait_for_http(uploads_port)
            folder = Path(var_dir) / "nginx"
            port, peer_port = free_port(), free_port()
            config = nginx_config(
                folder,
                port=port,
                upstream_ports=[session.port],
                upload_ports=[uploads_port],
                static_root=Path(var_dir) / "static",
                media_root=Path(var_dir) / "media",
                worker_processes="auto",  # as Debian's nginx.conf has it
                worker_connections=4 * PHONES + 64,
                extra=PEER_SERVER.format(node_port=node_port, port=peer_port),
            )
            nginx = run_nginx(folder, config, port)
            try:
                _, page = session.request("GET", f"/{CONTEST}/clip-cua-toi/gui-clip/")
                import re

                genre = re.search(rb'name="genre" value="(\d+)"', page).group(1).decode()
                cookie = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
                portal_headers = lambda: {  # noqa: E731
                    "Cookie": cookie,
                    "X-CSRFToken": session.cookies["csrftoken"],
                    "X-Forwarded-Proto": "https",
                    "Referer": f"https://127.0.0.1:{port}/",
                    "metadata": {"title": "Rush", "genre": genre, "summary": "x"},
                }
                stopping, results = multiprocessing.Event(), multiprocessing.Queue()
                watcher = multiprocessing.Process(
                    target=_watch, args=(port, f"/{CONTEST}/", database_url, stopping, results)
                )
                watcher.start()
                portal_time, portal_blocked = _rush(port, f"/{CONTEST}/tai-len/", portal_headers)
                stopping.set()
                latencies, connections = results.get(timeout=60)
                watcher.join()
                peer_time, peer_blocked = _rush(peer_port, "/files", dict)
            finally:
                nginx.terminate()
                nginx.wait(10)
                uploads.terminate()
                uploads.wait(30)
    sent = PHONES * MIB * 1024 * 1024
    alone = MIB * 1024 * 1024 / RATE
    latencies = sorted(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"== the rush: {PHONES} phones × {MIB} MiB at {RATE / 1e6:g} MB/s in 5 MiB PATCHes, through nginx")
    print(f"  one phone alone would take {alone:.1f} s; {sent / 1e9:.2f} GB in all")
    print(f"  portal (gunicorn as deployed):   {portal_time:6.1f} s, longest blocked send {portal_blocked:.2f} s")
    print(f"  {tus_node_version()}: {peer_time:6.1f} s, longest blocked send {peer_blocked:.2f} s")
    print(f"  rush time portal / @tus/server: {portal_time / peer_time:.2f}× (target ≤ 1.0×)")
    print(
        f"  landing page during the portal's rush ({len(latencies)} loads): median "
        f"{statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms (target < 200 ms), "
        f"max {latencies[-1] * 1000:.0f} ms; the phones' client shares this machine's 2 cores (at nice {CLIENT_NICE})"
    )
    if database_url:
        print(f"  most database connections: {connections} (target ≤ 40)")
    else:
        print("  database connections: set BENCH_DATABASE_URL (PostgreSQL) to count them")


# The share of a 48-hour window's arrivals in each hour, counting back from the deadline (midnight): the last
# evening holds most of it, the last hour the most of all. 20,000 entrants bring about 20,000 clips.
ENTRANTS = 20_000
LAST_48_HOURS_SHARE = 0.6  # the rest came in the weeks before and is long screened
HOURLY = [1] * 24 + [1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 5, 6, 8, 10, 14, 20]


def _media_seconds_per_clip_second():
    """Seconds of work per second of 1080p clip, measured here in this process on short clips made here: the
    remux of an H.264 MP4, the quick 480p transcode of an HEVC MOV and of another H.264 clip."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest_portal.settings")
    django.setup()
    from submissions.media.preview import preview_make
    from tests.clips import make_clip

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        phone = make_clip(folder / "phone.mp4", seconds=20, width=1920, height=1080, fps=30)
        iphone = make_clip(folder / "iphone.mov", seconds=6, width=1920, height=1080, fps=30, codec="libx265")
        jobs = {"remux": (phone, 20), "quick hevc": (iphone, 6), "quick other": (phone, 20)}
        seconds = {}
        for name, (source, length) in jobs.items():
            best = None
            for _ in range(2):
                started = time.perf_counter()
                preview_make(source, folder / "out.mp4", how=name.split()[0])
                elapsed = time.perf_counter() - started
                best = elapsed if best is None else min(best, elapsed)
            seconds[name] = best / length
    return seconds


def _simulate(workers, arrivals, work):
    """Seconds from last byte to playable of each clip, with `workers` media workers taking them in arrival order
    (None: as many workers as clips, so nobody waits)."""
    free = [0.0] * (workers or len(arrivals))
    waits = []
    for arrived, length, kind in arrivals:
        start = max(arrived, heapq.heappop(free))
        done = start + 2.0 + length * work[kind]  # 2 s: the check (hash, probe) and the thumbnail
        heapq.heappush(free, done)
        waits.append((done - arrived, kind))
    return waits


def _sorted(waits, kind=None):
    return sorted(wait for wait, of in waits if kind in (None, of))


def _p95(waits):
    return waits[int(len(waits) * 0.95)]


def deadline_night():
    work = _media_seconds_per_clip_second()
    random.seed(2024)
    clips = int(ENTRANTS * LAST_48_HOURS_SHARE)
    total = sum(HOURLY)
    arrivals = []
    for hour, weight in enumerate(HOURLY):
        for _ in range(round(clips * weight / total)):
            length = min(600, max(60, random.lognormvariate(5.2, 0.5)))  # about 3 minutes, 1 to 10
            kind = random.choices(["remux", "quick hevc", "quick other"], [60, 30, 10])[0]
            arrivals.append((hour * 3600 + random.uniform(0, 3600), length, kind))
    arrivals.sort()
    peak = max(HOURLY) / total * clips
    print(
        f"\n== a {ENTRANTS:,}-entrant deadline night, simulated: {len(arrivals):,} clips in the last 48 hours, "
        f"{peak:.0f} in the last hour; 60 % phone MP4, 30 % HEVC MOV, 10 % other, 1 to 10 minutes"
    )
    print(
        "  measured here, for 5 minutes of 1080p: "
        + ", ".join(f"{name} {seconds * 300:.1f} s" for name, seconds in work.items())
    )
    floor = _sorted(_simulate(None, arrivals, work))
    print(
        f"  with a worker free for every clip: until playable median {statistics.median(floor):.0f} s, "
        f"p95 {_p95(floor):.0f} s, max {floor[-1]:.0f} s (the clip's own work: no worker count does better)"
    )
    enough = None
    for workers in range(1, 61):
        simulated = _simulate(workers, arrivals, work)
        waits = _sorted(simulated)
        print(
            f"  {workers:2} media worker(s): median {statistics.median(waits):7.0f} s, p95 {_p95(waits):7.0f} s, "
            f"max {waits[-1]:7.0f} s"
        )
        if _p95(waits) <= _p95(floor) + 5:
            enough = workers
            break
    if enough:
        phone_waits = _sorted(simulated, "remux")
        print(
            f"  fewest 2-core media workers for which waiting adds under 5 s to the p95: {enough}; then phone MP4s "
            f"(remuxed) among them play after a median {statistics.median(phone_waits):.0f} s, p95 {_p95(phone_waits):.0f} s"
        )
        if _p95(floor) > 60:
            print(
                f"  a p95 under a minute for every clip is out of reach of any worker count: the quick transcode of "
                f"the longest HEVC clips alone takes {_p95(floor):.0f} s at the p95"
            )


if __name__ == "__main__":
    rush()
    deadline_night()
