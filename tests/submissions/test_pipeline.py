"""The media work on a received clip: thumbnail, technical flags, preview, and the state the entrant sees.

Tasks run in-process here (tests/conftest.py); `receive(path)` submits a clip through submission_create and runs
the tasks it queues, or leaves them queued with `run_media=False`."""

import fcntl
import functools
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from celery.worker.request import Request
from django.urls import reverse
from django.utils import translation
from PIL import Image

from contest_portal.celery import app as celery_app
from submissions.media.pipeline import (
    MEDIA_ERRORS,
    TECHNICAL_FLAGS,
    preview_time_limits,
    submission_media_prepare,
    submission_preview_improve,
    submission_preview_make,
    technical_flag_labels,
    technical_flags,
)
from submissions.media.probe import ClipInfo
from submissions.models import Submission
from submissions.tasks import submission_preview_improve_task, submission_preview_task
from tests.clips import (
    make_clip,
    make_dropped_frame_clip,
    make_vfr_clip,
    read_video,
    top_level_boxes,
    truncate,
)
from tests.conftest import ALICE_ID, BOB_ID, as_upload

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
RED = (255, 0, 0)
PROCESSING, READY, FAILED = Submission.MediaState.values


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pipeline-clips")
    return {
        "phone": make_clip(folder / "phone.mp4", width=640, height=360, rotate=90, top_colour=RED),
        "silent": make_clip(folder / "silent.mp4", audio=False),
        # Long enough for a transcode to be caught halfway.
        "long": make_clip(folder / "long.mp4", seconds=12.0, width=640, height=360),
    }


@pytest.fixture
def receive(register, alice, submit, django_capture_on_commit_callbacks):
    registration = None

    def _receive(path, *, run_media=True):
        nonlocal registration
        registration = registration or register(alice, "Lò Thị Alice", ALICE_ID)
        with django_capture_on_commit_callbacks(execute=run_media):
            submission = submit(registration, clip=as_upload(path, f"clip{path.suffix}"))
        submission.refresh_from_db()
        return submission

    return _receive


@pytest.fixture
def media_root(settings):
    return Path(settings.MEDIA_ROOT)


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def is_red(pixel) -> bool:
    red, green, blue = pixel[:3]
    return red > 200 and green < 60 and blue < 60


def prepare_only(submission, django_capture_on_commit_callbacks):
    """The first step alone: the preview task it queues is left unsent."""
    with django_capture_on_commit_callbacks(execute=False):
        submission_media_prepare(submission_id=submission.pk)


class TestAReceivedClip:
    def test_it_is_processing_until_its_media_work_has_run(self, receive, clip_path):
        submission = receive(clip_path, run_media=False)

        assert submission.media_state == PROCESSING
        assert not submission.thumbnail and not submission.preview

    def test_its_metadata_is_stored_when_it_is_received(self, receive, clips):
        submission = receive(clips["phone"], run_media=False)

        assert (submission.width, submission.height, submission.rotation) == (640, 360, 90)
        assert submission.frame_rate == 25
        assert submission.bitrate == pytest.approx(submission.size * 8 / submission.duration, rel=0.05)
        assert (submission.video_codec, submission.audio_codec, submission.has_audio) == ("h264", "aac", True)

    def test_it_gets_a_thumbnail_a_preview_and_its_flags_then_is_ready(self, receive, clip_path, media_root):
        submission = receive(clip_path)

        assert submission.media_state == READY
        assert submission.media_error == ""
        assert submission.thumbnail.read(3) == b"\xff\xd8\xff"
        assert top_level_boxes(submission.preview.path)[:2] == ["ftyp", "moov"]
        assert read_video(submission.preview.path).video_codec == "h264"
        # 320x240 is below the resolution screeners expect.
        assert submission.technical_flags == ["low_resolution"]
        assert files_under(media_root / "previews") == [Path(submission.preview.path)]


