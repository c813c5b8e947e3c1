"""A clip the contest would refuse is refused in the page as soon as it is picked, in the server's words and
before a byte is sent; a person with no clip left sees why instead of the form; a form that comes back with
errors lists them at its top, each link taking the focus to its field. All on a phone."""

import re
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

from submissions import services
from submissions.media.probe import ClipRejected, probe_clip
from submissions.models import Contest, Registration, Submission
from tests.clips import make_clip
from tests.conftest import BOB_ID, registration_post

from .conftest import log_in

pytestmark = pytest.mark.browser

CHUNK = 64 * 1024
HEVC_MOV = Path(__file__).resolve().parent.parent / "data" / "hevc.mov"


@pytest.fixture
def clip(tmp_path_factory):
    """A real 4-second clip of a few chunks: by its size it goes by resumable upload."""
    return make_clip(tmp_path_factory.mktemp("pre-upload") / "chợ phiên.mp4", seconds=4, width=640, height=480)


@pytest.fixture
def small_chunks(settings):
    settings.TUS_CHUNK_SIZE = CHUNK


@pytest.fixture
def sent(page):
    """Every request that could carry the clip: to the tus endpoint (/<slug>/tai-len/) or a POST of the form."""
    seen = []
    page.on(
        "request",
        lambda request: (
            seen.append(f"{request.method} {request.url}")
            if "/tai-len/" in request.url or request.method == "POST"
            else None
        ),
    )
    return seen


def _log_in(page):
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))


def _fill_in_and_pick(page, path):
    page.goto("/test-contest/clip-cua-toi/gui-clip/")
    page.fill("#id_title", "Chợ phiên trên điện thoại")
    page.locator("input[name=genre]").first.check()
    page.fill("#id_summary", "Người dân bản Mòng bán nông sản qua mạng.")
    page.set_input_files("input[name=clip]", str(path))


def _clip_errors(page):
    return page.locator(".field:has(input[name=clip]) .errorlist li")


def _assert_refused_in_the_page(page, sent, message):
    errors = _clip_errors(page)
    expect(errors).to_have_count(1)
    expect(errors).to_have_text(message)
    # Sent anyway: the same words, still once, and still nothing sent.
    page.locator("#submission-form [type=submit]").click()
    page.wait_for_timeout(500)
    expect(errors).to_have_count(1)
    expect(errors).to_have_text(message)
    expect(page).to_have_url(re.compile(r"/gui-clip/$"))
    assert sent == []
    assert not Submission.objects.exists()


def test_a_clip_larger_than_the_contest_allows_is_refused_with_the_server_s_words_before_a_byte_is_sent(
    page, registered_alice, live_contest, clip, small_chunks, sent
):
    Contest.objects.filter(pk=live_contest.pk).update(max_clip_size=clip.stat().st_size - 10_000)
    with translation.override("vi"), pytest.raises(services.FileTooLarge) as refusal:
        services.submission_check_allowed(registration=Registration.objects.get(), size=clip.stat().st_size)
    server_says = str(refusal.value.message)
    _log_in(page)
    sent.clear()

    _fill_in_and_pick(page, clip)

    _assert_refused_in_the_page(page, sent, server_says)


def test_a_clip_a_little_over_the_limit_is_told_in_exact_bytes_as_the_server_does(
    page, registered_alice, live_contest, clip, small_chunks, sent
):
    Contest.objects.filter(pk=live_contest.pk).update(max_clip_size=clip.stat().st_size - 1)
    with translation.override("vi"), pytest.raises(services.FileTooLarge) as refusal:
        services.submission_check_allowed(registration=Registration.objects.get(), size=clip.stat().st_size)
    server_says = str(refusal.value.message)
    assert "byte" in server_says
    _log_in(page)
    sent.clear()

    _fill_in_and_pick(page, clip)

    _assert_refused_in_the_page(page, sent, server_says)


def test_a_clip_shorter_than_the_contest_allows_is_refused_with_the_server_s_words_before_a_byte_is_sent(
    page, registered_alice, live_contest, clip, small_chunks, sent
):
    Contest.objects.filter(pk=live_contest.pk).update(min_duration=10)
    with translation.override("vi"), pytest.raises(ClipRejected) as refusal:
        probe_clip(
            clip,
            accepted_containers=live_contest.accepted_containers,
            min_duration=10,
            max_duration=live_contest.max_duration,
        )
    server_says = str(refusal.value.message)
    _log_in(page)
    sent.clear()

    _fill_in_and_pick(page, clip)

    _assert_refused_in_the_page(page, sent, server_says)


def test_a_clip_longer_than_the_contest_allows_is_refused_before_a_byte_is_sent(
    page, registered_alice, live_contest, tmp_path, sent
):
    Contest.objects.filter(pk=live_contest.pk).update(min_duration=1, max_duration=2)
    long_clip = make_clip(tmp_path / "dài.webm", seconds=4)
    with translation.override("vi"), pytest.raises(ClipRejected) as refusal:
        probe_clip(long_clip, accepted_containers=live_contest.accepted_containers, min_duration=1, max_duration=2)
    _log_in(page)
    sent.clear()

    _fill_in_and_pick(page, long_clip)

    _assert_refused_in_the_page(page, sent, str(refusal.value.message))


def test_a_format_the_contest_does_not_accept_is_refused_by_its_name_before_a_byte_is_sent(
    page, registered_alice, live_contest, tmp_path, sent
):
    Contest.objects.filter(pk=live_contest.pk).update(accepted_containers=["mp4", "mov"])
    avi = make_clip(tmp_path / "bản em.avi", seconds=2)
    with translation.override("vi"), pytest.raises(ClipRejected) as refusal:
        probe_clip(avi, accepted_containers=["mp4", "mov"], min_duration=1, max_duration=live_contest.max_duration)
    _log_in(page)
    sent.clear()

    _fill_in_and_pick(page, avi)

    _assert_refused_in_the_page(page, sent, str(refusal.value.message))


