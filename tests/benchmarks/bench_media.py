"""Speed of the media pipeline on a 60 s 1080p phone-like clip (H.264 at ~17 Mbit/s, AAC stereo).

1. Probe + thumbnail (what runs before the clip is `processing` with a picture): seconds, target < 1 s.
2. The preview transcode (H.264 veryfast CRF 23 at 720p + AAC, faststart), as × realtime, next to the `ffmpeg`
   command line doing the same job when `ffmpeg` is installed: the ratio of the speeds (target ≥ 0.9). Each
   transcode runs in its own process, alternately, BENCH_MEDIA_ROUNDS times; the best run of each counts, so
   other work on the machine weighs as little as possible; CPU seconds are shown too, being less sensitive to
   it. Peak RSS shows memory stays flat.

The source clip is made once (PyAV, libx264 ultrafast) and kept in the temporary folder for the next runs.
Environment: BENCH_MEDIA_SECONDS (60), BENCH_MEDIA_ROUNDS (2)."""

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


def _make_source(path: Path) -> None:
    """testsrc2 with a little moving grain: about the bitrate of a phone's 1080p, and real work for x264."""
    import av
    import av.filter

    partial = path.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as output:
        video = output.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "crf": "23"})
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


def _source() -> Path:
    folder = Path(tempfile.gettempdir()) / "contest-portal-bench"
    folder.mkdir(exist_ok=True)
    path = folder / f"phone-like-{WIDTH}x{HEIGHT}-{FPS}fps-{SECONDS}s.mp4"
    if not path.exists():
        print(f"making the source clip once: {path}", flush=True)
        started = time.perf_counter()
        _make_source(path)
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


if __name__ == "__main__":
    main()
