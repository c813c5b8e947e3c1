"""A large clip goes by resumable upload: cut by a network drop or a reload, it goes on from where it stopped.

The chunks are made small (64 KiB) and each PATCH waits a moment on the server, so that a clip of a few
hundred KB, sent to a local server, takes a few seconds: long enough to cut it midway."""

import hashlib
import re
import time

import pytest
from playwright.sync_api import expect

from submissions import tus
from submissions.models import Submission, SubmissionDocument, Upload
from submissions.tasks import upload_check_task
from tests.clips import make_clip, make_pdf

from .conftest import log_in

pytestmark = pytest.mark.browser

CHUNK = 64 * 1024
MIDWAY = """() => {
  const percent = Number(document.querySelector('#upload-progress .progress').getAttribute('aria-valuenow'));
  return percent > 0 && percent < 100;
}"""


@pytest.fixture
def big_clip(tmp_path_factory):
    """A real clip of about 430 KB: seven chunks."""
    return make_clip(tmp_path_factory.mktemp("big") / "chợ phiên.mp4", seconds=8, width=640, height=480)


@pytest.fixture
def slow_transfer(settings, monkeypatch):
    settings.TUS_CHUNK_SIZE = CHUNK
    receive = tus.uploads.upload_receive

    def slowly(**kwargs):
        time.sleep(0.25)
        return receive(**kwargs)

    monkeypatch.setattr(tus.uploads, "upload_receive", slowly)


@pytest.fixture
def requests_seen(page):
    """(method, Upload-Offset) of every request to the tus endpoint, in order."""
    seen = []
    page.on(
        "request",
        lambda request: (
            seen.append((request.method, request.headers.get("upload-offset")))
            if "/tai-len/" in request.url
            else None
        ),
    )
    return seen


def _fill_in_and_pick(page, clip):
    page.goto("/test-contest/clip-cua-toi/gui-clip/")
    page.fill("#id_title", "Chợ phiên trên điện thoại")
    page.locator("input[name=genre]").first.check()
    page.fill("#id_summary", "Người dân bản Mòng bán nông sản qua mạng.")
    page.set_input_files("input[name=clip]", str(clip))


def _assert_received_once(page, clip, code, title="Chợ phiên trên điện thoại"):
    expect(page).to_have_url(re.compile(rf"/test-contest/clip-cua-toi/{code}/$"), timeout=30_000)
    submission = Submission.objects.get()
    assert submission.code == code
    assert submission.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert submission.title == title
    assert Upload.objects.get().state == Upload.State.COMPLETE


def test_an_upload_cut_by_a_network_drop_goes_on_by_itself(
    page, registered_alice, live_contest, big_clip, slow_transfer, requests_seen, screenshot
):
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    _fill_in_and_pick(page, big_clip)

    page.locator("#submission-form [type=submit]").click()
    expect(page.locator("#upload-progress .progress")).to_be_visible()
    page.wait_for_function(MIDWAY)
    expect(page.locator("[data-upload-action=pause]")).to_be_visible()
    screenshot(page, "resumable-upload-progress")
    page.context.set_offline(True)
    page.wait_for_timeout(1500)
    screenshot(page, "resumable-upload-offline")
    sent_before_coming_back = len(requests_seen)
    page.context.set_offline(False)

    _assert_received_once(page, big_clip, f"{live_contest.code_prefix}-0001")
    # After the drop the script asked the server where to go on from, and went on from there, not from 0.
    after = requests_seen[sent_before_coming_back:]
    assert after[0][0] == "HEAD"
    assert [int(offset) for method, offset in after if method == "PATCH"][0] > 0