def test_picking_a_good_clip_after_a_refused_one_clears_the_refusal_and_it_goes_by_resumable_upload(
    page, registered_alice, live_contest, clip, small_chunks, sent, tmp_path
):
    Contest.objects.filter(pk=live_contest.pk).update(min_duration=3)
    _log_in(page)
    _fill_in_and_pick(page, make_clip(tmp_path / "ngắn.mp4", seconds=2))
    expect(_clip_errors(page)).to_have_count(1)
    sent.clear()

    page.set_input_files("input[name=clip]", str(clip))
    expect(_clip_errors(page)).to_have_count(0)
    page.wait_for_timeout(300)
    page.locator("#submission-form [type=submit]").click()

    code = f"{live_contest.code_prefix}-0001"
    expect(page).to_have_url(re.compile(rf"/test-contest/clip-cua-toi/{code}/$"), timeout=30_000)
    assert any("/tai-len/" in request for request in sent)
    assert Submission.objects.get().size == clip.stat().st_size


def test_a_small_good_clip_goes_with_the_form(page, registered_alice, live_contest, clip_path, sent):
    _log_in(page)
    sent.clear()
    _fill_in_and_pick(page, clip_path)

    page.locator("#submission-form [type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/test-contest/clip-cua-toi/{live_contest.code_prefix}-0001/$"))
    assert not any("/tai-len/" in request for request in sent)


def test_a_clip_the_browser_may_not_read_is_left_to_the_server(page, registered_alice, live_contest):
    # HEVC in a QuickTime file, as iPhones film: some browsers cannot read it, which is no reason to refuse.
    _log_in(page)
    _fill_in_and_pick(page, HEVC_MOV)
    page.wait_for_timeout(500)
    expect(_clip_errors(page)).to_have_count(0)

    page.locator("#submission-form [type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/test-contest/clip-cua-toi/{live_contest.code_prefix}-0001/$"))


def test_a_refusal_by_the_server_is_shown_once(page, registered_alice, live_contest, submit, clip_path):
    registration = Registration.objects.get()
    for number in range(2):
        submit(registration, title=f"Clip {number + 1}")
    _log_in(page)
    _fill_in_and_pick(page, clip_path)
    submit(registration, title="Clip 3, from another phone")

    with page.expect_response(lambda r: r.request.method == "POST" and "/gui-clip/" in r.url) as response:
        page.locator("#submission-form [type=submit]").click()

    assert response.value.status == 409
    expect(page.locator("main")).to_contain_text("Nguyễn Thị Alice đã là tác giả của 3 clip")
    assert page.locator("main").inner_text().count("Nguyễn Thị Alice đã là tác giả của 3 clip") == 1
    expect(page.locator("#error-summary")).to_be_focused()


def _page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_with_no_clip_left_the_page_says_why_and_withdrawing_one_brings_the_form_back(
    page, registered_alice, live_contest, submit, screenshot
):
    registration = Registration.objects.get()
    clips = [submit(registration, title=f"Clip số {number} về chuyển đổi số ở bản em") for number in (1, 2, 3)]
    _log_in(page)

    response = page.goto("/test-contest/clip-cua-toi/gui-clip/")

    assert response.status == 200
    expect(page.locator("#submission-form")).to_have_count(0)
    expect(page.locator("#no-slot-reason")).to_contain_text("Nguyễn Thị Alice đã là tác giả của 3 clip")
    expect(page.locator("#no-slot-left form button")).to_have_count(3)
    expect(page.get_by_role("link", name="Quay lại Clip của tôi")).to_be_visible()
    assert _page_width(page) <= 360
    screenshot(page, "no-slot-left")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#no-slot-left li[data-code='{clips[0].code}'] button").click()

    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    page.locator("main a[href$='/test-contest/clip-cua-toi/gui-clip/']").first.click()
    expect(page.locator("#submission-form")).to_be_visible()


def _focused_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_the_error_summary_takes_the_focus_and_its_links_take_it_to_their_fields(
    page, alice, live_contest, screenshot
):
    _log_in(page)
    page.goto("/test-contest/phieu-dang-ky/")
    data = registration_post(live_contest)
    page.fill("#id_id_number", data["id_number"])
    page.fill("#id_address", data["address"])
    page.check("input[name=gender][value=female]")
    page.fill("#id_date_of_birth", data["date_of_birth"])
    page.fill("#id_group_name", "Nhóm Bản Mòng")
    page.fill("#id_coauthors-0-full_name", "Tòng Văn Dũng")
    page.fill("#id_coauthors-0-email", "không phải địa chỉ")
    page.fill("#id_coauthors-0-date_of_birth", BOB_ID[1].isoformat())
    page.fill("#id_coauthors-0-id_number", BOB_ID[0])
    page.locator("#registration-form [type=submit]").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_full_name']")).to_be_visible()
    coauthor_link = summary.locator("a[href='#id_coauthors-0-email']")
    expect(coauthor_link).to_contain_text("Đồng tác giả 1")
    assert _page_width(page) <= 360
    screenshot(page, "registration-error-summary")

    coauthor_link.click()
    expect(page.locator("#id_coauthors-0-email")).to_be_focused()
    expect(page.locator("#id_coauthors-0-email")).to_be_in_viewport()

    page.locator("#error-summary a[href='#id_full_name']").click()
    expect(page.locator("#id_full_name")).to_be_focused()
    assert not Registration.objects.exists()
