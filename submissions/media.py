"""Decide whether an uploaded file is a real, acceptable video clip.

Only cheap operations are performed, whatever the size of the file: open the
container (FFmpeg reads the headers/index), decode the first video frame, seek
close to the end, decode one frame there and read the few remaining packets to
check that the file really ends where its index says it does. The file is
never loaded into memory.

Refusals raise :class:`ClipRejected`, whose ``message`` is a lazily translated,
user-facing sentence (rendered in the language active when it is displayed).
Nothing is logged or printed.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction

from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CONTAINER_DEMUXERS",
    "ClipInfo",
    "ClipRejected",
    "PreviewInfo",
    "clip_thumbnail",
    "display_size",
    "format_duration",
    "preview_size",
    "preview_write",
    "probe_clip",
    "transcode_preview",
]

# Short container name -> FFmpeg demuxer alias that the file's demuxer must list.
CONTAINER_DEMUXERS: dict[str, str] = {
    "mp4": "mp4",
    "mov": "mov",
    "3gp": "3gp",
    "avi": "avi",
    "mkv": "matroska",
    "webm": "webm",
}

# Codecs which, as the only "video" stream, mean a still picture, not a clip.
STILL_IMAGE_CODECS = frozenset(
    {
        "png",
        "apng",
        "bmp",
        "gif",
        "tiff",
        "webp",
        "jpeg2000",
        "jpegls",
        "ljpeg",
        "jpegxl",
        "qoi",
        "pam",
        "pbm",
        "pgm",
        "ppm",
        "sgi",
        "targa",
        "xbm",
        "xwd",
        "pcx",
        "psd",
        "hdr",
        "exr",
        "dds",
        "svg",
    }
)

# How many packets we are ready to read to get the first decoded frame.
_MAX_PACKETS_FOR_FIRST_FRAME = 300

# Box types an MP4/MOV file may start with (bytes 4..8).
_MOV_FIRST_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


class ClipRejected(Exception):
    """The file is not an acceptable clip.

    ``message`` is a user-facing sentence (lazy translated, Vietnamese by default
    in the project); render it with ``str()``.
    """

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return str(self.message)


@dataclass(frozen=True)
class ClipInfo:
    container: str  # key of CONTAINER_DEMUXERS, e.g. "mp4"
    duration: float  # seconds
    width: int  # as stored, before the rotation is applied
    height: int
    video_codec: str  # e.g. "h264"
    audio_codec: str  # "" when there is no audio stream
    size: int  # bytes on disk
    rotation: int = 0  # degrees clockwise that turn the stored picture upright: 0, 90, 180 or 270
    frame_rate: float | None = None  # frames per second (the average one), None when unknown
    bitrate: int | None = None  # bit/s of the whole file

    @property
    def display_width(self) -> int:
        return display_size(self.width, self.height, self.rotation)[0]

    @property
    def display_height(self) -> int:
        return display_size(self.width, self.height, self.rotation)[1]

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_codec)


def display_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    """Width and height as the clip is watched: a phone held upright stores landscape frames turned 90°."""
    if rotation % 180:
        return height, width
    return width, height


def format_duration(seconds) -> str:
    """Human readable duration: "45 s", "2.5 s", "1 min 05 s", "2 min", "1 h 02 min"."""
    seconds = max(float(seconds), 0.0)
    if seconds < 10 and not float(seconds).is_integer():
        tenths = round(seconds, 1)
        if not tenths.is_integer():
            return gettext("%(seconds)s s") % {"seconds": number_format(tenths, 1)}
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        if secs:
            return gettext("%(hours)d h %(minutes)02d min %(seconds)02d s") % {
                "hours": hours,
                "minutes": minutes,
                "seconds": secs,
            }
        if minutes:
            return gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
        return gettext("%(hours)d h") % {"hours": hours}
    if minutes:
        if secs:
            return gettext("%(minutes)d min %(seconds)02d s") % {"minutes": minutes, "seconds": secs}
        return gettext("%(minutes)d min") % {"minutes": minutes}
    return gettext("%(seconds)s s") % {"seconds": secs}


def _render(message, params):
    return str(message) % {key: str(value) for key, value in params.items()}


_lazy_render = lazy(_render, str)
_lazy_duration = lazy(format_duration, str)


def _message(message, **params):
    """A lazy ``message % params``: translated when displayed, not when raised."""
    if not params:
        return message
    return _lazy_render(message, params)


def _unreadable(accepted):
    return ClipRejected(
        _message(
            _(
                "This file is not a video we can read. "
                "Please upload a video in one of these formats: %(accepted)s."
            ),
            accepted=_accepted_label(accepted),
        )
    )


def _damaged():
    return ClipRejected(_("The file is damaged or incomplete."))


def _accepted_label(accepted) -> str:
    return ", ".join(name.upper() for name in accepted)


def _read_head(path, size=4096) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _looks_like_video_container(head: bytes) -> bool:
    """Cheap signature check, to tell a damaged video from a non-video file."""
    if len(head) >= 8 and head[4:8] in _MOV_FIRST_BOXES:
        return True
    if head.startswith(_EBML_MAGIC):
        return True
    return head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX")


def _matroska_doctype(head: bytes) -> str:
    """DocType of an EBML header ("webm", "matroska"), or "" if not found."""
    index = head.find(b"\x42\x82")
    if index < 0 or index + 3 > len(head):
        return ""
    length_byte = head[index + 2]
    if not length_byte & 0x80:  # only one-byte sizes, which is what muxers write
        return ""
    length = length_byte & 0x7F
    return head[index + 3 : index + 3 + length].decode("ascii", "replace").strip("\x00")


def _brand_name(container, head: bytes, aliases) -> str:
    """Short name the file itself claims to be, "" if unknown."""
    if "mov" in aliases or "mp4" in aliases:
        brand = ""
        try:
            brand = str(container.metadata.get("major_brand", ""))
        except Exception:  # noqa: BLE001 - metadata is a nicety only
            brand = ""
        if not brand and len(head) >= 12 and head[4:8] == b"ftyp":
            brand = head[8:12].decode("ascii", "replace")
        brand = brand.strip().lower()
        if brand == "qt":
            return "mov"
        if brand.startswith("3g"):
            return "3gp"
        return "mp4" if brand else ""
    if "matroska" in aliases or "webm" in aliases:
        doctype = _matroska_doctype(head)
        if doctype == "webm":
            return "webm"
        if doctype == "matroska":
            return "mkv"
    return ""


def _name_matches(name: str, aliases, brand: str) -> bool:
    if CONTAINER_DEMUXERS[name] not in aliases:
        return False
    # FFmpeg has a single "matroska,webm" demuxer; a Matroska file only counts as
    # WebM when its EBML DocType says so (a WebM file is also valid Matroska).
    return not (name == "webm" and brand == "mkv")


def _choose_container(container, head: bytes, accepted) -> str:
    aliases = [alias.strip() for alias in (container.format.name or "").split(",")]
    brand = _brand_name(container, head, aliases)
    matching = [name for name in accepted if _name_matches(name, aliases, brand)]
    if not matching:
        if brand:
            label = brand
        else:
            known = [name for name, alias in CONTAINER_DEMUXERS.items() if alias in aliases]
            label = known[0] if known else aliases[0].removesuffix("_pipe")
        raise ClipRejected(
            _message(
                _("This file format (%(format)s) is not accepted. Accepted formats: %(accepted)s."),
                format=(label or "?").upper(),
                accepted=_accepted_label(accepted),
            )
        )
    if brand in matching:
        return brand
    return matching[0]


def _read_vint(data: bytes, offset: int, *, keep_marker: bool):
    """An EBML variable-length integer at ``offset``: (value, length, all_ones)."""
    if offset >= len(data) or data[offset] == 0:
        return None
    first = data[offset]
    length = 8 - first.bit_length() + 1
    if offset + length > len(data):
        return None
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[offset + 1 : offset + length]:
        value = (value << 8) | byte
    all_ones = not keep_marker and value == (1 << (7 * length)) - 1
    return value, length, all_ones


def _matroska_declared_end(head: bytes) -> int | None:
    """Where the Matroska Segment says it ends (None when unknown/unparsable)."""
    offset = 0
    for expected_id in (0x1A45DFA3, 0x18538067):  # EBML header, then Segment
        element_id = _read_vint(head, offset, keep_marker=True)
        if element_id is None or element_id[0] != expected_id:
            return None
        offset += element_id[1]
        element_size = _read_vint(head, offset, keep_marker=False)
        if element_size is None:
            return None
        value, length, unknown = element_size
        offset += length
        if expected_id == 0x18538067:
            return None if unknown else offset + value
        offset += value
    return None


def _mov_declared_end(path, size: int, max_boxes: int = 100_000) -> int:
    """Where the last top-level MP4/MOV box says it ends (walking box headers only)."""
    offset = 0
    with open(path, "rb") as handle:
        for _ in range(max_boxes):
            if offset + 8 > size:
                break
            handle.seek(offset)
            header = handle.read(16)
            box_size = int.from_bytes(header[0:4], "big")
            if box_size == 1 and len(header) >= 16:
                box_size = int.from_bytes(header[8:16], "big")
            elif box_size == 0:  # the box runs to the end of the file
                return size
            if box_size < 8:
                return size  # nonsense: leave it to FFmpeg
            offset += box_size
            if offset > size:
                return offset
    return offset


def _declared_end(path, head: bytes, size: int, aliases) -> int | None:
    """The byte length the container structure announces, when cheaply known."""
    if "mov" in aliases or "mp4" in aliases:
        return _mov_declared_end(path, size)
    if "matroska" in aliases or "webm" in aliases:
        return _matroska_declared_end(head)
    if "avi" in aliases and head[:4] == b"RIFF":
        return 8 + int.from_bytes(head[4:8], "little")
    return None


def _is_motion_video(stream) -> bool:
    disposition = int(stream.disposition)
    if disposition & (int(_disposition("attached_pic")) | int(_disposition("still_image"))):
        return False
    name = _codec_name(stream)
    if name in STILL_IMAGE_CODECS:
        return False
    return not (name == "mjpeg" and stream.frames == 1)


def _disposition(name):
    import av.stream

    return getattr(av.stream.Disposition, name, 0)


def _seconds(value, time_base) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def _duration(container, video) -> float | None:
    import av

    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    duration = _seconds(video.duration, video.time_base)
    if duration is not None and duration > 0:
        return duration
    return None


def _decode_first_frame(container, video):
    """The first decoded video frame, or None."""
    for count, packet in enumerate(container.demux(video), start=1):
        for frame in video.codec_context.decode(packet):
            return frame
        if count >= _MAX_PACKETS_FOR_FIRST_FRAME:
            break
    return None


def _check_ending(container, video, duration: float, size: int) -> None:
    """Seek close to the end, decode one frame, check the file ends where expected.

    Only the packets from the last keyframe before ``duration - 1 s`` to the end
    are read (one frame is decoded), so this is cheap even for huge files.
    """
    start = video.start_time or 0
    target = start + int(max(duration - 1.0, 0.0) / video.time_base)
    container.seek(target, any_frame=False, backward=True, stream=video)
    video.codec_context.flush_buffers()

    decoded = False
    end_seconds = None
    for packet in container.demux():
        stream = packet.stream
        if packet.size and packet.pos is not None and packet.pos >= 0:
            if packet.pos + packet.size > size:
                raise _damaged()
            # A short read: the packet was cut by the end of the file.
            if packet.is_corrupt and packet.pos + packet.size >= size:
                raise _damaged()
        if stream.type in ("video", "audio") and packet.size:
            timestamp = packet.pts if packet.pts is not None else packet.dts
            if timestamp is not None and packet.time_base is not None:
                ending = float((timestamp + max(packet.duration or 0, 0)) * packet.time_base)
                end_seconds = ending if end_seconds is None else max(end_seconds, ending)
        if stream is video and not decoded:
            # Also decodes the empty flush packet sent at the end of the file.
            for _frame in video.codec_context.decode(packet):
                decoded = True
                break
    if not decoded or end_seconds is None:
        raise _damaged()

    container_start = _seconds(container.start_time, Fraction(1, 1_000_000)) or 0.0
    expected_end = container_start + duration
    tolerance = max(0.5, duration * 0.02)
    if end_seconds < expected_end - tolerance:
        raise _damaged()

    # AVI: the header states the frame count; without the index at the end of a
    # cut file, FFmpeg rebuilds a shorter index (and a shorter duration).
    if "avi" in container.format.name.split(",") and video.frames and video.average_rate:
        indexed = _seconds(video.duration, video.time_base)
        announced = video.frames / float(video.average_rate)
        if indexed is not None and announced > indexed + tolerance:
            raise _damaged()


def _codec_name(stream) -> str:
    """Canonical codec name ("mp3", "av1"), not the decoder's ("mp3float", "libdav1d")."""
    codec = stream.codec_context.codec
    return getattr(codec, "canonical_name", None) or codec.name