def test_an_upload_cut_by_a_reload_goes_on_when_the_same_file_is_picked_again(
    page, registered_alice, live_contest, big_clip, slow_transfer, requests_seen
):
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    _fill_in_and_pick(page, big_clip)
    with page.expect_response(lambda r: r.request.method == "PATCH" and r.status == 204):
        page.locator("#submission-form [type=submit]").click()

    page.reload()
    requests_seen.clear()
    page.set_input_files("input[name=clip]", str(big_clip))
    # The form says the file was partly sent, and brings back the details it was started with.
    expect(page.locator("#upload-resume-note")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("Chợ phiên trên điện thoại")
    # A title changed now is saved too, though the upload carries the one it was started with.
    page.fill("#id_title", "Chợ phiên, gửi lại")
    page.locator("#submission-form [type=submit]").click()

    _assert_received_once(page, big_clip, f"{live_contest.code_prefix}-0001", title="Chợ phiên, gửi lại")
    assert requests_seen[0][0] == "HEAD"
    assert "POST" not in [method for method, offset in requests_seen]
    assert int(next(offset for method, offset in requests_seen if method == "PATCH")) > 0


def test_pausing_keeps_what_was_sent_and_resuming_finishes(
    page, registered_alice, live_contest, big_clip, slow_transfer, requests_seen
):
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    _fill_in_and_pick(page, big_clip)
    page.locator("#submission-form [type=submit]").click()
    page.wait_for_function(MIDWAY)

    page.locator("[data-upload-action=pause]").click()
    expect(page.locator("[data-upload-action=resume]")).to_be_visible()
    page.wait_for_timeout(1000)
    assert not Submission.objects.exists()
    page.locator("[data-upload-action=resume]").click()

    _assert_received_once(page, big_clip, f"{live_contest.code_prefix}-0001")
    assert [method for method, offset in requests_seen].count("POST") == 1


def test_a_refusal_at_the_end_is_shown_next_to_the_clip(
    page, registered_alice, live_contest, slow_transfer, tmp_path, submit
):
    for number in range(3):
        submit(registered_alice.registrations.get(), title=f"Clip {number + 1}")
    # Room for a fourth at creation, none left when it completes: the limit is checked at both ends.
    big = make_clip(tmp_path / "clip thứ tư.mp4", seconds=4, width=640, height=480)
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    Submission.objects.filter(title="Clip 3").update(status=Submission.Status.WITHDRAWN)
    _fill_in_and_pick(page, big)
    page.locator("#submission-form [type=submit]").click()
    page.wait_for_function(MIDWAY)
    Submission.objects.filter(title="Clip 3").update(status=Submission.Status.RECEIVED)

    clip_errors = page.locator(".field.has-error:has(input[name=clip]) .errorlist")
    expect(clip_errors).to_contain_text(re.compile(r"\b3\b"), timeout=30_000)
    assert Submission.objects.count() == 3
    assert Upload.objects.get().state == Upload.State.REFUSED
    expect(page.locator("#submission-form [type=submit]")).to_be_enabled()


def test_documents_chosen_with_a_large_clip_follow_it(
    page, registered_alice, live_contest, big_clip, slow_transfer, tmp_path
):
    script = make_pdf(tmp_path / "kịch bản.pdf")
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    _fill_in_and_pick(page, big_clip)
    page.set_input_files("input[name=documents]", str(script))

    page.locator("#submission-form [type=submit]").click()

    _assert_received_once(page, big_clip, f"{live_contest.code_prefix}-0001")
    (document,) = SubmissionDocument.objects.all()
    assert document.original_filename == "kịch bản.pdf"
    assert document.sha256 == hashlib.sha256(script.read_bytes()).hexdigest()


def test_after_the_last_byte_the_uploader_says_the_clip_is_being_checked_then_shows_the_receipt(
    page, registered_alice, live_contest, big_clip, slow_transfer, requests_seen, screenshot, monkeypatch
):
    # The check waits for a worker, as in production: held here (the broker's part); the test is the worker.
    queued = []
    monkeypatch.setattr(upload_check_task, "delay", queued.append)
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    _fill_in_and_pick(page, big_clip)
    page.locator("#submission-form [type=submit]").click()

    status = page.locator("#upload-progress p.help")
    expect(status).to_contain_text("Đang kiểm tra clip", timeout=30_000)
    expect(page.locator("#upload-progress .progress")).to_have_class(re.compile(r"\bchecking\b"))
    screenshot(page, "resumable-upload-checking")
    upload = Upload.objects.get()
    assert upload.state == Upload.State.CHECKING
    # It keeps asking, and stays on the page, while the check has not run.
    page.wait_for_timeout(2500)
    assert [method for method, offset in requests_seen].count("HEAD") >= 1
    assert "/gui-clip/" in page.url

    upload_check_task(queued[0])  # the worker's part

    _assert_received_once(page, big_clip, f"{live_contest.code_prefix}-0001")


@pytest.mark.integration
def test_through_nginx_a_phone_sends_a_large_clip_with_a_drop_midway_and_watches_its_preview(
    page_through_nginx, registered_alice, live_contest, big_clip, slow_transfer, requests_seen, tmp_path
):
    page = page_through_nginx
    script = make_pdf(tmp_path / "kịch bản.pdf")
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    _fill_in_and_pick(page, big_clip)
    page.set_input_files("input[name=documents]", str(script))
    page.locator("#submission-form [type=submit]").click()
    page.wait_for_function(MIDWAY)
    page.context.set_offline(True)
    page.wait_for_timeout(1000)
    page.context.set_offline(False)

    _assert_received_once(page, big_clip, f"{live_contest.code_prefix}-0001")
    assert SubmissionDocument.objects.get().original_filename == "kịch bản.pdf"
    # The receipt's preview plays from nginx (X-Accel-Redirect), the page's script and style too.
    video = page.locator("video")
    expect(video).to_be_visible()
    assert page.evaluate(
        """async () => {
            const source = document.querySelector("video source, video");
            const response = await fetch(source.src || source.currentSrc, { headers: { Range: "bytes=0-99" } });
            return [response.status, (await response.arrayBuffer()).byteLength];
        }"""
    ) == [206, 100]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
