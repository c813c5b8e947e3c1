"""The browser-playable preview of a clip, written under its final name only once complete.

A clip browsers already play (`browser_plays`: H.264 in 8-bit 4:2:0, AAC or no sound, at most 1080p, in an MP4
or a MOV, which is what most phones record) keeps its streams: they are copied into a faststart MP4
(`remux_preview`), seconds whatever its length, its rotation kept. Any other clip is transcoded with PyAV frame
by frame (`transcode_preview`) to H.264 and AAC in a faststart MP4: first a quick 480p rendition
(`QUICK_PREVIEW`, its AAC sound copied as it is, as an iPhone's HEVC MOV has), so screeners can watch it soon,
then the 720p one (see pipeline.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from .probe import (
    ClipRejected,
    clip_duration,
    damaged,
    decode_first_frame,
    display_size,
    is_motion_video,
    to_seconds,
    upright_rotation,
)

__all__ = [
    "QUICK_PREVIEW",
    "PreviewInfo",
    "browser_plays",
    "first_rendition",
    "preview_make",
    "preview_size",
    "preview_write",
    "remux_preview",
    "transcode_preview",
]

# The preview every browser plays: H.264 (yuv420p) and AAC in an MP4 whose index (moov) comes first, so
# playback and seeking start before the whole file has arrived. "720p": the short side at most 720 pixels,
# the long side at most 1280, whichever way the clip is held.
PREVIEW_MAX_SHORT_SIDE = 720
PREVIEW_MAX_LONG_SIDE = 1280
PREVIEW_MAX_FRAME_RATE = 30
# The same choices as `ffmpeg -c:v libx264 -preset veryfast -crf 23`: quick to make, good enough to judge.
PREVIEW_VIDEO_OPTIONS = {"preset": "veryfast", "crf": "23"}
# ffmpeg's own default for shrinking the picture.
PREVIEW_SCALING = "bicubic"
PREVIEW_AUDIO_RATE = 48000
PREVIEW_AUDIO_BITRATE = 128_000

# What browsers play as it is (see browser_plays): the streams are copied, not transcoded.
REMUX_CONTAINERS = frozenset({"mov", "mp4"})  # names of FFmpeg's mov demuxer
REMUX_VIDEO_CODECS = frozenset({"h264"})
REMUX_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})  # 8-bit 4:2:0: not High 10, not 4:2:2 or 4:4:4
REMUX_AUDIO_CODECS = frozenset({"aac"})
REMUX_MAX_SHORT_SIDE, REMUX_MAX_LONG_SIDE = 1080, 1920
REMUX_MAX_FRAME_RATE = 61
# The quick rendition of a clip that must be transcoded: a third of 720p's pixels, the fastest x264 preset that
# still compresses well, so a screener can watch it minutes before the 720p is made. Shrunk by averaging the
# pixels each one covers ("area"): as sharp as bicubic when shrinking 1080p by more than two, at half its cost,
# which was a third of the whole transcode of an HEVC clip. Its sound is copied when browsers play it as it is.
QUICK_PREVIEW = {
    "max_short_side": 480,
    "max_long_side": 854,
    "video_options": {"preset": "superfast", "crf": "26"},
    "scaling": "area",
    "audio_bitrate": 96_000,
    "copy_sound": True,
}

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
        video = next(stream for stream in container.streams.video if is_motion_video(stream))
        frame = decode_first_frame(container, video)
        if frame is None:
            raise damaged()
        return _FirstFrame(
            frame.width,
            frame.height,
            frame.format.name,
            upright_rotation(video, frame),
            frame.colorspace,
            frame.color_primaries,
            frame.color_trc,
        )


class _VideoPath:
    """Decoded frames -> scaled, upright, yuv420p, frame rate capped -> H.264 packets.

    Scaling comes before the rotation, so the transpose moves the small picture, not the large one."""

    def __init__(
        self, output, source_stream, first, *, max_short_side, max_long_side, max_frame_rate, options, scaling
    ):
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
        steps = [
            ("scale", f"{stored_width}:{stored_height}:flags={scaling}"),
            ("format", "yuv420p"),
            ("setsar", "1"),
        ]
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

    takes_packets = False

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


class _CopiedSound:
    """The source's sound packets, as they are (see _sound_copyable): nothing decoded or encoded."""

    takes_packets = True

    def __init__(self, output, source_stream):
        self.output = output
        self.stream = output.add_stream_from_template(source_stream)
        self.last_dts = None

    def push(self, packet):
        if packet.dts is None:
            return  # the demuxer's empty packet at the end of the stream
        if self.last_dts is not None and packet.dts <= self.last_dts:
            # A packet dated as the one before it (a recorder's glitch): the muxer refuses it, and the sound
            # before it plays on.
            return
        self.last_dts = packet.dts
        packet.stream = self.stream
        self.output.mux(packet)

    def finish(self):
        pass