class TestAPhoneClipRecordedUpright:
    def test_its_thumbnail_is_upright(self, receive, clips):
        submission = receive(clips["phone"])

        image = Image.open(submission.thumbnail.path)
        assert image.height > image.width
        # Turned 90° clockwise, as players show it: the top of the stored frames is now the right edge.
        assert is_red(image.getpixel((image.width - 5, image.height // 2)))
        assert not is_red(image.getpixel((5, image.height // 2)))

    def test_its_preview_is_its_own_streams_with_its_rotation_in_a_faststart_mp4(self, receive, clips):
        # H.264 and AAC in an MP4, as phones record: browsers play it as it is, so nothing is transcoded.
        submission = receive(clips["phone"])

        assert submission.preview.name.endswith(f"/{submission.pk}.mp4")
        assert _video_packets(submission.preview.path) == _video_packets(clips["phone"])
        facts = read_video(submission.preview.path)
        assert (facts.width, facts.height, facts.audio_codecs) == (640, 360, ["aac"])
        assert facts.rotations == {-90}  # the display matrix browsers turn it by, as the source's
        assert top_level_boxes(submission.preview.path).index("moov") < top_level_boxes(
            submission.preview.path
        ).index("mdat")

    def test_it_is_flagged_portrait(self, receive, clips):
        assert "portrait" in receive(clips["phone"]).technical_flags


def _video_packets(path):
    import av

    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(container.streams.video[0]) if packet.size]


class TestAPhoneClipOfIrregularFrames:
    @pytest.mark.parametrize("make", [make_vfr_clip, make_dropped_frame_clip], ids=["vfr", "dropped-frames"])
    def test_it_is_ready_with_its_frames_as_they_came(self, receive, tmp_path, make):
        source = make(tmp_path / "phone.mp4", seconds=3.0, width=320, height=180, rotate=90, top_colour=RED)

        submission = receive(source)

        assert (submission.media_state, submission.media_error) == (READY, "")
        facts = read_video(submission.preview.path)
        assert (facts.width, facts.height, facts.audio_codecs, facts.rotations) == (320, 180, ["aac"], {-90})
        assert facts.duration == pytest.approx(3.0, abs=0.15)
        # The same instants (the MP4 muxer counts them in a finer time base).
        source_pts = read_video(source).frame_pts
        scale = facts.frame_pts[1] / source_pts[1]
        assert facts.frame_pts == [round(pts * scale) for pts in source_pts]


class TestAClipBrowsersDoNotPlay:
    """A clip that must be transcoded (H.264 in Matroska here; an iPhone's HEVC MOV likewise): a quick 480p
    rendition first, then the 720p one at the lowest priority."""

    def test_it_gets_the_quick_rendition_then_the_720p_one(
        self, receive, tmp_path, django_capture_on_commit_callbacks, monkeypatch
    ):
        source = make_clip(tmp_path / "iphone.mkv", seconds=2.0, width=1280, height=720)
        sent = []
        original = submission_preview_improve_task.apply_async
        monkeypatch.setattr(
            submission_preview_improve_task,
            "apply_async",
            lambda *args, **options: sent.append(options) or original(*args, **options),
        )
        submission = receive(source, run_media=False)
        prepare_only(submission, django_capture_on_commit_callbacks)

        with django_capture_on_commit_callbacks(execute=False) as queued:
            submission_preview_make(submission_id=submission.pk)
        submission.refresh_from_db()
        assert submission.media_state == READY
        assert submission.preview.name.endswith(f"/{submission.pk}.quick.mp4")
        quick = read_video(submission.preview.path)
        assert (quick.width, quick.height, quick.video_codec) == (854, 480, "h264")
        quick_path = Path(submission.preview.path)

        for callback in queued:
            callback()  # the 720p, queued with the quick one's commit
        assert sent and sent[0]["priority"] == 9
        submission.refresh_from_db()
        assert submission.preview.name.endswith(f"/{submission.pk}.mp4")
        full = read_video(submission.preview.path)
        assert (full.width, full.height, full.video_codec) == (1280, 720, "h264")
        assert quick_path.exists()  # a screener may be watching it

    def test_a_failing_720p_leaves_the_quick_rendition_playing(
        self, receive, tmp_path, django_capture_on_commit_callbacks, monkeypatch, caplog
    ):
        source = make_clip(tmp_path / "iphone.mkv", seconds=2.0, width=640, height=360)
        submission = receive(source, run_media=False)
        prepare_only(submission, django_capture_on_commit_callbacks)
        submission_preview_make(submission_id=submission.pk)
        submission.refresh_from_db()
        quick = submission.preview.name

        def broken(source, target, **options):
            raise RuntimeError("encoder exploded")

        monkeypatch.setattr("submissions.media.preview.transcode_preview", broken)
        with caplog.at_level(logging.WARNING, logger="submissions.media.pipeline"):
            submission_preview_improve(submission_id=submission.pk)

        submission.refresh_from_db()
        assert (submission.media_state, submission.preview.name) == (READY, quick)
        assert "the 720p preview could not be made; the quick one stays" in caplog.text


class TestAClipWithoutSound:
    def test_it_gets_a_silent_preview_and_the_no_audio_flag(self, receive, clips):
        submission = receive(clips["silent"])

        assert submission.media_state == READY
        assert read_video(submission.preview.path).audio_codecs == []
        assert "no_audio" in submission.technical_flags


@pytest.mark.usefixtures("english")
class TestFailures:
    def test_a_clip_that_breaks_off_midway_fails_with_why_and_leaves_no_file(
        self, receive, tmp_path, media_root, english
    ):
        # The probe at upload saw a whole file; what is stored now stops halfway (a disk fault, say).
        source = make_clip(tmp_path / "clip.mp4", seconds=5.0, width=160, height=120, faststart=True)
        submission = receive(source, run_media=False)
        truncate(source, 0.5, target=submission.clip.path)

        submission_media_prepare(submission_id=submission.pk)
        submission_preview_make(submission_id=submission.pk)

        submission.refresh_from_db()
        assert submission.media_state == FAILED
        assert submission.media_error.startswith("We could not read the whole clip: the file seems damaged.")
        assert not submission.preview
        assert files_under(media_root / "previews") == []

    def test_an_error_while_encoding_fails_the_clip_and_removes_the_partial_file(
        self, receive, clip_path, media_root, monkeypatch, caplog, django_capture_on_commit_callbacks
    ):
        submission = receive(clip_path, run_media=False)
        prepare_only(submission, django_capture_on_commit_callbacks)

        def broken_encoder(source, target, **options):
            Path(target).write_bytes(b"\x00" * 1000)
            raise RuntimeError("encoder exploded")

        monkeypatch.setattr("submissions.media.preview.preview_make", broken_encoder)
        with caplog.at_level(logging.WARNING, logger="submissions.media.pipeline"):
            submission_preview_make(submission_id=submission.pk)

        submission.refresh_from_db()
        assert (submission.media_state, submission.media_error) == (FAILED, str(MEDIA_ERRORS["internal"]))
        assert files_under(media_root / "previews") == []
        assert "encoder exploded" in caplog.text and f"submission {submission.pk}" in caplog.text
        # The log names the clip by its id only.
        assert submission.original_filename not in caplog.text and submission.title not in caplog.text

    def test_a_transcode_stopped_at_the_time_limit_fails_the_clip_and_removes_the_partial_file(
        self, receive, clip_path, media_root, monkeypatch, django_capture_on_commit_callbacks
    ):
        submission = receive(clip_path, run_media=False)
        prepare_only(submission, django_capture_on_commit_callbacks)

        def interrupted(source, target, **options):
            Path(target).write_bytes(b"\x00" * 1000)
            raise SoftTimeLimitExceeded()

        monkeypatch.setattr("submissions.media.preview.preview_make", interrupted)
        submission_preview_make(submission_id=submission.pk)

        submission.refresh_from_db()
        assert (submission.media_state, submission.media_error) == (FAILED, str(MEDIA_ERRORS["too_slow"]))
        assert files_under(media_root / "previews") == []

    def test_a_failed_clip_is_left_alone_when_the_tasks_run_again(
        self, receive, clip_path, media_root, django_capture_on_commit_callbacks
    ):
        submission = receive(clip_path, run_media=False)
        Submission.objects.filter(pk=submission.pk).update(media_state=FAILED, media_error="x")

        with django_capture_on_commit_callbacks(execute=True):
            submission_media_prepare(submission_id=submission.pk)

        submission.refresh_from_db()
        assert (submission.media_state, submission.media_error) == (FAILED, "x")
        assert files_under(media_root / "thumbnails") == files_under(media_root / "previews") == []


@pytest.fixture
def media_queue(monkeypatch):
    """The `media` queue, read as a worker reads it. Tasks are sent instead of run in-process, and through a
    broker in memory whatever CELERY_BROKER_URL says, so that no worker takes them first."""
    with celery_app.connection_for_write("memory://") as memory:
        monkeypatch.setattr(celery_app, "send_task", functools.partial(celery_app.send_task, connection=memory))
        celery_app.conf.task_always_eager = False  # set back by tests/conftest.py
        queue = memory.SimpleQueue("media")
        queue.clear()
        yield queue
        queue.clear()
        queue.close()


class _RecordingPool:
    """Stands for the worker's prefork pool, which stops the task at `soft_timeout` and kills it at `timeout`."""

    def apply_async(self, target, **options):
        self.soft_timeout, self.timeout = options["soft_timeout"], options["timeout"]


class TestPreviewTimeLimits:
    @pytest.fixture(autouse=True)
    def _limits(self, settings):
        settings.MEDIA_PREVIEW_SOFT_TIME_LIMIT = 600
        settings.MEDIA_PREVIEW_TIME_LIMIT = 660
        settings.MEDIA_PREVIEW_TIME_LIMIT_PER_CLIP_SECOND = 3

    @pytest.mark.parametrize(
        ("duration", "limits"),
        [(0, (600, 660)), (2.0, (606, 666)), (12.5, (638, 698)), (900, (3300, 3360))],
    )
    def test_they_grow_with_the_clip_s_length(self, duration, limits):
        assert preview_time_limits(duration) == limits

    def sent_preview(self, receive, path, media_queue, django_capture_on_commit_callbacks):
        submission = receive(path, run_media=False)
        with django_capture_on_commit_callbacks(execute=True):
            submission_media_prepare(submission_id=submission.pk)
        message = media_queue.get(timeout=5)
        assert (message.headers["task"], message.headers["argsrepr"]) == (
            submission_preview_task.name,
            f"({submission.pk},)",
        )
        return message

    def test_a_long_clip_s_preview_is_sent_with_longer_limits_than_a_short_one_s(
        self, receive, clip_path, clips, media_queue, django_capture_on_commit_callbacks
    ):
        short = self.sent_preview(receive, clip_path, media_queue, django_capture_on_commit_callbacks)
        long = self.sent_preview(receive, clips["long"], media_queue, django_capture_on_commit_callbacks)

        # Celery's header: [hard, soft]. The clips last 2 and 12 seconds.
        assert short.headers["timelimit"] == [666, 606]
        assert long.headers["timelimit"] == [696, 636]

    def test_the_worker_holds_the_task_to_its_clip_s_limits_not_to_the_task_s_own(
        self, receive, clips, media_queue, django_capture_on_commit_callbacks
    ):
        message = self.sent_preview(receive, clips["long"], media_queue, django_capture_on_commit_callbacks)
        pool = _RecordingPool()

        Request(message, app=celery_app, task=submission_preview_task).execute_using_pool(pool)

        assert (pool.soft_timeout, pool.timeout) == (636, 696)
        # What a message without limits would get: the fixed 30 and 35 minutes this replaces.
        assert (submission_preview_task.soft_time_limit, submission_preview_task.time_limit) == (1800, 2100)


class TestRunningAgain:
    def test_a_run_killed_midway_leaves_a_partial_file_that_the_next_run_replaces(
        self, receive, clips, media_root, django_capture_on_commit_callbacks
    ):
        submission = receive(clips["long"], run_media=False)
        prepare_only(submission, django_capture_on_commit_callbacks)
        partial = media_root / "previews" / "tmp" / f"{submission.pk}.partial.mp4"
        final = media_root / "previews" / submission.contest.slug / f"{submission.pk}.mp4"
        partial.parent.mkdir(parents=True)
        final.parent.mkdir(parents=True)

        # The same file work as the task, in a process killed as a worker is (SIGKILL, no clean-up).
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from submissions.media.preview import preview_write; "
                "preview_write(source=sys.argv[1], partial=sys.argv[2], final=sys.argv[3])",
                submission.clip.path,
                str(partial),
                str(final),
            ],
            cwd=BASE_DIR,
        )
        deadline = time.monotonic() + 60
        while not (partial.exists() and partial.stat().st_size >= 64 * 1024):
            assert worker.poll() is None, "the transcode ended before it could be killed"
            assert time.monotonic() < deadline, "the transcode wrote nothing"
            time.sleep(0.005)
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait() == -signal.SIGKILL
        assert partial.exists() and not final.exists()

        submission_preview_make(submission_id=submission.pk)

        submission.refresh_from_db()
        assert submission.media_state == READY
        assert Path(submission.preview.path) == final
        assert not partial.exists()
        assert files_under(media_root / "previews") == [final]
        facts = read_video(final)
        assert facts.frames_decoded == facts.frames_declared == 300

    def test_running_the_tasks_twice_keeps_one_unchanged_preview(
        self, receive, clip_path, media_root, django_capture_on_commit_callbacks
    ):
        submission = receive(clip_path)
        preview = Path(submission.preview.path)
        before = (preview.read_bytes(), preview.stat().st_mtime_ns, submission.thumbnail.name)

        with django_capture_on_commit_callbacks(execute=True):
            submission_media_prepare(submission_id=submission.pk)
        submission_preview_make(submission_id=submission.pk)

        submission.refresh_from_db()
        assert submission.media_state == READY
        assert (preview.read_bytes(), preview.stat().st_mtime_ns, submission.thumbnail.name) == before
        assert files_under(media_root / "previews") == [preview]
        assert len(files_under(media_root / "thumbnails")) == 1

    def test_a_run_finding_the_clip_held_by_another_run_leaves_the_work_to_it(
        self, receive, clip_path, media_root, django_capture_on_commit_callbacks
    ):
        submission = receive(clip_path, run_media=False)
        prepare_only(submission, django_capture_on_commit_callbacks)

        with open(submission.clip.path, "rb") as other_run:
            fcntl.flock(other_run, fcntl.LOCK_EX)
            submission_preview_make(submission_id=submission.pk)
            submission.refresh_from_db()
            assert submission.media_state == PROCESSING
            assert files_under(media_root / "previews") == []

        submission_preview_make(submission_id=submission.pk)
        submission.refresh_from_db()
        assert submission.media_state == READY

    def test_a_clip_withdrawn_before_its_preview_gets_none(
        self, receive, clip_path, alice, media_root, django_capture_on_commit_callbacks
    ):
        from submissions.services import submission_withdraw

        submission = receive(clip_path, run_media=False)
        prepare_only(submission, django_capture_on_commit_callbacks)
        submission_withdraw(submission=submission, user=alice)

        submission_preview_make(submission_id=submission.pk)

        assert files_under(media_root / "previews") == []


class TestTechnicalFlags:
    @pytest.fixture
    def contest(self):
        return SimpleNamespace(min_duration=30, max_duration=600)

    def clip(self, **changes):
        facts = dict(
            container="mp4",
            duration=120.0,
            width=1920,
            height=1080,
            video_codec="h264",
            audio_codec="aac",
            size=100_000_000,
            rotation=0,
            frame_rate=30.0,
            bitrate=6_000_000,
        )
        facts.update(changes)
        return ClipInfo(**facts)

    def test_a_good_clip_has_none(self, contest):
        assert technical_flags(self.clip(), contest) == []

    @pytest.mark.parametrize(
        ("changes", "flags"),
        [
            ({"duration": 29.5}, ["too_short"]),
            ({"duration": 600.5}, ["too_long"]),
            ({"audio_codec": ""}, ["no_audio"]),
            ({"width": 640, "height": 360, "bitrate": 800_000}, ["low_resolution"]),
            ({"width": 854, "height": 480, "bitrate": 800_000}, []),
            ({"rotation": 90}, ["portrait"]),
            ({"width": 1080, "height": 1920}, ["portrait"]),
            ({"rotation": 180}, []),
            ({"bitrate": 400_000}, ["low_bitrate"]),
            ({"width": 320, "height": 240, "bitrate": 100_000}, ["low_resolution"]),
            ({"frame_rate": 15.0}, ["low_frame_rate"]),
            ({"frame_rate": None, "bitrate": None}, []),
            (
                {"duration": 10, "audio_codec": "", "rotation": 90, "width": 640, "height": 360, "frame_rate": 12},
                ["too_short", "no_audio", "low_resolution", "portrait", "low_frame_rate"],
            ),
        ],
    )
    def test_each_check_raises_its_flag(self, contest, changes, flags):
        assert technical_flags(self.clip(**changes), contest) == flags

    def test_it_reads_the_contest_limits_as_they_are_now(self, contest):
        contest.max_duration = 60

        assert technical_flags(self.clip(duration=120.0), contest) == ["too_long"]

    def test_its_thresholds_are_settings(self, contest, settings):
        settings.MEDIA_TECHNICAL_CHECKS = {"min_short_side": 1200, "min_bitrate": 8_000_000, "min_frame_rate": 50}

        assert technical_flags(self.clip(), contest) == ["low_resolution", "low_frame_rate"]

    def test_each_flag_has_a_label_in_the_reader_s_language(self):
        with translation.override("en"):
            labels = [str(label) for label in technical_flag_labels(["portrait", "no_audio", "unknown"])]

        assert labels == ["portrait (vertical) picture", "no sound", "unknown"]
        assert set(TECHNICAL_FLAGS) == {
            "too_short",
            "too_long",
            "no_audio",
            "low_resolution",
            "portrait",
            "low_bitrate",
            "low_frame_rate",
        }

    def test_templates_show_the_labels_through_a_filter(self):
        from django.template import Context, Template

        template = Template(
            "{% load clip_media %}{% for label in flags|technical_flag_labels %}[{{ label }}]{% endfor %}"
        )
        with translation.override("en"):
            assert (
                template.render(Context({"flags": ["no_audio", "low_frame_rate"]})) == "[no sound][low frame rate]"
            )


class TestMyClips:
    def page(self, client, alice):
        client.force_login(alice)
        return client.get(
            reverse("submissions:my_clips", args=["test-contest"]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()

    def test_the_entrant_sees_a_clip_processing(self, client, alice, receive, clip_path):
        submission = receive(clip_path, run_media=False)

        html = self.page(client, alice)

        assert 'data-media-state="processing"' in html
        assert "Video: processing" in html
        assert reverse("submissions:thumbnail", args=[submission.code]) not in html

    def test_the_entrant_sees_a_ready_clip_with_its_thumbnail(self, client, alice, receive, clip_path):
        submission = receive(clip_path)

        html = self.page(client, alice)

        assert "Video: ready" in html
        assert reverse("submissions:thumbnail", args=[submission.code]) in html

    def test_the_entrant_sees_a_failed_clip_and_why(self, client, alice, receive, clip_path):
        submission = receive(clip_path, run_media=False)
        with translation.override(None):
            Submission.objects.filter(pk=submission.pk).update(
                media_state=FAILED, media_error=str(MEDIA_ERRORS["damaged"])
            )

        html = self.page(client, alice)

        assert "Video: failed" in html
        assert "We could not read the whole clip: the file seems damaged." in html

    def test_a_withdrawn_clip_shows_no_media_state(self, client, alice, receive, clip_path):
        from submissions.services import submission_withdraw

        submission_withdraw(submission=receive(clip_path, run_media=False), user=alice)

        assert "data-media-state" not in self.page(client, alice)


class TestAdmin:
    def test_screeners_see_the_media_facts_and_flags_read_only(self, client, receive, clips, english):
        from django.contrib.auth import get_user_model

        submission = receive(clips["silent"])
        staff = get_user_model().objects.create_superuser(email="screener@example.com", password="x" * 20)
        client.force_login(staff)

        response = client.get(
            reverse("admin:submissions_submission_change", args=[submission.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "no sound" in html and "low resolution" in html
        assert 'name="technical_flags"' not in html and 'name="media_state"' not in html


def test_resume_work_queues_the_media_of_clips_a_lost_worker_left_processing(
    db, contest, alice, bob, register, submit, capsys, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    left = submit(register(alice, "Lò Thị Alice", ALICE_ID))  # its task was never run (the worker was lost)
    done = submit(register(bob, "Cầm Văn Bob", BOB_ID))
    Submission.objects.filter(pk=done.pk).update(media_state=Submission.MediaState.FAILED, media_error="x")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("resume_work")  # tasks run in-process here

    assert "1 clip(s) queued for media work, 0 upload check(s) queued." in capsys.readouterr().out
    left.refresh_from_db()
    assert (left.media_state, bool(left.thumbnail), bool(left.preview)) == (
        Submission.MediaState.READY,
        True,
        True,
    )
    assert Submission.objects.get(pk=done.pk).media_state == Submission.MediaState.FAILED
