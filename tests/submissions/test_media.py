"""Tests of submissions.media.probe.probe_clip: is an uploaded file a real, acceptable clip?"""

import io
import random
from fractions import Fraction
from pathlib import Path

import av
import pytest
from django.utils import translation
from PIL import Image

from submissions.media.containers import CONTAINER_DEMUXERS
from submissions.media.preview import (
    QUICK,
    REMUX,
    browser_plays,
    first_rendition,
    preview_make,
    preview_size,
    remux_preview,
    transcode_preview,
)
from submissions.media.probe import ClipInfo, ClipRejected, format_duration, probe_clip
from submissions.media.thumbnail import clip_thumbnail
from tests.clips import (
    encoder_available,
    make_audio,
    make_clip,
    make_dropped_frame_clip,
    make_jpeg,
    make_pdf,
    make_png,
    make_still_clip,
    make_vfr_clip,
    read_video,
    repeat_timestamps,
    top_level_boxes,
    truncate,
)

ALL = ("mp4", "mov", "3gp", "mkv", "webm", "avi")
DATA = Path(__file__).resolve().parent.parent / "data"
RED = (255, 0, 0)


@pytest.fixture(autouse=True)
def english():
    # The project's default language is Vietnamese; assertions are on the English source.
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Clips shared by the tests (never modified; tests write their copies in tmp_path)."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "mp4": make_clip(folder / "clip.mp4"),
        "faststart": make_clip(folder / "faststart.mp4", faststart=True),
        "mov": make_clip(folder / "clip.mov"),
        "3gp": make_clip(folder / "clip.3gp"),
        "mkv": make_clip(folder / "clip.mkv"),
        "webm": make_clip(folder / "clip.webm"),
        "avi": make_clip(folder / "clip.avi"),
        "silent": make_clip(folder / "silent.mp4", audio=False),
    }


def probe(path, *, accepted=ALL, min_duration=1, max_duration=60, **kwargs):
    return probe_clip(
        path,
        accepted_containers=accepted,
        min_duration=min_duration,
        max_duration=max_duration,
        **kwargs,
    )


def refusal(path, **kwargs) -> str:
    with pytest.raises(ClipRejected) as caught:
        probe(path, **kwargs)
    return str(caught.value.message)


def copy_as(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    return target


# Accepted clips -------------------------------------------------------------


def test_it_accepts_an_mp4_clip(clips):
    info = probe(clips["mp4"], accepted=("mp4",), expected_size=clips["mp4"].stat().st_size)

    assert isinstance(info, ClipInfo)
    assert info.container == "mp4"
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert (info.width, info.height) == (320, 240)
    assert info.video_codec in ("h264", "mpeg4")
    assert info.audio_codec == "aac"
    assert info.size == clips["mp4"].stat().st_size


def test_it_accepts_an_mp4_clip_written_with_faststart(clips):
    assert probe(clips["faststart"], accepted=("mp4",)).container == "mp4"


def test_it_accepts_a_clip_without_audio(clips):
    info = probe(clips["silent"])

    assert info.audio_codec == ""
    assert info.video_codec in ("h264", "mpeg4")


@pytest.mark.parametrize(
    ("key", "video_codecs", "audio_codec"),
    [
        ("mov", {"h264", "mpeg4"}, "aac"),
        ("3gp", {"h264", "mpeg4"}, "aac"),
        ("mkv", {"h264", "mpeg4"}, "aac"),
        ("webm", {"vp8", "vp9"}, "opus"),
        ("avi", {"mpeg4"}, "mp3"),
    ],
)
def test_it_accepts_each_container_when_it_is_accepted(clips, key, video_codecs, audio_codec):
    info = probe(clips[key], accepted=(key,))

    assert info.container == key
    assert info.video_codec in video_codecs
    assert info.audio_codec == audio_codec
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert (info.width, info.height) == (320, 240)


def test_it_reports_the_brand_of_a_quicktime_file_when_both_are_accepted(clips):
    assert probe(clips["mov"], accepted=("mp4", "mov")).container == "mov"
    assert probe(clips["mp4"], accepted=("mov", "mp4")).container == "mp4"


def test_it_reports_an_mp4_as_mov_when_only_mov_is_accepted(clips):
    # FFmpeg has one demuxer for the whole QuickTime family.
    assert probe(clips["mp4"], accepted=("mov",)).container == "mov"


def test_it_reports_a_webm_as_mkv_when_only_mkv_is_accepted(clips):
    assert probe(clips["webm"], accepted=("mkv",)).container == "mkv"


def test_it_does_not_depend_on_the_file_name(clips, tmp_path):
    renamed = copy_as(clips["webm"], tmp_path / "upload.mp4")

    assert probe(renamed, accepted=("webm",)).container == "webm"


# Refused formats ------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "accepted", "label"),
    [
        ("mkv", ("mp4", "mov"), "MKV"),
        ("webm", ("mp4", "avi"), "WEBM"),
        ("avi", ("mp4", "mkv", "webm"), "AVI"),
        ("mp4", ("mkv", "webm"), "MP4"),
    ],
)
def test_it_refuses_a_container_that_is_not_accepted(clips, key, accepted, label):
    message = refusal(clips[key], accepted=accepted)

    assert f"This file format ({label}) is not accepted" in message
    assert ", ".join(name.upper() for name in accepted) in message


