"""Generate small, real media files for tests (no Django needed).

Everything is produced with PyAV and Pillow (numpy is not a dependency), so the
files are genuine: they can be opened, demuxed and decoded by FFmpeg.
"""

from __future__ import annotations

import array
import math
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw

__all__ = [
    "encoder_available",
    "make_audio",
    "make_clip",
    "make_dropped_frame_clip",
    "make_jpeg",
    "make_pdf",
    "make_png",
    "make_still_clip",
    "make_vfr_clip",
    "read_video",
    "repeat_timestamps",
    "top_level_boxes",
    "truncate",
]

# suffix -> (muxer name, preferred video codecs, preferred audio codecs)
_FORMATS = {
    ".mp4": ("mp4", ("libx264", "mpeg4"), ("aac",)),
    ".m4v": ("mp4", ("libx264", "mpeg4"), ("aac",)),
    ".mov": ("mov", ("libx264", "mpeg4"), ("aac",)),
    ".3gp": ("3gp", ("libx264", "mpeg4"), ("aac",)),
    ".mkv": ("matroska", ("libx264", "mpeg4"), ("aac", "libopus", "libmp3lame")),
    ".webm": ("webm", ("libvpx", "libvpx-vp9"), ("libopus", "opus", "libvorbis", "vorbis")),
    ".avi": ("avi", ("mpeg4",), ("libmp3lame", "mp3", "pcm_s16le")),
}

# Encoder options keeping generation fast (and the files tiny).
_VIDEO_OPTIONS = {
    "libx264": {"preset": "ultrafast", "tune": "zerolatency", "crf": "35"},
    "libvpx": {"deadline": "realtime", "cpu-used": "8", "crf": "40", "b": "200k"},
    "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8", "crf": "45", "b": "0"},
    "libx265": {"preset": "ultrafast", "crf": "35", "x265-params": "log-level=error"},
    "mpeg4": {"qscale": "10"},
}


def encoder_available(name: str) -> bool:
    """Whether PyAV's FFmpeg can encode with ``name`` (libx265 is missing from some builds)."""
    if name not in av.codecs_available:
        return False
    try:
        av.Codec(name, "w")
    except Exception:  # noqa: BLE001 - decoder only / unknown
        return False
    return True


def _pick(candidates, what: str) -> str:
    for name in candidates:
        if encoder_available(name):
            return name
    raise RuntimeError(f"no {what} encoder available among {candidates!r}")