def probe_clip(path, *, accepted_containers, min_duration, max_duration, expected_size=None) -> ClipInfo:
    """Check that ``path`` is a complete, readable clip of an accepted format.

    Returns a :class:`ClipInfo`; raises :class:`ClipRejected` otherwise.
    """
    import av

    accepted = tuple(accepted_containers)
    unknown = [name for name in accepted if name not in CONTAINER_DEMUXERS]
    if not accepted or unknown:
        raise ValueError(f"Unknown container names: {unknown!r}; known: {sorted(CONTAINER_DEMUXERS)}")

    path = os.fspath(path)
    size = os.stat(path).st_size
    if size == 0:
        raise ClipRejected(_("The file is empty."))
    if expected_size is not None and size != expected_size:
        raise ClipRejected(
            _message(
                _("The upload is incomplete: %(received)s of %(expected)s bytes were received."),
                received=size,
                expected=expected_size,
            )
        )

    head = _read_head(path)
    try:
        container = av.open(path, mode="r", metadata_errors="replace")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as error:
        if _looks_like_video_container(head):
            raise _damaged() from error
        raise _unreadable(accepted) from error

    with container:
        try:
            return _probe_open_container(
                container,
                path=path,
                head=head,
                accepted=accepted,
                size=size,
                min_duration=min_duration,
                max_duration=max_duration,
            )
        except (av.error.FFmpegError, UnicodeDecodeError) as error:
            raise _damaged() from error