def test_it_refuses_a_matroska_file_when_only_webm_is_accepted(clips):
    # One FFmpeg demuxer ("matroska,webm") reads both, the EBML DocType tells them apart.
    assert "(MKV) is not accepted" in refusal(clips["mkv"], accepted=("webm",))


def test_it_refuses_a_jpeg_renamed_mp4(tmp_path):
    message = refusal(make_jpeg(tmp_path / "photo.mp4"))

    assert "is not accepted" in message
    assert "JPEG" in message


def test_it_refuses_a_png_renamed_mp4(tmp_path):
    assert "is not accepted" in refusal(make_png(tmp_path / "photo.mp4"))


def test_it_refuses_a_pdf_renamed_mp4(tmp_path):
    message = refusal(make_pdf(tmp_path / "document.mp4"))

    assert "not a video we can read" in message
    assert "MP4, MOV, 3GP, MKV, WEBM, AVI" in message


def test_it_refuses_random_bytes(tmp_path):
    path = tmp_path / "noise.mp4"
    path.write_bytes(random.Random(20240601).randbytes(30_000))

    assert "not a video we can read" in refusal(path, accepted=("mp4", "mov"))


def test_it_lists_the_accepted_formats_when_the_file_is_unreadable(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"just some text, not a video at all\n" * 10)

    assert "MP4, WEBM" in refusal(path, accepted=("mp4", "webm"))


def test_it_refuses_an_empty_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")

    assert refusal(path) == "The file is empty."


# No real video --------------------------------------------------------------


@pytest.mark.parametrize("codec", ["mjpeg", "png"])
def test_it_refuses_a_single_still_picture_wrapped_in_a_quicktime_file(tmp_path, codec):
    path = make_still_clip(tmp_path / "still.mov", codec=codec)

    assert refusal(path, min_duration=0) == "The file has no video."


def test_it_refuses_an_audio_file_with_a_cover_picture(tmp_path):
    path = make_audio(tmp_path / "song.mp4", cover=True)

    assert refusal(path) == "The file has no video."


def test_it_refuses_an_audio_only_file(tmp_path):
    assert refusal(make_audio(tmp_path / "voice.mp4")) == "The file has no video."


# Duration -------------------------------------------------------------------


def test_it_refuses_a_clip_that_is_too_short(tmp_path):
    path = make_clip(tmp_path / "short.mp4", seconds=1.0, audio=False)

    message = refusal(path, min_duration=3, max_duration=90)

    assert message == "The clip lasts 1 s; it must last between 3 s and 1 min 30 s."


def test_it_refuses_a_clip_that_is_too_long(clips):
    message = refusal(clips["mp4"], min_duration=0, max_duration=1)

    assert "The clip lasts 2 s;" in message
    assert "between 0 s and 1 s" in message


