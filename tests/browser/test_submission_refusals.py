"""Clips the portal refuses, as the entrant sees it after the upload script has sent the form."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from submissions.models import Contest, Submission
from tests.clips import make_jpeg

from .conftest import log_in

pytestmark = pytest.mark.browser


def _send_clip(page, path, open_form=True):
    """Fills the submit form with `path` as the clip, sends it, and returns the response to the POST."""
    if open_form:
        page.goto("/test-contest/clip-cua-toi/gui-clip/")
    page.fill("#id_title", "Một clip nữa")
    page.locator("input[name=genre]").first.check()
    page.fill("#id_summary", "Thêm một clip về chuyển đổi số.")
    page.set_input_files("input[name=clip]", str(path))
    with page.expect_response(lambda r: r.request.method == "POST" and "/gui-clip/" in r.url) as sent:
        page.locator("#submission-form [type=submit]").click()
    return sent.value


def test_with_no_clip_left_the_form_says_why_instead_of_opening(page, registered_alice, submit):
    registration = registered_alice.registrations.get()
    for number in range(3):
        submit(registration, title=f"Clip {number + 1}")

    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    expect(page.get_by_role("link", name="Gửi clip dự thi")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Nguyễn Thị Alice đã là tác giả của 3 clip")
    response = page.goto("/test-contest/clip-cua-toi/gui-clip/")

    assert response.status == 200  # a page that explains, instead of the form
    expect(page.locator("#no-slot-reason")).to_contain_text("Nguyễn Thị Alice đã là tác giả của 3 clip")
    expect(page.locator("#submission-form")).to_have_count(0)
    expect(page.get_by_role("link", name="Quay lại Clip của tôi")).to_be_visible()


def test_a_clip_sent_after_the_last_slot_went_elsewhere_is_refused_with_the_message_shown(
    page, registered_alice, submit, clip_path
):
    registration = registered_alice.registrations.get()
    for number in range(2):
        submit(registration, title=f"Clip {number + 1}")
    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    page.goto("/test-contest/clip-cua-toi/gui-clip/")
    submit(registration, title="Clip 3, from another phone")

    response = _send_clip(page, clip_path, open_form=False)

    assert response.status == 409
    refusal = page.locator(".message.error")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(re.compile(r"\b3\b"))
    # The form is back, ready for another try, and still sends through the upload script.
    expect(page.locator("#submission-form")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("Một clip nữa")

    page.goto("/test-contest/clip-cua-toi/")
    expect(page.locator(".clip-list li.clip")).to_have_count(3)
    assert Submission.objects.filter(registration=registration).count() == 3


def test_a_renamed_jpeg_is_refused(page, registered_alice, tmp_path):
    picture = make_jpeg(tmp_path / "clip của em.mp4")

    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    response = _send_clip(page, picture)

    assert response.status == 415
    clip_errors = page.locator(".field.has-error:has(input[name=clip]) .errorlist")
    expect(clip_errors).to_be_visible()
    expect(clip_errors).not_to_be_empty()
    expect(page.locator(".message.error")).to_be_visible()

    assert not Submission.objects.exists()
    assert not any(path.is_file() for path in (settings.MEDIA_ROOT / "clips").rglob("*"))
    page.goto("/test-contest/clip-cua-toi/")
    expect(page.locator(".clip-list li.clip")).to_have_count(0)


def test_an_oversized_clip_is_refused_before_it_is_sent(page, registered_alice, live_contest, clip_path):
    Contest.objects.filter(pk=live_contest.pk).update(max_clip_size=clip_path.stat().st_size - 1)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    log_in(page, "alice@example.com")
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    posts.clear()
    page.goto("/test-contest/clip-cua-toi/gui-clip/")
    page.fill("#id_title", "Một clip quá lớn")
    page.locator("input[name=genre]").first.check()
    page.fill("#id_summary", "Clip này lớn hơn mức cho phép.")
    page.set_input_files("input[name=clip]", str(clip_path))
    page.locator("#submission-form [type=submit]").click()

    clip_errors = page.locator(".field.has-error:has(input[name=clip]) .errorlist")
    expect(clip_errors).to_be_visible()
    expect(clip_errors).not_to_be_empty()
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/gui-clip/$"))
    assert posts == []
    assert not Submission.objects.exists()