def _probe_open_container(container, *, path, head, accepted, size, min_duration, max_duration) -> ClipInfo:
    short_name = _choose_container(container, head, accepted)

    aliases = (container.format.name or "").split(",")
    declared_end = _declared_end(path, head, size, aliases)
    if declared_end is not None and declared_end > size:
        raise _damaged()

    videos = [stream for stream in container.streams.video if _is_motion_video(stream)]
    if not videos:
        raise ClipRejected(_("The file has no video."))
    video = videos[0]
    audios = list(container.streams.audio)

    duration = _duration(container, video)
    if duration is None or not math.isfinite(duration):
        raise _unreadable(accepted)
    if duration < min_duration or duration > max_duration:
        # Round towards the side of the refusal so the message never shows a
        # value that looks acceptable (e.g. 30.4 s shown as "30 s" when max is 30).
        shown = math.floor(duration * 10) / 10 if duration < min_duration else math.ceil(duration)
        raise ClipRejected(
            _message(
                _("The clip lasts %(duration)s; it must last between %(min)s and %(max)s."),
                duration=_lazy_duration(shown),
                min=_lazy_duration(min_duration),
                max=_lazy_duration(max_duration),
            )
        )

    first = _decode_first_frame(container, video)
    if first is None:
        raise _damaged()
    _check_ending(container, video, duration, size)

    width = video.codec_context.width or first.width
    height = video.codec_context.height or first.height
    return ClipInfo(
        container=short_name,
        duration=duration,
        width=int(width),
        height=int(height),
        video_codec=_codec_name(video),
        audio_codec=_codec_name(audios[0]) if audios else "",
        size=size,
        rotation=_rotation(video, first),
        frame_rate=_frame_rate(video),
        bitrate=_bitrate(container, size, duration),
    )


