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

from .containers import (
    CONTAINER_DEMUXERS,
    brand_name,
    container_declared_end,
    looks_like_video_container,
    name_matches,
    read_head,
)

__all__ = [
    "ClipInfo",
    "ClipRejected",
    "display_size",
    "format_duration",
    "probe_clip",
]

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
MAX_PACKETS_FOR_FIRST_FRAME = 300


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


def damaged():
    return ClipRejected(_("The file is damaged or incomplete."))


def _accepted_label(accepted) -> str:
    return ", ".join(name.upper() for name in accepted)


def _choose_container(container, head: bytes, accepted) -> str:
    aliases = [alias.strip() for alias in (container.format.name or "").split(",")]
    brand = brand_name(container, head, aliases)
    matching = [name for name in accepted if name_matches(name, aliases, brand)]
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


def is_motion_video(stream) -> bool:
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


def to_seconds(value, time_base) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def clip_duration(container, video) -> float | None:
    import av

    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    duration = to_seconds(video.duration, video.time_base)
    if duration is not None and duration > 0:
        return duration
    return None


def decode_first_frame(container, video):
    """The first decoded video frame, or None."""
    for count, packet in enumerate(container.demux(video), start=1):
        for frame in video.codec_context.decode(packet):
            return frame
        if count >= MAX_PACKETS_FOR_FIRST_FRAME:
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
                raise damaged()
            # A short read: the packet was cut by the end of the file.
            if packet.is_corrupt and packet.pos + packet.size >= size:
                raise damaged()
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
        raise damaged()

    container_start = to_seconds(container.start_time, Fraction(1, 1_000_000)) or 0.0
    expected_end = container_start + duration
    tolerance = max(0.5, duration * 0.02)
    if end_seconds < expected_end - tolerance:
        raise damaged()

    # AVI: the header states the frame count; without the index at the end of a
    # cut file, FFmpeg rebuilds a shorter index (and a shorter duration).
    if "avi" in container.format.name.split(",") and video.frames and video.average_rate:
        indexed = to_seconds(video.duration, video.time_base)
        announced = video.frames / float(video.average_rate)
        if indexed is not None and announced > indexed + tolerance:
            raise damaged()


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

    head = read_head(path)
    try:
        container = av.open(path, mode="r", metadata_errors="replace")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as error:
        if looks_like_video_container(head):
            raise damaged() from error
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
            raise damaged() from error


def _probe_open_container(container, *, path, head, accepted, size, min_duration, max_duration) -> ClipInfo:
    short_name = _choose_container(container, head, accepted)

    aliases = (container.format.name or "").split(",")
    declared_end = container_declared_end(path, head, size, aliases)
    if declared_end is not None and declared_end > size:
        raise damaged()

    videos = [stream for stream in container.streams.video if is_motion_video(stream)]
    if not videos:
        raise ClipRejected(_("The file has no video."))
    video = videos[0]
    audios = list(container.streams.audio)

    duration = clip_duration(container, video)
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

    first = decode_first_frame(container, video)
    if first is None:
        raise damaged()
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
        rotation=upright_rotation(video, first),
        frame_rate=_frame_rate(video),
        bitrate=_bitrate(container, size, duration),
    )


def upright_rotation(video, frame) -> int:
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