def _sound_copyable(container, audio) -> bool:
    """Whether the sound of ``container`` plays in every browser as it is: AAC, mono or stereo, from an MP4 or
    a MOV (whose AAC an MP4 holds as it is)."""
    codec = audio.codec_context
    return (
        bool(REMUX_CONTAINERS & set((container.format.name or "").split(",")))
        and codec.name in REMUX_AUDIO_CODECS
        and 0 < codec.channels <= 2
    )


def _open_source(source):
    """(its first frame's facts, the clip opened for reading) of the clip at ``source``, or ClipRejected."""
    import av

    source = os.fspath(source)
    try:
        first = _first_frame(source)
        return first, av.open(source, mode="r", metadata_errors="replace")
    except StopIteration:
        raise ClipRejected(_("The file has no video.")) from None
    except (av.error.FFmpegError, UnicodeDecodeError) as error:
        raise damaged() from error


def transcode_preview(
    source,
    target,
    *,
    max_short_side: int = PREVIEW_MAX_SHORT_SIDE,
    max_long_side: int = PREVIEW_MAX_LONG_SIDE,
    max_frame_rate: int = PREVIEW_MAX_FRAME_RATE,
    video_options=None,
    scaling: str = PREVIEW_SCALING,
    audio_bitrate: int = PREVIEW_AUDIO_BITRATE,
    copy_sound: bool = False,
) -> PreviewInfo:
    """Writes the browser-playable preview of the clip at ``source`` to ``target`` (an MP4 file); with
    ``copy_sound``, sound every browser plays as it is (_sound_copyable) is copied instead of encoded again.

    Streams frame by frame: memory stays flat whatever the length. Raises ClipRejected ("damaged or
    incomplete") when the source cannot be read to its end; errors while writing propagate as they are."""
    import av

    first, source_container = _open_source(source)
    with source_container:
        video = next(stream for stream in source_container.streams.video if is_motion_video(stream))
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
                scaling=scaling,
            )
            if audio is None:
                audio_path = None
            elif copy_sound and _sound_copyable(source_container, audio):
                audio_path = _CopiedSound(output, audio)
            else:
                audio_path = _AudioPath(output, bitrate=audio_bitrate)
            _decode_into(source_container, video, audio, video_path, audio_path)
            video_path.finish()
            if audio_path is not None:
                audio_path.finish()
        duration = clip_duration(source_container, video) or 0.0
        start = to_seconds(source_container.start_time, Fraction(1, 1_000_000)) or 0.0

    covered = (video_path.end or 0.0) - start
    if covered < duration - max(_PREVIEW_SHORTFALL_SECONDS, duration * _PREVIEW_SHORTFALL_FRACTION):
        raise damaged()
    width, height = video_path.size
    return PreviewInfo(width=width, height=height, duration=covered, has_audio=audio_path is not None)