def _rotation(video, frame) -> int:
    """Degrees clockwise (0, 90, 180 or 270) that turn the stored picture upright.

    FFmpeg hands the display matrix to each decoded frame, as a counter-clockwise angle (-90 for a phone
    held upright); files from older muxers may only carry the legacy clockwise ``rotate`` tag."""
    angle = -(getattr(frame, "rotation", 0) or 0)
    if not angle:
        try:
            angle = float(video.metadata.get("rotate", 0))
        except (TypeError, ValueError):
            angle = 0
    return round(angle / 90) % 4 * 90


def _frame_rate(video) -> float | None:
    rate = video.average_rate or video.guessed_rate
    if not rate or not 0 < rate < 1000:
        return None
    return round(float(rate), 3)


def _bitrate(container, size: int, duration: float) -> int | None:
    if container.bit_rate and container.bit_rate > 0:
        return int(container.bit_rate)
    if duration > 0:
        return round(size * 8 / duration)
    return None


def clip_thumbnail(path, *, at_seconds: float = 1.0, max_size: int = 640, quality: int = 85) -> bytes:
    """JPEG bytes of the frame shown at ``at_seconds`` (fitting in ``max_size`` pixels).

    The frame is turned upright according to the stream's display matrix. Raises
    ClipRejected ("damaged or incomplete") if no frame can be decoded.
    """
    import io

    import av

    try:
        with av.open(os.fspath(path), mode="r", metadata_errors="replace") as container:
            videos = [stream for stream in container.streams.video if _is_motion_video(stream)]
            if not videos:
                raise ClipRejected(_("The file has no video."))
            video = videos[0]
            image = _frame_image_at(container, video, max(float(at_seconds), 0.0), max_size=max_size)
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise _damaged() from error
    if image is None:
        raise _damaged()
    image.thumbnail((max_size, max_size))
    output = io.BytesIO()
    image.convert("RGB").save(output, format="JPEG", quality=quality, optimize=True)
    return output.getvalue()


