"""Speed of the media pipeline on a 60 s 1080p phone-like clip (H.264 at ~17 Mbit/s, AAC stereo).

1. Probe + thumbnail (what runs before the clip is `processing` with a picture): seconds, target < 1 s.
2. The preview transcode (H.264 veryfast CRF 23 at 720p + AAC, faststart), as × realtime, next to the `ffmpeg`
   command line doing the same job when `ffmpeg` is installed: the ratio of the speeds (target ≥ 0.9). Each
   transcode runs in its own process, alternately, BENCH_MEDIA_ROUNDS times; the best run of each counts, so
   other work on the machine weighs as little as possible; CPU seconds are shown too, being less sensitive to
   it. Peak RSS shows memory stays flat.

3. Time to playable and throughput (pipeline.py): the first preview of a phone's H.264 MP4 is a remux; an
   iPhone's HEVC MOV and any other clip get the quick 480p transcode, then the 720p one. Measured on the
   BENCH_MEDIA_SECONDS clips (each step in its own process, timed from inside it as a long-running worker spends
   it, best of BENCH_MEDIA_ROUNDS) and scaled to a 5-minute clip, the work is linear in the length: the time
   until a 5-minute 1080p phone clip plays for screeners after its last byte (check: hash + probe; thumbnail; remux; target < 60 s), and the clips a 2-core worker prepares
   per hour on the mix 60 % H.264 phone MP4, 30 % HEVC MOV, 10 % other (target ≥ 100).

The source clips are made once (PyAV, libx264 / libx265 ultrafast) and kept in the temporary folder for the next
runs. Environment: BENCH_MEDIA_SECONDS (60), BENCH_MEDIA_ROUNDS (2)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("BENCH_MEDIA_SECONDS", "60"))
ROUNDS = int(os.environ.get("BENCH_MEDIA_ROUNDS", "2"))
WIDTH, HEIGHT, FPS = 1920, 1080, 30


def _make_source(path: Path, codec="libx264") -> None:
    """testsrc2 with a little moving grain: about the bitrate of a phone's 1080p, and real work for x264."""
    import av
    import av.filter

    partial = path.with_name(f"partial-{path.name}")
    with av.open(str(partial), "w") as output:
        video = output.add_stream(codec, rate=FPS, options={"preset": "ultrafast", "crf": "23"})
        if codec == "libx265":
            video.codec_tag = "hvc1"  # as an iPhone writes it (QuickTime needs it)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.thread_type = "AUTO"
        audio = output.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        pictures = [
            ("testsrc2", f"size={WIDTH}x{HEIGHT}:rate={FPS}:duration={SECONDS}"),
            ("noise", "alls=3:allf=t"),
            ("format", "yuv420p"),
            ("buffersink", None),
        ]
        sound = [
            ("sine", f"frequency=440:sample_rate=48000:duration={SECONDS}"),
            ("aformat", "sample_fmts=fltp:channel_layouts=stereo"),
            ("abuffersink", None),
        ]
        for stream, chain in ((video, pictures), (audio, sound)):
            graph = av.filter.Graph()
            nodes = [graph.add(name, args) for name, args in chain]
            for upstream, downstream in zip(nodes, nodes[1:], strict=False):
                upstream.link_to(downstream)
            graph.configure()
            if stream is audio:
                graph.set_audio_frame_size(1024)
            while True:
                try:
                    frame = graph.pull()
                except (av.error.EOFError, av.error.BlockingIOError):
                    break
                output.mux(stream.encode(frame))
            output.mux(stream.encode(None))
    partial.replace(path)