def browser_plays(source) -> bool:
    """Whether every browser plays the clip at ``source`` as it is (see REMUX_*): then its preview is a remux."""
    import av

    try:
        with av.open(os.fspath(source), mode="r", metadata_errors="replace") as container:
            if not REMUX_CONTAINERS & set((container.format.name or "").split(",")):
                return False
            videos = [stream for stream in container.streams.video if is_motion_video(stream)]
            if len(videos) != 1:
                return False
            video = videos[0]
            codec = video.codec_context
            rate = video.average_rate or video.guessed_rate
            if (
                codec.name not in REMUX_VIDEO_CODECS
                or codec.format is None
                or codec.format.name not in REMUX_PIXEL_FORMATS
                or not codec.width
                or min(codec.width, codec.height) > REMUX_MAX_SHORT_SIDE
                or max(codec.width, codec.height) > REMUX_MAX_LONG_SIDE
                or (rate and rate > REMUX_MAX_FRAME_RATE)
            ):
                return False
            audio = container.streams.audio
            return not audio or audio[0].codec_context.name in REMUX_AUDIO_CODECS
    except (av.error.FFmpegError, UnicodeDecodeError):
        return False


def remux_preview(source, target) -> PreviewInfo:
    """Copies the video and the first sound stream of ``source`` (a clip `browser_plays`) into a faststart MP4
    at ``target``: nothing is decoded or encoded, and the display matrix (a phone's rotation) goes along.
    Raises ClipRejected ("damaged or incomplete") when the packets stop well before the clip's end."""
    import av

    first, source_container = _open_source(source)
    with source_container:
        video = next(stream for stream in source_container.streams.video if is_motion_video(stream))
        audio = source_container.streams.audio[0] if source_container.streams.audio else None
        end = None
        with av.open(os.fspath(target), mode="w", format="mp4", options={"movflags": "faststart"}) as output:
            copies = {video: output.add_stream_from_template(video)}
            if audio is not None:
                copies[audio] = output.add_stream_from_template(audio)
            packets = source_container.demux(*copies)
            while True:
                try:
                    packet = next(packets)
                except StopIteration:
                    break
                except (av.error.FFmpegError, UnicodeDecodeError) as error:
                    raise damaged() from error
                if packet.dts is None:
                    continue  # the demuxer's empty packet at the end of each stream
                if packet.stream is video and packet.pts is not None:
                    packet_end = float((packet.pts + (packet.duration or 0)) * video.time_base)
                    end = packet_end if end is None else max(end, packet_end)
                packet.stream = copies[packet.stream]
                output.mux(packet)
        duration = clip_duration(source_container, video) or 0.0
        start = to_seconds(video.start_time, video.time_base) or 0.0

    covered = (end or 0.0) - start
    if covered < duration - max(_PREVIEW_SHORTFALL_SECONDS, duration * _PREVIEW_SHORTFALL_FRACTION):
        raise damaged()
    width, height = display_size(first.width, first.height, first.rotation)
    return PreviewInfo(width=width, height=height, duration=covered, has_audio=audio is not None)


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
            raise damaged() from error
        if packet.stream is audio and audio_path.takes_packets:
            audio_path.push(packet)
            continue
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue
        target = video_path if packet.stream is video else audio_path
        for frame in frames:
            target.push(frame)


# How a preview is made (preview_make).
REMUX, QUICK, FULL = "remux", "quick", "full"


def first_rendition(source) -> str:
    """How a clip's first preview is made: a remux when browsers play it as it is, else the quick transcode."""
    return REMUX if browser_plays(source) else QUICK


def preview_make(source, target, *, how=FULL) -> PreviewInfo:
    """The preview of ``source`` at ``target``: copied streams (REMUX), the quick 480p rendition (QUICK) or the
    720p one (FULL)."""
    if how == REMUX:
        return remux_preview(source, target)
    return transcode_preview(source, target, **(QUICK_PREVIEW if how == QUICK else {}))


def preview_write(*, source, partial, final, how=FULL) -> bool:
    """Makes the preview of ``source`` at ``final`` (preview_make), through ``partial``, for one run at a time.

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
            preview_make(source, partial, how=how)
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