def _frame_image_at(container, video, at_seconds: float, *, max_size: int | None = None):
    """A Pillow image of the first frame at or after ``at_seconds`` (or the last one before)."""
    start = video.start_time or 0
    if at_seconds > 0:
        container.seek(start + int(at_seconds / video.time_base), backward=True, stream=video)
    wanted = start * video.time_base + Fraction(at_seconds).limit_denominator(1000)
    chosen = None
    for count, frame in enumerate(container.decode(video), start=1):
        chosen = frame
        if frame.pts is None or frame.pts * video.time_base >= wanted:
            break
        if count >= 10 * _MAX_PACKETS_FOR_FIRST_FRAME:  # a very long GOP: good enough
            break
    if chosen is None:
        return None
    width, height = chosen.width, chosen.height
    if max_size and max(width, height) > max_size:
        # Scaled in the same pass that converts to RGB: a third of the time of converting, then resizing 1080p.
        scale = max_size / max(width, height)
        width, height = max(1, round(width * scale)), max(1, round(height * scale))
    image = chosen.to_image(width=width, height=height, interpolation="AREA")
    rotation = _rotation(video, chosen)
    if rotation:
        # Pillow turns counter-clockwise.
        image = image.rotate(-rotation, expand=True)
    return image


# The preview every browser plays: H.264 (yuv420p) and AAC in an MP4 whose index (moov) comes first, so
# playback and seeking start before the whole file has arrived. "720p": the short side at most 720 pixels,
# the long side at most 1280, whichever way the clip is held.
PREVIEW_MAX_SHORT_SIDE = 720
PREVIEW_MAX_LONG_SIDE = 1280
PREVIEW_MAX_FRAME_RATE = 30
# The same choices as `ffmpeg -c:v libx264 -preset veryfast -crf 23`: quick to make, good enough to judge.
PREVIEW_VIDEO_OPTIONS = {"preset": "veryfast", "crf": "23"}
PREVIEW_AUDIO_RATE = 48000
PREVIEW_AUDIO_BITRATE = 128_000

