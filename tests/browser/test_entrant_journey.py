"""An entrant, on a phone, from the home page to a received clip."""

import hashlib
import re

import pytest
from django.core import mail
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from playwright.sync_api import expect

from submissions.models import Registration, Submission
from tests.clips import make_clip

from .conftest import PASSWORD, fill_registration_form, log_in

pytestmark = pytest.mark.browser

CONFIRMATION_LINK = re.compile(r"https?://\S+/tai-khoan/confirm-email/\S+/")


def _mail_to(address):
    return [message for message in mail.outbox if address in message.to]


def test_an_entrant_signs_up_confirms_fills_the_form_and_submits_a_clip(
    page, live_server, live_contest, tmp_path, screenshot
):
    email = "lan@example.com"
    page.goto("/")
    screenshot(page, "landing")
    page.locator(".site-nav a[href$='/tai-khoan/signup/']").click()
    expect(page).to_have_url(re.compile(r"/tai-khoan/signup/$"))

    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("form:has(input[name=password1]) [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/tai-khoan/confirm-email/$"))

    (confirmation,) = _mail_to(email)
    link = CONFIRMATION_LINK.search(confirmation.body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    page.locator("form[action*='/tai-khoan/confirm-email/'] [type=submit]").click()
    # Confirming logs the entrant in and lands on My clips, which asks for the registration form first.
    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    page.locator("main a[href$='/test-contest/phieu-dang-ky/']").click()

    expect(page.locator("#id_email")).to_have_value(email)
    fill_registration_form(
        page,
        full_name="Lò Thị Lan",
        organisation="Trường THPT Chuyên Sơn La",
        address="Phường Chiềng Lề, Thành phố Sơn La",
    )
    screenshot(page, "registration-form")
    page.locator("#registration-form [type=submit]").click()

    expect(page).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    expect(page.locator(".message.success")).to_be_visible()
    registration = Registration.objects.get(user__email=email)
    assert (registration.id_number, str(registration.date_of_birth), registration.gender) == (
        "014190001234",
        "1990-05-01",
        "female",
    )
    assert registration.phone == "0912345678"

    clip = make_clip(tmp_path / "bản em.mp4", seconds=2.0)
    page.locator("main a[href$='/test-contest/clip-cua-toi/gui-clip/']").first.click()
    page.fill("#id_title", "Chợ phiên trên điện thoại")
    page.locator("input[name=genre]").first.check()
    page.fill("#id_summary", "Người dân bản Mòng bán nông sản qua mạng.")
    page.set_input_files("input[name=clip]", str(clip))
    # A 2-second clip reaches a local server at once: look at the page while the upload is held back.
    while_sending = []

    def look_while_sending(route):
        while_sending.append(
            (
                page.locator("#upload-progress").is_visible(),
                page.locator("#submission-form [type=submit]").is_disabled(),
            )
        )
        route.continue_()

    page.route("**/clip-cua-toi/gui-clip/", look_while_sending)
    with page.expect_response(lambda r: r.request.method == "POST" and "/gui-clip/" in r.url) as sent:
        page.locator("#submission-form [type=submit]").click()
    assert sent.value.request.resource_type == "xhr"
    assert sent.value.status == 302
    assert while_sending == [(True, True)]

    code = f"{live_contest.code_prefix}-0001"
    expect(page).to_have_url(re.compile(rf"/test-contest/clip-cua-toi/{code}/$"))
    expect(page.locator(".message.success")).to_contain_text(code)
    expect(page.locator(".receipt dd.code").first).to_have_text(code)
    expect(page.locator(".receipt dd.code").nth(1)).to_have_text(hashlib.sha256(clip.read_bytes()).hexdigest())
    expect(page.locator(".receipt")).to_contain_text("bản em.mp4")

    page.locator("main a[href$='/test-contest/clip-cua-toi/']").click()
    item = page.locator(f".clip-list li.clip[data-code='{code}']")
    expect(page.locator(".clip-list li.clip")).to_have_count(1)
    expect(item.locator(".code")).to_have_text(code)
    expect(item.locator("h2")).to_have_text("Chợ phiên trên điện thoại")
    expect(item.locator(".status.received")).not_to_be_empty()
    assert Submission.objects.get(code=code).size == clip.stat().st_size
    with translation.override("vi"):
        expect(item.locator(".meta")).to_contain_text(filesizeformat(clip.stat().st_size))
    screenshot(page, "my-clips")

    assert any(code in message.subject for message in _mail_to(email))


@pytest.mark.parametrize("where", ["my_clips", "receipt"])
def test_my_clips_and_the_receipt_show_the_preview_by_themselves_once_it_is_ready(
    page, registered_alice, live_contest, submit, where
):
    submission = submit(registered_alice.registrations.get())
    made = Submission.objects.get(pk=submission.pk)
    assert made.media_state == Submission.MediaState.READY  # tasks ran in-process; pretend they have not yet
    Submission.objects.filter(pk=submission.pk).update(media_state=Submission.MediaState.PROCESSING, preview="")
    log_in(page, "alice@example.com")
    if where == "receipt":
        page.goto(f"/{live_contest.slug}/clip-cua-toi/{submission.code}/")
        expect(page.get_by_text("Bản xem trước đang được tạo", exact=False)).to_be_visible()
    else:
        page.goto(f"/{live_contest.slug}/clip-cua-toi/")
    expect(page.locator(f'[data-code="{submission.code}"][data-media-state="processing"]')).to_be_visible()

    Submission.objects.filter(pk=submission.pk).update(
        media_state=Submission.MediaState.READY, preview=made.preview
    )

    if where == "receipt":
        expect(page.locator("video.clip-player")).to_be_visible(timeout=30_000)
    else:
        expect(page.locator(f'[data-code="{submission.code}"][data-media-state="ready"]')).to_be_visible(
            timeout=30_000
        )