def _source(codec="libx264", suffix=".mp4") -> Path:
    folder = Path(tempfile.gettempdir()) / "contest-portal-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"phone-like-{codec}-{WIDTH}x{HEIGHT}-{FPS}fps-{SECONDS}s{suffix}"
    if not path.exists():
        print(f"making the source clip once: {path}", flush=True)
        started = time.perf_counter()
        _make_source(path, codec)
        print(f"  made in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def _run(command) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of a child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=BASE_DIR, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest_portal.settings")
    django.setup()
    import av

    from submissions.media.pipeline import thumbnail_moment
    from submissions.media.preview import PREVIEW_AUDIO_BITRATE, PREVIEW_VIDEO_OPTIONS, preview_size
    from submissions.media.probe import probe_clip
    from submissions.media.thumbnail import clip_thumbnail

    source = _source()
    size_mb = source.stat().st_size / 1e6
    print(f"source: {source.name}, {size_mb:.0f} MB; PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info})")
    print(f"CPUs: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")

    print("\n== probe + thumbnail (target < 1 s)")
    for attempt in range(1, 4):
        started = time.perf_counter()
        info = probe_clip(source, accepted_containers=["mp4"], min_duration=1, max_duration=3600)
        probed = time.perf_counter()
        jpeg = clip_thumbnail(source, at_seconds=thumbnail_moment(info.duration))
        done = time.perf_counter()
        print(
            f"  run {attempt}: probe {probed - started:.3f} s + thumbnail {done - probed:.3f} s"
            f" = {done - started:.3f} s ({len(jpeg) // 1024} KiB JPEG)"
        )

    print(f"\n== preview transcode of {info.duration:.0f} s (× realtime; best of {ROUNDS})")
    width, height = preview_size(info.width, info.height, rotation=info.rotation)
    with tempfile.TemporaryDirectory() as folder:
        pyav_target = Path(folder) / "pyav.mp4"
        ffmpeg_target = Path(folder) / "ffmpeg.mp4"
        pyav = [
            sys.executable,
            "-c",
            "import sys; from submissions.media.preview import transcode_preview; transcode_preview(sys.argv[1], sys.argv[2])",
            str(source),
            str(pyav_target),
        ]
        ffmpeg_path = shutil.which("ffmpeg")
        ffmpeg = None
        if ffmpeg_path:
            ffmpeg = [
                ffmpeg_path, "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
                "-vf", f"scale={width}:{height},format=yuv420p",
                "-c:v", "libx264", "-preset", PREVIEW_VIDEO_OPTIONS["preset"], "-crf", PREVIEW_VIDEO_OPTIONS["crf"],
                "-c:a", "aac", "-b:a", str(PREVIEW_AUDIO_BITRATE), "-ar", "48000", "-ac", "2",
                "-movflags", "+faststart", str(ffmpeg_target),
            ]  # fmt: skip
            version = subprocess.run([ffmpeg_path, "-version"], capture_output=True, text=True).stdout.split("\n")[
                0
            ]
            print(f"  {version}")
            print(f"  {' '.join(ffmpeg)}")
        else:
            print("  ffmpeg is not installed: PyAV alone (apt-get install ffmpeg for the comparison)")

        results = {"pyav": [], "ffmpeg": []}
        cpu_seconds = {"pyav": [], "ffmpeg": []}
        for round_number in range(1, ROUNDS + 1):
            for name, command in (("pyav", pyav), ("ffmpeg", ffmpeg)):
                if command is None:
                    continue
                wall, cpu, rss = _run(command)
                results[name].append(wall)
                cpu_seconds[name].append(cpu)
                target = pyav_target if name == "pyav" else ffmpeg_target
                print(
                    f"  round {round_number} {name:6}: {wall:6.1f} s = {info.duration / wall:5.2f}× realtime,"
                    f" CPU {cpu:6.1f} s, peak RSS {rss} MiB, {target.stat().st_size / 1e6:.1f} MB"
                )

    best_pyav = min(results["pyav"])
    print(f"\n  PyAV pipeline: {info.duration / best_pyav:.2f}× realtime ({best_pyav:.1f} s)")
    if results["ffmpeg"]:
        best_ffmpeg = min(results["ffmpeg"])
        print(f"  ffmpeg CLI:    {info.duration / best_ffmpeg:.2f}× realtime ({best_ffmpeg:.1f} s)")
        print(f"  speed ratio PyAV / ffmpeg: {best_ffmpeg / best_pyav:.2f} (target ≥ 0.9)")
        # Less sensitive to other work on the machine than the wall clock.
        cpu_ratio = min(cpu_seconds["ffmpeg"]) / min(cpu_seconds["pyav"])
        print(f"  CPU efficiency ratio PyAV / ffmpeg: {cpu_ratio:.2f}")