# A preview must cover the clip: shorter by more than this (seconds, or this fraction of the clip), the
# source could not be read to its end.
_PREVIEW_SHORTFALL_SECONDS = 1.0
_PREVIEW_SHORTFALL_FRACTION = 0.05


@dataclass(frozen=True)
class PreviewInfo:
    width: int
    height: int
    duration: float  # seconds of video written
    has_audio: bool


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def preview_size(
    width: int,
    height: int,
    *,
    rotation: int = 0,
    sample_aspect_ratio=None,
    max_short_side: int = PREVIEW_MAX_SHORT_SIDE,
    max_long_side: int = PREVIEW_MAX_LONG_SIDE,
) -> tuple[int, int]:
    """The upright size of the preview: the clip's shape in square pixels, never enlarged, even numbers
    (which H.264 in 4:2:0 needs)."""
    shown_width = width * float(sample_aspect_ratio) if sample_aspect_ratio else width
    shown_width, shown_height = display_size(shown_width, height, rotation)
    scale = min(
        1.0, max_short_side / min(shown_width, shown_height), max_long_side / max(shown_width, shown_height)
    )
    return _even(shown_width * scale), _even(shown_height * scale)


# Filters that turn stored frames upright, by clockwise rotation.
_UPRIGHT_FILTERS = {
    90: [("transpose", "clock")],
    180: [("hflip", None), ("vflip", None)],
    270: [("transpose", "cclock")],
}


@dataclass(frozen=True)
class _FirstFrame:
    width: int
    height: int
    format: str
    rotation: int
    colorspace: int
    color_primaries: int
    color_trc: int


def _first_frame(path) -> _FirstFrame:
    """What must be known before the output's streams are declared: the size and pixel format of the
    decoded frames and their colour description, and the display matrix, which only decoded frames carry."""
    import av

    with av.open(path, mode="r", metadata_errors="replace") as container:
        video = next(stream for stream in container.streams.video if _is_motion_video(stream))
        frame = _decode_first_frame(container, video)
        if frame is None:
            raise _damaged()
        return _FirstFrame(
            frame.width,
            frame.height,
            frame.format.name,
            _rotation(video, frame),
            frame.colorspace,
            frame.color_primaries,
            frame.color_trc,
        )