def test_it_accepts_a_clip_exactly_within_the_limits(clips):
    assert probe(clips["mp4"], min_duration=2, max_duration=2).duration == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (5, "5 s"),
        (2.5, "2.5 s"),
        (59, "59 s"),
        (60, "1 min"),
        (65, "1 min 05 s"),
        (600, "10 min"),
        (3600, "1 h"),
        (3720, "1 h 02 min"),
        (3723, "1 h 02 min 03 s"),
    ],
)
def test_it_formats_durations_for_humans(seconds, text):
    assert format_duration(seconds) == text


# Incomplete / damaged files -------------------------------------------------


def test_it_refuses_an_upload_whose_size_is_not_the_expected_one(clips):
    size = clips["mp4"].stat().st_size

    message = refusal(clips["mp4"], expected_size=size + 10)

    assert message == f"The upload is incomplete: {size} of {size + 10} bytes were received."


def test_it_refuses_a_truncated_mp4_with_its_index_at_the_end(clips, tmp_path):
    path = truncate(clips["mp4"], 0.5, target=tmp_path / "cut.mp4")

    assert refusal(path) == "The file is damaged or incomplete."


def test_it_refuses_a_truncated_mp4_with_its_index_first(clips, tmp_path):
    path = truncate(clips["faststart"], 0.5, target=tmp_path / "cut.mp4")

    assert refusal(path) == "The file is damaged or incomplete."


@pytest.mark.parametrize("fraction", [0.9, 0.99])
def test_it_refuses_an_mp4_missing_only_its_last_bytes(clips, tmp_path, fraction):
    path = truncate(clips["faststart"], fraction, target=tmp_path / "cut.mp4")

    assert refusal(path) == "The file is damaged or incomplete."


def test_it_refuses_a_truncated_mp4_even_when_its_boxes_do_not_reveal_it(clips, tmp_path):
    # An mdat box of size 0 runs "to the end of the file": only demuxing shows the gap.
    path = copy_as(clips["faststart"], tmp_path / "cut.mp4")
    _make_last_box_run_to_end_of_file(path)
    assert probe(path).duration == pytest.approx(2.0, abs=0.1)  # still fine when complete

    assert refusal(truncate(path, 0.6)) == "The file is damaged or incomplete."


@pytest.mark.parametrize("key", ["mov", "mkv", "webm", "avi"])
def test_it_refuses_other_truncated_containers(clips, tmp_path, key):
    path = truncate(clips[key], 0.5, target=tmp_path / f"cut.{key}")

    assert refusal(path) == "The file is damaged or incomplete."


def test_it_refuses_a_truncated_webm_of_unknown_length(clips, tmp_path):
    # Like browser (MediaRecorder) recordings: the Segment size is "unknown".
    path = copy_as(clips["webm"], tmp_path / "live.webm")
    _make_matroska_segment_size_unknown(path)
    assert probe(path).container == "webm"  # still fine when complete

    assert refusal(truncate(path, 0.5)) == "The file is damaged or incomplete."


# Thumbnails -----------------------------------------------------------------


def test_it_makes_a_jpeg_thumbnail_of_a_clip(clips):
    jpeg = clip_thumbnail(clips["mp4"], at_seconds=1.0, max_size=160)

    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    assert image.size == (160, 120)


@pytest.mark.parametrize("at_seconds", [0, 0.5, 1.9, 30])
def test_it_makes_a_thumbnail_at_any_moment_even_past_the_end(clips, at_seconds):
    assert clip_thumbnail(clips["webm"], at_seconds=at_seconds).startswith(b"\xff\xd8")


def test_it_shows_the_frame_asked_for_in_the_thumbnail(clips):
    early = Image.open(io.BytesIO(clip_thumbnail(clips["mp4"], at_seconds=0)))
    late = Image.open(io.BytesIO(clip_thumbnail(clips["mp4"], at_seconds=1.5)))

    # The generated clips change their background colour over time.
    assert early.getpixel((2, 2)) != late.getpixel((2, 2))