def _rendition(how, source, target):
    """The seconds one rendition takes in a process of its own, as a long-running media worker spends them: the
    child's start (Python, Django, FFmpeg's libraries: about a second) is not work per clip, and scaled ×5 with
    the clip it would count five times."""
    command = [
        sys.executable,
        "-c",
        "import sys, time, django; django.setup(); from submissions.media.preview import preview_make; "
        "started = time.perf_counter(); preview_make(sys.argv[1], sys.argv[2], how=sys.argv[3]); "
        "print(time.perf_counter() - started)",
        str(source),
        str(target),
        how,
    ]
    done = subprocess.run(command, cwd=BASE_DIR, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr}")
    return float(done.stdout.split()[-1])


def _hash(path):
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as file:
        while block := file.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def time_to_playable_and_throughput():
    from submissions.media.pipeline import thumbnail_moment
    from submissions.media.preview import FULL, QUICK, REMUX, first_rendition
    from submissions.media.probe import probe_clip
    from submissions.media.thumbnail import clip_thumbnail

    phone, iphone = _source(), _source("libx265", ".mov")
    assert first_rendition(phone) == REMUX and first_rendition(iphone) == QUICK
    scale = 300 / SECONDS
    print(f"\n== time to playable and throughput (measured on {SECONDS} s clips, scaled ×{scale:g} to 5 minutes)")
    check = []
    for _ in range(3):
        started = time.perf_counter()
        _hash(phone)
        info = probe_clip(phone, accepted_containers=["mp4"], min_duration=1, max_duration=3600)
        hashed_and_probed = time.perf_counter()
        clip_thumbnail(phone, at_seconds=thumbnail_moment(info.duration))
        check.append((hashed_and_probed - started, time.perf_counter() - hashed_and_probed))
    hash_probe, thumbnail = min(check)
    jobs = {
        "remux, phone H.264 MP4": (REMUX, phone),
        "quick 480p, iPhone HEVC MOV": (QUICK, iphone),
        "720p, iPhone HEVC MOV": (FULL, iphone),
        "quick 480p, other (H.264 decode)": (QUICK, phone),
        "720p, other (H.264 decode)": (FULL, phone),
    }
    times = {name: [] for name in jobs}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(ROUNDS):
            for name, (how, source) in jobs.items():
                times[name].append(_rendition(how, source, Path(folder) / "preview.mp4"))
    best = {name: min(measured) * scale for name, measured in times.items()}
    for name, seconds in best.items():
        print(f"  {name:34} {seconds:6.1f} s for 5 minutes ({300 / seconds:5.1f}× realtime)")
    playable = hash_probe * scale + thumbnail + best["remux, phone H.264 MP4"]
    print(
        f"  a 5-min 1080p phone clip plays for screeners {playable:.1f} s after its last byte: check (hash + probe) "
        f"{hash_probe * scale:.1f} s + thumbnail {thumbnail:.1f} s + remux {best['remux, phone H.264 MP4']:.1f} s "
        "(target < 60 s)"
    )
    first = (
        0.6 * best["remux, phone H.264 MP4"]
        + 0.3 * best["quick 480p, iPhone HEVC MOV"]
        + 0.1 * best["quick 480p, other (H.264 decode)"]
    )
    both = first + 0.3 * best["720p, iPhone HEVC MOV"] + 0.1 * best["720p, other (H.264 decode)"]
    overhead = hash_probe * scale + thumbnail
    print(
        f"  one 2-core worker, mix 60 % phone MP4 / 30 % HEVC MOV / 10 % other, five-minute clips: "
        f"{3600 / (first + overhead):.0f} clips playable per hour (target ≥ 100), "
        f"{3600 / (both + overhead):.0f} per hour with their 720p previews too"
    )


if __name__ == "__main__":
    main()
    time_to_playable_and_throughput()