class _VideoPath:
    """Decoded frames -> scaled, upright, yuv420p, frame rate capped -> H.264 packets.

    Scaling comes before the rotation, so the transpose moves the small picture, not the large one."""

    def __init__(self, output, source_stream, first, *, max_short_side, max_long_side, max_frame_rate, options):
        import av.filter

        self.output = output
        self.source = source_stream
        width, height = preview_size(
            first.width,
            first.height,
            rotation=first.rotation,
            sample_aspect_ratio=source_stream.sample_aspect_ratio,
            max_short_side=max_short_side,
            max_long_side=max_long_side,
        )
        stored_width, stored_height = display_size(width, height, first.rotation)
        steps = [("scale", f"{stored_width}:{stored_height}"), ("format", "yuv420p"), ("setsar", "1")]
        steps += _UPRIGHT_FILTERS.get(first.rotation, [])
        rate = source_stream.average_rate or source_stream.guessed_rate
        self.source_rate = rate if rate and 0 < rate < 1000 else None
        # The time base the frames leave the graph in: the fps filter counts in frames of its rate; the
        # other filters keep the source's clock.
        time_base = source_stream.time_base
        if self.source_rate is None or self.source_rate > max_frame_rate + Fraction(1, 2):
            rate = Fraction(max_frame_rate)
            steps.append(("fps", str(max_frame_rate)))
            time_base = 1 / rate
        self.frame_seconds = 1 / float(rate)

        self.graph = av.filter.Graph()
        node = self.graph.add_buffer(
            width=first.width, height=first.height, format=first.format, time_base=source_stream.time_base
        )
        for name, args in steps:
            following = self.graph.add(name, args)
            node.link_to(following)
            node = following
        node.link_to(self.graph.add("buffersink"))
        self.graph.configure()

        self.stream = output.add_stream("libx264", rate=rate, options=dict(options))
        self.stream.width, self.stream.height, self.stream.pix_fmt = width, height, "yuv420p"
        self.stream.thread_type = "AUTO"
        # Set now, not at the first video frame: the first packet muxed, audio as often as not, opens every
        # encoder, and one opened without a time base counts in frames of the average rate. A variable frame
        # rate's timestamps, rounded to that grid, collide, and the muxer refuses the repeated ones. In the
        # graph's own time base, timestamps that increase stay distinct.
        codec = self.stream.codec_context
        codec.time_base = self.stream.time_base = time_base
        # Keep the colour description, as ffmpeg does; a wrong one shifts the colours in browsers.
        codec.colorspace = first.colorspace
        codec.color_primaries = first.color_primaries
        codec.color_trc = first.color_trc
        self.size = (width, height)
        self.last_pts = None
        self.end = None  # where the last frame written ends, in seconds of the source's clock

    def push(self, frame):
        if frame.pts is None:
            frame.pts = self._next_pts()
        if self.last_pts is not None and frame.pts <= self.last_pts:
            # A repeated timestamp (seen in some AVI and VFR phone files): one frame per instant is shown.
            return
        self.last_pts = frame.pts
        self.graph.push(frame)
        self._drain()

    def _next_pts(self):
        if self.last_pts is None:
            return 0
        return self.last_pts + max(1, round(self.frame_seconds / self.source.time_base))

    def _drain(self):
        import av

        while True:
            try:
                frame = self.graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            self._encode(frame)

    def _encode(self, frame):
        from av.video.frame import PictureType

        # The decoder's picture types (I/P/B) would otherwise bind the encoder's choices.
        frame.pict_type = PictureType.NONE
        self.end = float(frame.pts * frame.time_base) + self.frame_seconds
        self.output.mux(self.stream.encode(frame))

    def finish(self):
        self.graph.push(None)
        self._drain()
        self.output.mux(self.stream.encode(None))


class _AudioPath:
    """Decoded audio -> stereo, 48 kHz, in the encoder's frame size -> AAC packets."""

    def __init__(self, output, *, bitrate):
        import av

        self.output = output
        self.stream = output.add_stream("aac", rate=PREVIEW_AUDIO_RATE)
        self.stream.layout = "stereo"
        self.stream.bit_rate = bitrate
        self.resampler = av.AudioResampler(
            format="fltp", layout="stereo", rate=PREVIEW_AUDIO_RATE, frame_size=_AAC_FRAME_SIZE
        )
        self.next_pts = None  # where the samples written so far end, in samples

    def push(self, frame):
        for resampled in self.resampler.resample(frame):
            self._encode(resampled)

    def _encode(self, frame):
        pts = self.next_pts
        if frame.pts is not None and frame.time_base is not None:
            # A gap in the source stays a gap, and the sound stays in step with the picture; samples the
            # source dates before the end of those already written (a recorder's timestamp going back) follow
            # them instead, since the muxer refuses timestamps that do not increase.
            source_pts = round(frame.pts * frame.time_base * PREVIEW_AUDIO_RATE)
            pts = source_pts if pts is None else max(pts, source_pts)
        pts = pts or 0
        frame.pts, frame.time_base = pts, Fraction(1, PREVIEW_AUDIO_RATE)
        self.next_pts = pts + frame.samples
        self.output.mux(self.stream.encode(frame))

    def finish(self):
        self.push(None)
        self.output.mux(self.stream.encode(None))