def test_it_refuses_to_make_a_thumbnail_of_a_file_without_video(tmp_path):
    with pytest.raises(ClipRejected, match="The file has no video"):
        clip_thumbnail(make_audio(tmp_path / "voice.mp4"))


# API details ----------------------------------------------------------------


def test_it_rejects_unknown_container_names_as_a_programming_error(clips):
    with pytest.raises(ValueError, match="Unknown container names: .*flv"):
        probe(clips["mp4"], accepted=("mp4", "flv"))


def test_container_names_map_to_ffmpeg_demuxers():
    assert CONTAINER_DEMUXERS["mkv"] == "matroska"
    assert set(CONTAINER_DEMUXERS) == set(ALL)


def test_a_refusal_renders_as_its_message(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")

    with pytest.raises(ClipRejected) as caught:
        probe(path)

    assert str(caught.value) == str(caught.value.message) == "The file is empty."


def test_the_clip_helpers_make_small_files(clips):
    assert all(path.stat().st_size < 120_000 for path in clips.values())


# What the probe tells about a clip ------------------------------------------


@pytest.fixture(scope="module")
def phone_clips(tmp_path_factory):
    """Clips recorded as a phone held upright does: landscape frames (red along their top) and a display
    matrix saying "turn 90° clockwise"."""
    folder = tmp_path_factory.mktemp("phone")
    return {
        suffix: make_clip(
            folder / f"upright.{suffix}", width=640, height=360, rotate=90, top_colour=RED, audio=False
        )
        for suffix in ("mp4", "mov", "mkv", "webm")
    }


@pytest.mark.parametrize("suffix", ["mp4", "mov", "mkv", "webm"])
def test_it_reads_how_a_phone_clip_must_be_turned(phone_clips, suffix):
    info = probe(phone_clips[suffix])

    assert info.rotation == 90
    assert (info.width, info.height) == (640, 360)
    assert (info.display_width, info.display_height) == (360, 640)


def test_a_clip_with_no_display_matrix_needs_no_turning(clips):
    info = probe(clips["mp4"])

    assert info.rotation == 0
    assert (info.display_width, info.display_height) == (320, 240)


def test_it_reads_the_frame_rate_and_the_bitrate(clips):
    info = probe(clips["mp4"])

    assert info.frame_rate == 25
    size_bitrate = clips["mp4"].stat().st_size * 8 / info.duration
    assert info.bitrate == pytest.approx(size_bitrate, rel=0.05)


def test_it_tells_whether_a_clip_has_audio(clips):
    assert probe(clips["mp4"]).has_audio
    assert not probe(clips["silent"]).has_audio


# Upright thumbnails ---------------------------------------------------------


def test_the_thumbnail_of_a_phone_clip_is_upright(phone_clips):
    image = Image.open(io.BytesIO(clip_thumbnail(phone_clips["mp4"], at_seconds=1.0)))

    assert image.size == (360, 640)
    # Turned 90° clockwise, as players show it: the top of the stored frames is now the right edge.
    assert _is_red(image.getpixel((image.width - 5, image.height // 2)))
    assert not _is_red(image.getpixel((5, image.height // 2)))
    assert not _is_red(image.getpixel((image.width // 2, 5)))


# Previews -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "rotation", "sample_aspect_ratio", "expected"),
    [
        ((320, 240), 0, None, (320, 240)),
        ((1280, 720), 0, None, (1280, 720)),
        ((1920, 1080), 0, None, (1280, 720)),
        ((3840, 2160), 0, None, (1280, 720)),
        ((1920, 1080), 90, None, (720, 1280)),
        ((1920, 1080), 270, None, (720, 1280)),
        ((1920, 1080), 180, None, (1280, 720)),
        ((1440, 1080), 0, None, (960, 720)),
        ((2560, 1080), 0, None, (1280, 540)),
        ((1080, 1080), 0, None, (720, 720)),
        ((1282, 722), 0, None, (1278, 720)),
        ((720, 576), 0, 16 / 15, (768, 576)),
        ((175, 99), 0, None, (176, 100)),
    ],
)
def test_the_preview_keeps_the_shape_within_720p_in_even_pixels(size, rotation, sample_aspect_ratio, expected):
    assert preview_size(*size, rotation=rotation, sample_aspect_ratio=sample_aspect_ratio) == expected


@pytest.mark.parametrize("key", ["mp4", "mov", "mkv", "webm", "avi", "3gp"])
def test_each_accepted_container_gives_a_playable_preview(clips, tmp_path, key):
    info = transcode_preview(clips[key], tmp_path / "preview.mp4")

    _assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=True)
    assert (info.width, info.height) == (320, 240)
    assert info.has_audio


def test_an_iphone_hevc_mov_gives_a_playable_preview(tmp_path):
    assert probe(DATA / "hevc.mov").video_codec == "hevc"

    transcode_preview(DATA / "hevc.mov", tmp_path / "preview.mp4")

    facts = _assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=True)
    assert (facts.width, facts.height) == (320, 240)


def _sound_packets(path):
    """(the bytes of each sound packet, the moment in seconds the sound and the picture start)."""
    with av.open(str(path)) as container:
        audio, video = container.streams.audio[0], container.streams.video[0]
        packets = [bytes(packet) for packet in container.demux(audio) if packet.size]
        return packets, float(audio.start_time * audio.time_base), float(video.start_time * video.time_base)


def test_the_quick_rendition_of_an_iphone_hevc_mov_copies_its_sound_as_it_is(tmp_path):
    source_packets, _, _ = _sound_packets(DATA / "hevc.mov")

    preview_make(DATA / "hevc.mov", tmp_path / "quick.mp4", how=QUICK)

    facts = read_video(tmp_path / "quick.mp4")
    assert (facts.video_codec, facts.pixel_format, facts.width, facts.height) == ("h264", "yuv420p", 320, 240)
    assert facts.duration == pytest.approx(2.0, abs=0.15)
    # The source's own AAC (mono, 44.1 kHz), not encoded again: every browser plays it.
    assert (facts.audio_codecs, facts.audio_rates, facts.audio_channels) == (["aac"], [44100], [1])
    packets, sound_starts, picture_starts = _sound_packets(tmp_path / "quick.mp4")
    assert packets == source_packets
    assert sound_starts == pytest.approx(picture_starts, abs=0.05)


def test_the_quick_rendition_encodes_sound_browsers_do_not_all_play(clips, tmp_path):
    assert read_video(clips["webm"]).audio_codecs == ["opus"]

    preview_make(clips["webm"], tmp_path / "quick.mp4", how=QUICK)

    _assert_playable(tmp_path / "quick.mp4", duration=2.0, audio=True)


def test_the_720p_preview_of_an_iphone_hevc_mov_encodes_its_sound_as_every_preview_has_it(tmp_path):
    preview_make(DATA / "hevc.mov", tmp_path / "preview.mp4")

    _assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=True)
    assert _sound_packets(tmp_path / "preview.mp4")[0] != _sound_packets(DATA / "hevc.mov")[0]


def test_a_1080p_clip_gives_a_720p_preview(tmp_path):
    source = make_clip(tmp_path / "hd.mp4", seconds=1.0, width=1920, height=1080, audio=False)

    transcode_preview(source, tmp_path / "preview.mp4")

    facts = _assert_playable(tmp_path / "preview.mp4", duration=1.0, audio=False)
    assert (facts.width, facts.height) == (1280, 720)


def test_the_preview_of_a_phone_clip_is_upright_and_says_no_rotation(phone_clips, tmp_path):
    transcode_preview(phone_clips["mp4"], tmp_path / "preview.mp4")

    facts = _assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=False)
    assert (facts.width, facts.height) == (360, 640)
    assert facts.rotations == {0}
    image = facts.first_frame
    assert _is_red(image.getpixel((image.width - 5, image.height // 2)))
    assert not _is_red(image.getpixel((5, image.height // 2)))


def test_a_clip_over_30_frames_a_second_is_previewed_at_30(tmp_path):
    source = make_clip(tmp_path / "sixty.mp4", seconds=1.0, fps=60, audio=False)

    transcode_preview(source, tmp_path / "preview.mp4")

    facts = _assert_playable(tmp_path / "preview.mp4", duration=1.0, audio=False)
    assert facts.frame_rate == pytest.approx(30, abs=0.5)
    assert facts.frames_decoded == pytest.approx(30, abs=1)


def test_the_preview_encoder_picks_its_own_frame_types(clips, tmp_path):
    # The test clips have no B-frames; passing the decoder's picture types on would forbid them in the
    # preview too, and make it several times larger.
    assert "B" not in _picture_types(clips["mp4"])

    transcode_preview(clips["mp4"], tmp_path / "preview.mp4")

    assert "B" in _picture_types(tmp_path / "preview.mp4")


def test_a_clip_without_audio_gives_a_preview_without_audio(clips, tmp_path):
    info = transcode_preview(clips["silent"], tmp_path / "preview.mp4")

    _assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=False)
    assert not info.has_audio


# Phone clips of every kind --------------------------------------------------
#
# Each is recorded as a phone held upright (landscape frames, red along their top, turned by a display matrix),
# so each preview is checked for being upright as well as playable.


def _phone_clip(make, path, **options):
    return make(path, width=320, height=180, rotate=90, top_colour=RED, **options)


def test_a_variable_frame_rate_clip_gives_a_playable_upright_preview(tmp_path):
    # Frames 20 to 50 ms apart in a 1/90000 time base: on the grid of the average rate (29 fps), some of
    # those timestamps would collide.
    source = _phone_clip(make_vfr_clip, tmp_path / "vfr.mp4", seconds=3.0)
    assert probe(source).frame_rate == 29

    info = transcode_preview(source, tmp_path / "preview.mp4")

    facts = _assert_playable(tmp_path / "preview.mp4", duration=3.0, audio=True)
    _assert_upright(facts)
    assert facts.frames_decoded == 87  # every frame of the source, none dropped or repeated
    assert info.has_audio


def test_a_clip_with_dropped_frames_gives_a_playable_upright_preview(tmp_path):
    # As an iPhone writes one: a 600 timescale, 30 fps capture with gaps, 14 frames a second on average.
    source = _phone_clip(make_dropped_frame_clip, tmp_path / "dropped.mp4", seconds=3.0)
    assert probe(source).frame_rate == 14

    transcode_preview(source, tmp_path / "preview.mp4")

    facts = _assert_playable(tmp_path / "preview.mp4", duration=3.0, audio=True)
    _assert_upright(facts)
    assert facts.frames_decoded == 42


def test_a_variable_frame_rate_clip_over_30_frames_a_second_is_previewed_at_30(tmp_path):
    source = make_clip(
        tmp_path / "fast.mp4",
        seconds=2.0,
        width=160,
        height=120,
        fps=60,
        time_base=Fraction(1, 90000),
        # 48 frames a second on average, unevenly: 1.3, 1.3 then 0.4 frame times apart.
        frame_pts=[round(90000 * (index + 0.3 * (index % 3)) / 48) for index in range(96)],
    )

    transcode_preview(source, tmp_path / "preview.mp4")

    facts = _assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=True)
    assert facts.frame_rate == pytest.approx(30, abs=0.5)


@pytest.mark.skipif(not encoder_available("libx265"), reason="PyAV's FFmpeg has no libx265 to make a 10-bit clip")
def test_a_10_bit_hevc_clip_gives_a_playable_upright_preview(tmp_path):
    source = _phone_clip(make_clip, tmp_path / "hdr.mov", codec="libx265", pix_fmt="yuv420p10le")
    assert (read_video(source).video_codec, read_video(source).pixel_format) == ("hevc", "yuv420p10le")

    transcode_preview(source, tmp_path / "preview.mp4")

    _assert_upright(_assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=True))


def test_a_clip_with_cover_art_first_gives_a_playable_upright_preview_of_its_video(tmp_path):
    source = _phone_clip(make_clip, tmp_path / "cover.mp4", cover_art=True)
    with av.open(str(source)) as container:
        first = container.streams[0]
        assert (first.codec_context.name, bool(first.disposition & av.stream.Disposition.attached_pic)) == (
            "mjpeg",
            True,
        )

    transcode_preview(source, tmp_path / "preview.mp4")

    facts = _assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=True)
    _assert_upright(facts)
    assert facts.frames_decoded == 50


def test_a_clip_with_two_sound_tracks_gives_a_playable_upright_preview_with_one(tmp_path):
    source = _phone_clip(make_clip, tmp_path / "two-tracks.mp4", audio_streams=2)
    assert read_video(source).audio_codecs == ["aac", "aac"]

    transcode_preview(source, tmp_path / "preview.mp4")

    _assert_upright(_assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=True))


@pytest.mark.parametrize(("kind", "frames"), [("audio", 50), ("video", 45)])
def test_a_clip_whose_timestamps_repeat_gives_a_playable_preview(clips, tmp_path, kind, frames):
    # Every tenth packet dated as the one before it. Repeated sound follows the sound before it; of two
    # pictures at one instant, the first is shown.
    source = repeat_timestamps(clips["mkv"], tmp_path / "glitch.mkv", kind=kind)

    transcode_preview(source, tmp_path / "preview.mp4")

    facts = _assert_playable(tmp_path / "preview.mp4", duration=2.0, audio=True)
    assert facts.frames_decoded == frames


def test_a_preview_of_a_source_that_breaks_off_is_refused_as_damaged(tmp_path):
    # The index promises 5 s; the data stops after about half of them.
    source = make_clip(tmp_path / "clip.mp4", seconds=5.0, width=160, height=120, faststart=True)
    cut = truncate(source, 0.5)

    with pytest.raises(ClipRejected) as caught:
        transcode_preview(cut, tmp_path / "preview.mp4")

    assert str(caught.value) == "The file is damaged or incomplete."


def test_a_preview_of_random_bytes_is_refused_as_damaged(tmp_path):
    path = tmp_path / "noise.mp4"
    path.write_bytes(random.Random(7).randbytes(30_000))

    with pytest.raises(ClipRejected, match="The file is damaged or incomplete"):
        transcode_preview(path, tmp_path / "preview.mp4")


# Helpers that damage files in ways a plain truncation does not --------------


def _make_last_box_run_to_end_of_file(path: Path) -> None:
    data = bytearray(path.read_bytes())
    offset = last = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        assert size >= 8, "unexpected 64-bit or open-ended box in a test clip"
        last = offset
        offset += size
    assert data[last + 4 : last + 8] == b"mdat"
    data[last : last + 4] = (0).to_bytes(4, "big")
    path.write_bytes(bytes(data))


def _make_matroska_segment_size_unknown(path: Path) -> None:
    data = bytearray(path.read_bytes())
    segment = data.find(b"\x18\x53\x80\x67")
    assert segment > 0 and data[segment + 4] == 0x01, "expected an 8-byte Segment size"
    data[segment + 4 : segment + 12] = b"\x01" + b"\xff" * 7
    path.write_bytes(bytes(data))


def _is_red(pixel) -> bool:
    red, green, blue = pixel[:3]
    return red > 200 and green < 60 and blue < 60


def _assert_playable(path: Path, *, duration: float, audio: bool):
    """What every browser needs: MP4 with its index first, H.264 in yuv420p at most 720p, AAC stereo 48 kHz
    when there is sound, the source's length, and every frame decodable."""
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes
    facts = read_video(path)
    assert "mp4" in facts.format_names
    assert (facts.video_codec, facts.pixel_format) == ("h264", "yuv420p")
    assert min(facts.width, facts.height) <= 720 and max(facts.width, facts.height) <= 1280
    assert facts.width % 2 == 0 and facts.height % 2 == 0
    assert facts.duration == pytest.approx(duration, abs=0.15)
    assert facts.frames_decoded == facts.frames_declared > 0
    # What the muxer demands, and players need to show each frame once, in order.
    # (Strictly increasing: the same list as its distinct values in order.)
    assert facts.packet_dts == sorted(set(facts.packet_dts))
    assert facts.frame_pts == sorted(set(facts.frame_pts))
    if audio:
        assert (facts.audio_codecs, facts.audio_rates, facts.audio_channels) == (["aac"], [48000], [2])
    else:
        assert facts.audio_codecs == []
    return facts


def _assert_upright(facts):
    """A phone clip's preview, held as it was recorded: portrait, and the red top of the stored frames, turned
    90° clockwise, along the right edge; no display matrix left to turn it again."""
    image = facts.first_frame
    assert image.height > image.width
    assert facts.rotations == {0}
    assert _is_red(image.getpixel((image.width - 5, image.height // 2)))
    assert not _is_red(image.getpixel((5, image.height // 2)))
    assert not _is_red(image.getpixel((image.width // 2, 5)))


def _picture_types(path: Path) -> set[str]:
    import av
    from av.video.frame import PictureType

    with av.open(str(path)) as container:
        return {PictureType(frame.pict_type).name for frame in container.decode(video=0)}


# Remuxing what browsers play as it is -----------------------------------------


@pytest.mark.parametrize(
    ("name", "options", "plays"),
    [
        ("phone.mp4", {"rotate": 90}, True),
        ("camera.mov", {}, True),
        ("silent.mp4", {"audio": False}, True),
        ("full-hd.mp4", {"width": 1920, "height": 1080}, True),
        ("upright-full-hd.mp4", {"width": 1080, "height": 1920}, True),
        ("qhd.mp4", {"width": 2560, "height": 1440}, False),
        ("chroma.mp4", {"pix_fmt": "yuv444p"}, False),
        ("matroska.mkv", {}, False),
        ("webm.webm", {}, False),
        ("old.avi", {}, False),
    ],
)
def test_only_h264_aac_up_to_1080p_in_mp4_or_mov_is_remuxed(tmp_path, name, options, plays):
    source = make_clip(tmp_path / name, seconds=1.0, **({"width": 320, "height": 240} | options))
    assert browser_plays(source) is plays
    assert first_rendition(source) == (REMUX if plays else QUICK)


def test_an_iphone_hevc_mov_is_transcoded():
    assert browser_plays(DATA / "hevc.mov") is False


def test_a_file_that_is_not_a_video_is_not_remuxed(tmp_path):
    assert browser_plays(make_jpeg(tmp_path / "clip.mp4")) is False


def test_a_remux_keeps_the_streams_and_the_rotation_with_the_index_first(tmp_path):
    source = make_clip(tmp_path / "phone.mp4", seconds=2.0, width=640, height=360, rotate=90)

    info = remux_preview(source, tmp_path / "preview.mp4")

    boxes = top_level_boxes(tmp_path / "preview.mp4")
    assert boxes.index("moov") < boxes.index("mdat")
    facts, original = read_video(tmp_path / "preview.mp4"), read_video(source)
    assert (facts.video_codec, facts.width, facts.height, facts.rotations) == ("h264", 640, 360, {-90})
    assert facts.frames_decoded == original.frames_decoded
    assert facts.audio_codecs == ["aac"]
    assert (info.width, info.height, info.has_audio) == (360, 640, True)  # upright, as shown
    assert info.duration == pytest.approx(2.0, abs=0.1)


def test_a_remux_of_a_clip_that_breaks_off_is_refused_as_damaged(tmp_path):
    source = make_clip(tmp_path / "clip.mp4", seconds=5.0, width=160, height=120, faststart=True)
    broken = truncate(source, 0.5, target=tmp_path / "broken.mp4")

    with pytest.raises(ClipRejected, match="damaged"):
        remux_preview(broken, tmp_path / "preview.mp4")