def _video_frame(index: int, fps: int, width: int, height: int, top_colour=None) -> av.VideoFrame:
    """A frame with a slowly changing background and a moving square (and a band of ``top_colour``
    across its top sixth, to see where the top of the picture ends up)."""
    hue = (index * 7) % 256
    image = Image.new("RGB", (width, height), (hue, 255 - hue, (hue * 3) % 256))
    draw = ImageDraw.Draw(image)
    side = max(8, min(width, height) // 4)
    x = int((width - side) * ((index % fps) / max(fps - 1, 1)))
    y = (height - side) // 2
    draw.rectangle((x, y, x + side, y + side), fill=(255, 255, 255))
    if top_colour is not None:
        draw.rectangle((0, 0, width, height // 6), fill=top_colour)
    return av.VideoFrame.from_image(image)


def _audio_frames(seconds: float, rate: int, chunk: int = 1024, tone: int = 440):
    """Mono s16 sine wave (``tone`` Hz), in chunks; the encoder resamples as needed."""
    total = round(seconds * rate)
    pts = 0
    while pts < total:
        count = min(chunk, total - pts)
        samples = array.array(
            "h",
            (int(8000 * math.sin(2 * math.pi * tone * (pts + i) / rate)) for i in range(count)),
        )
        frame = av.AudioFrame(format="s16", layout="mono", samples=count)
        frame.planes[0].update(samples.tobytes())
        frame.sample_rate = rate
        frame.pts = pts
        frame.time_base = Fraction(1, rate)
        yield frame
        pts += count


def make_clip(
    path,
    *,
    seconds: float = 2.0,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    container_format: str | None = None,
    audio: bool = True,
    audio_streams: int = 1,
    rotate: int | None = None,
    faststart: bool = False,
    top_colour=None,
    time_base: Fraction | None = None,
    frame_pts=None,
    cover_art: bool = False,
) -> Path:
    """Write a real video clip to ``path`` and return it as a Path.

    The container is inferred from the suffix (.mp4, .mov, .3gp, .mkv, .webm,
    .avi) unless ``container_format`` (an FFmpeg muxer name) is given. The
    video codec falls back to what the container and the PyAV wheel support.
    ``faststart`` moves the mp4/mov index (moov atom) to the front.
    ``rotate`` (degrees clockwise) records the frames as a phone held upright
    does: stored as they are, with a display matrix saying how to turn them.
    ``top_colour`` paints a band across the top of every frame.
    ``frame_pts`` (in ``time_base`` units) places the frames at those moments instead of ``fps`` apart.
    ``audio_streams`` sound tracks, each its own tone.
    ``cover_art`` (MP4 only) adds a still picture, marked as attached, listed before the video.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    muxer, video_codecs, audio_codecs = _FORMATS.get(suffix, _FORMATS[".mp4"])
    if container_format:
        muxer = container_format
    if cover_art and muxer != "mp4":
        raise ValueError("FFmpeg writes cover art (a 'covr' tag) in MP4 files only")
    if codec in video_codecs or suffix not in (".webm", ".avi"):
        video_codecs = (codec,) + tuple(c for c in video_codecs if c != codec)
    video_codec = _pick(video_codecs, "video")

    options = {}
    if faststart:
        options["movflags"] = "faststart"
    if frame_pts is None:
        time_base, frame_pts = Fraction(1, fps), range(round(seconds * fps))
    elif muxer in ("mp4", "mov") and time_base.numerator == 1:
        # The file keeps the given time base (600 for iPhones), instead of FFmpeg's finer default.
        options["video_track_timescale"] = str(time_base.denominator)
    frame_pts = list(frame_pts)

    with av.open(str(path), mode="w", format=muxer, options=options) as output:
        art = None
        if cover_art:
            art = output.add_stream("mjpeg")
            art.width, art.height, art.pix_fmt = 64, 48, "yuvj420p"
            art.disposition = av.stream.Disposition.attached_pic
        video = output.add_stream(video_codec, rate=fps, options=_VIDEO_OPTIONS.get(video_codec, {}))
        video.width = width
        video.height = height
        video.pix_fmt = pix_fmt
        video.codec_context.time_base = video.time_base = time_base
        if video_codec == "libx265" and muxer in ("mov", "mp4"):
            video.codec_tag = "hvc1"  # as iPhones write it (FFmpeg's default, hev1, does not play in Safari)
        if rotate:
            # FFmpeg's display matrix angle is counter-clockwise.
            video.set_display_rotation(-rotate)

        sounds = []
        if audio:
            audio_codec = _pick(audio_codecs, "audio")
            rate = 48000 if "opus" in audio_codec else 44100
            for _ in range(audio_streams):
                sound = output.add_stream(audio_codec, rate=rate)
                sound.layout = "mono"
                sounds.append(sound)

        if art is not None:
            picture = av.VideoFrame.from_image(Image.new("RGB", (64, 48), (200, 200, 10)))
            picture.pts = 0
            output.mux(art.encode(picture) + art.encode(None))

        for index, pts in enumerate(frame_pts):
            frame = _video_frame(index, fps, width, height, top_colour)
            frame.pts, frame.time_base = pts, time_base
            output.mux(video.encode(frame))
        output.mux(video.encode(None))

        for number, sound in enumerate(sounds):
            for frame in _audio_frames(seconds, sound.codec_context.sample_rate, tone=440 + 220 * number):
                output.mux(sound.encode(frame))
            output.mux(sound.encode(None))
    if cover_art:
        _list_cover_art_first(path)
    return path


def _list_cover_art_first(path: Path) -> None:
    """Moves the moov box's user data (where the cover is) before its tracks: FFmpeg then lists the picture as
    the first stream, as it does for files from some phones and editors. The box sizes stay the same, so the
    offsets to the media data do too."""
    data = bytearray(path.read_bytes())
    moov = next(box for box in _boxes(data, 0, len(data)) if box[0] == "moov")
    children = _boxes(data, moov[1] + 8, moov[1] + moov[2])
    first = {"mvhd": 0, "udta": 1}
    ordered = sorted(children, key=lambda box: first.get(box[0], 2))
    data[moov[1] + 8 : moov[1] + moov[2]] = b"".join(data[start : start + size] for _, start, size in ordered)
    path.write_bytes(bytes(data))


def _boxes(data, start: int, end: int) -> list[tuple[str, int, int]]:
    """(type, offset, size) of the MP4 boxes between ``start`` and ``end`` (32-bit sizes only)."""
    boxes, offset = [], start
    while offset + 8 <= end:
        size = int.from_bytes(data[offset : offset + 4], "big")
        boxes.append((data[offset + 4 : offset + 8].decode("latin-1"), offset, size))
        offset += size
    return boxes


def _pts_with_gaps(seconds: float, time_base: Fraction, gaps, *, fps: int) -> list[int]:
    """Frame timestamps ``gaps`` apart in turn (in ``time_base`` units). The last frame comes 1/``fps`` s
    before ``seconds``: the encoder gives the last frame that long, so the clip lasts ``seconds``."""
    last = round(seconds / time_base) - round(1 / (fps * time_base))
    found = [0]
    while found[-1] + gaps[len(found) % len(gaps)] < last:
        found.append(found[-1] + gaps[len(found) % len(gaps)])
    return [*found, last]


# Milliseconds between frames of a variable-frame-rate recording, in turn: a phone slows down in dim light or
# when busy. About 28.7 frames a second on average, under the preview's cap, so no filter evens them out.
_VFR_GAPS_MS = (33, 20, 45, 38, 27, 50, 31)


def make_vfr_clip(path, *, seconds: float = 3.0, **options) -> Path:
    """A variable-frame-rate clip as Android phones write them: a 1/90000 time base, frames 20 to 50 ms apart."""
    time_base = Fraction(1, 90000)
    pts = _pts_with_gaps(seconds, time_base, [ms * 90 for ms in _VFR_GAPS_MS], fps=30)
    return make_clip(path, seconds=seconds, fps=30, time_base=time_base, frame_pts=pts, **options)


# Frame times of a 30 fps capture (20 ticks at 1/600 s) between the frames a phone kept: 7 frames every 15,
# 14 frames a second on average.
_DROPPED_FRAME_GAPS = (1, 2, 1, 3, 2, 4, 2)


def make_dropped_frame_clip(path, *, seconds: float = 3.0, **options) -> Path:
    """A clip as an iPhone writes one that dropped frames: a 600 timescale, 30 fps capture with gaps."""
    time_base = Fraction(1, 600)
    pts = _pts_with_gaps(seconds, time_base, [20 * gap for gap in _DROPPED_FRAME_GAPS], fps=30)
    return make_clip(path, seconds=seconds, fps=30, time_base=time_base, frame_pts=pts, **options)


def make_still_clip(path, *, codec: str = "mjpeg", width: int = 64, height: int = 48) -> Path:
    """A MOV/MP4 holding a single still picture (mjpeg or png) as its video stream."""
    path = Path(path)
    muxer = "mov" if path.suffix.lower() == ".mov" else "mp4"
    with av.open(str(path), mode="w", format=muxer) as output:
        stream = output.add_stream(codec, rate=1)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "rgb24"
        frame = av.VideoFrame.from_image(Image.new("RGB", (width, height), (10, 20, 200)))
        frame.pts = 0
        output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


def make_audio(path, *, seconds: float = 2.0, cover: bool = False) -> Path:
    """An audio-only MP4 (AAC), optionally with a cover picture (attached_pic)."""
    path = Path(path)
    with av.open(str(path), mode="w", format="mp4") as output:
        sound = output.add_stream("aac", rate=44100)
        sound.layout = "mono"
        picture = []
        if cover:
            art = output.add_stream("mjpeg")
            art.width, art.height, art.pix_fmt = 64, 48, "yuvj420p"
            art.disposition = av.stream.Disposition.attached_pic
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 48), (200, 200, 10)))
            frame.pts = 0
            picture = art.encode(frame) + art.encode(None)
        for frame in _audio_frames(seconds, 44100):
            output.mux(sound.encode(frame))
        output.mux(sound.encode(None))
        output.mux(picture)
    return path


def make_jpeg(path, *, width: int = 64, height: int = 48) -> Path:
    """Write a real JPEG image (whatever the suffix of ``path``)."""
    path = Path(path)
    Image.new("RGB", (width, height), (200, 30, 30)).save(path, format="JPEG")
    return path


def make_png(path, *, width: int = 64, height: int = 48) -> Path:
    """Write a real PNG image (whatever the suffix of ``path``)."""
    path = Path(path)
    Image.new("RGB", (width, height), (30, 200, 30)).save(path, format="PNG")
    return path


def make_pdf(path) -> Path:
    """Write a minimal, valid one-page PDF."""
    path = Path(path)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def repeat_timestamps(path, target, *, kind: str, every: int = 10) -> Path:
    """A Matroska copy of ``path`` in which every ``every``-th packet of its ``kind`` ("audio" or "video")
    stream carries the timestamp of the packet before it, as a glitching recorder writes (Matroska takes a
    repeated timestamp; MP4 does not)."""
    target = Path(target)
    with av.open(str(path)) as source, av.open(str(target), mode="w", format="matroska") as copy:
        streams = {stream.index: copy.add_stream_from_template(stream) for stream in source.streams}
        previous, count = None, 0
        for packet in source.demux():
            if packet.dts is None:  # the empty packet that ends each stream
                continue
            if packet.stream.type == kind:
                count += 1
                if count % every == 0:
                    packet.pts = packet.dts = previous
                previous = packet.pts
            packet.stream = streams[packet.stream.index]
            copy.mux(packet)
    return target


def truncate(path, fraction: float = 0.5, *, target=None) -> Path:
    """Write a copy of ``path`` cut to ``fraction`` of its size; return the copy.

    The copy is ``target`` if given, else ``<stem>.truncated<suffix>`` next to
    the original.
    """
    path = Path(path)
    target = Path(target) if target else path.with_name(f"{path.stem}.truncated{path.suffix}")
    keep = int(path.stat().st_size * fraction)
    with path.open("rb") as source, target.open("wb") as copy:
        shutil.copyfileobj(_limited(source, keep), copy)
    return target


class _limited:
    """File-like wrapper reading at most ``limit`` bytes."""

    def __init__(self, source, limit):
        self._source = source
        self._left = limit

    def read(self, size=-1):
        if self._left <= 0:
            return b""
        if size is None or size < 0 or size > self._left:
            size = self._left
        data = self._source.read(size)
        self._left -= len(data)
        return data


def top_level_boxes(path) -> list[str]:
    """The types of an MP4/MOV file's top-level boxes, in file order ("ftyp", "moov", "mdat", ...)."""
    boxes = []
    with Path(path).open("rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                break
            size = int.from_bytes(header[:4], "big")
            header_size = 8
            if size == 1:
                size = int.from_bytes(handle.read(8), "big")
                header_size = 16
            boxes.append(header[4:8].decode("latin-1"))
            if size == 0:  # runs to the end of the file
                break
            handle.seek(size - header_size, 1)
    return boxes


@dataclass
class VideoFacts:
    """What a player sees in a file: its streams, and every frame of its video decoded."""

    format_names: list[str]
    video_codec: str
    pixel_format: str
    width: int
    height: int
    frame_rate: float
    duration: float
    frames_declared: int
    frames_decoded: int
    rotations: set
    audio_codecs: list[str]
    audio_rates: list[int]
    audio_channels: list[int]
    first_frame: Image.Image
    packet_dts: list[int]  # the video's, in decoding order
    frame_pts: list[int]  # the video's, in showing order


def read_video(path) -> VideoFacts:
    """Decodes the whole video of ``path`` (raising if any frame does not decode) and describes it; a cover
    picture is not the video."""
    with av.open(str(path)) as container:
        attached = av.stream.Disposition.attached_pic
        video = next(stream for stream in container.streams.video if not stream.disposition & attached)
        packet_dts = [packet.dts for packet in container.demux(video) if packet.dts is not None]
        container.seek(0)
        decoded, rotations, first, frame_pts = 0, set(), None, []
        for frame in container.decode(video):
            decoded += 1
            rotations.add(frame.rotation)
            frame_pts.append(frame.pts)
            if first is None:
                first = frame.to_image()
        audio = list(container.streams.audio)
        return VideoFacts(
            format_names=container.format.name.split(","),
            video_codec=video.codec_context.name,
            pixel_format=video.codec_context.pix_fmt,
            width=video.codec_context.width,
            height=video.codec_context.height,
            frame_rate=float(video.average_rate),
            duration=container.duration / 1_000_000,
            frames_declared=video.frames,
            frames_decoded=decoded,
            rotations=rotations,
            audio_codecs=[stream.codec_context.name for stream in audio],
            audio_rates=[stream.codec_context.sample_rate for stream in audio],
            audio_channels=[stream.codec_context.channels for stream in audio],
            first_frame=first,
            packet_dts=packet_dts,
            frame_pts=frame_pts,
        )