_AAC_FRAME_SIZE = 1024


def transcode_preview(
    source,
    target,
    *,
    max_short_side: int = PREVIEW_MAX_SHORT_SIDE,
    max_long_side: int = PREVIEW_MAX_LONG_SIDE,
    max_frame_rate: int = PREVIEW_MAX_FRAME_RATE,
    video_options=None,
    audio_bitrate: int = PREVIEW_AUDIO_BITRATE,
) -> PreviewInfo:
    """Writes the browser-playable preview of the clip at ``source`` to ``target`` (an MP4 file).

    Streams frame by frame: memory stays flat whatever the length. Raises ClipRejected ("damaged or
    incomplete") when the source cannot be read to its end; errors while writing propagate as they are."""
    import av

    source = os.fspath(source)
    try:
        first = _first_frame(source)
        source_container = av.open(source, mode="r", metadata_errors="replace")
    except StopIteration:
        raise ClipRejected(_("The file has no video.")) from None
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise _damaged() from error
    with source_container:
        video = next(stream for stream in source_container.streams.video if _is_motion_video(stream))
        video.thread_type = "AUTO"
        audio = source_container.streams.audio[0] if source_container.streams.audio else None
        with av.open(os.fspath(target), mode="w", format="mp4", options={"movflags": "faststart"}) as output:
            video_path = _VideoPath(
                output,
                video,
                first,
                max_short_side=max_short_side,
                max_long_side=max_long_side,
                max_frame_rate=max_frame_rate,
                options=video_options or PREVIEW_VIDEO_OPTIONS,
            )
            audio_path = _AudioPath(output, bitrate=audio_bitrate) if audio is not None else None
            _decode_into(source_container, video, audio, video_path, audio_path)
            video_path.finish()
            if audio_path is not None:
                audio_path.finish()
        duration = _duration(source_container, video) or 0.0
        start = _seconds(source_container.start_time, Fraction(1, 1_000_000)) or 0.0

    covered = (video_path.end or 0.0) - start
    if covered < duration - max(_PREVIEW_SHORTFALL_SECONDS, duration * _PREVIEW_SHORTFALL_FRACTION):
        raise _damaged()
    width, height = video_path.size
    return PreviewInfo(width=width, height=height, duration=covered, has_audio=audio_path is not None)


def _decode_into(container, video, audio, video_path, audio_path):
    """Demuxes and decodes the source, handing each frame to its path.

    A packet the decoder cannot read is skipped, as ffmpeg does (the frames around it hide the gap); a
    file that cannot be read on is damaged. The caller checks the preview covers the whole clip."""
    import av

    streams = [stream for stream in (video, audio) if stream is not None]
    packets = container.demux(*streams)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except (av.error.FFmpegError, UnicodeDecodeError) as error:
            raise _damaged() from error
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue
        target = video_path if packet.stream is video else audio_path
        for frame in frames:
            target.push(frame)


def preview_write(*, source, partial, final) -> bool:
    """Makes the preview of ``source`` at ``final``, through ``partial``, for one run at a time.

    ``partial`` has a fixed name per clip: a run killed midway leaves it behind, and the next run starts
    by removing it. ``final`` only ever appears complete (a rename on the same file system). Two runs for
    the same clip (a task delivered twice) would write the same ``partial``: the second one sees the
    first one's lock on the source and returns False without touching anything. The lock dies with the
    process that holds it, even when it is killed."""
    import fcntl

    partial, final = os.fspath(partial), os.fspath(final)
    with open(source, "rb") as claim:
        try:
            fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _remove(partial)
        try:
            transcode_preview(source, partial)
            os.replace(partial, final)
        except BaseException:
            _remove(partial)
            raise
    return True


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
