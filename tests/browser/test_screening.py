"""The preliminary round in a real browser: a screener of the Standing Office screens three clips with the
player, shortlists two and rejects one with a reason; the committee releases the mails and publishes the
finalists; the public gallery shows the two."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from playwright.sync_api import expect

from contest_portal.mail.models import OutgoingMail
from submissions.models import Submission
from tests.clips import make_clip, make_jpeg
from tests.conftest import ALICE_ID, BOB_ID, CHARLIE_ID, close_entries

from .conftest import PASSWORD, admin_log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def three_clips(live_contest, alice, bob, charlie, register, submit, tmp_path):
    clips = [
        submit(register(alice, "Lò Thị Alice", ALICE_ID), title="Chợ phiên trên điện thoại"),
        submit(register(bob, "Quàng Văn Bob", BOB_ID), title="Bản em lên số"),
        submit(register(charlie, "Hà Thị Charlie", CHARLIE_ID), title="Clip chưa đúng chủ đề"),
    ]
    preview = make_clip(tmp_path / "preview.mp4", seconds=2.0).read_bytes()
    thumbnail = make_jpeg(tmp_path / "thumbnail.jpg", width=320, height=180).read_bytes()
    for clip in clips:
        clip.refresh_from_db()
        if clip.preview and clip.thumbnail:
            continue
        # The media pipeline makes these; if it has not, they are put in storage directly.
        clip.preview.save("preview.mp4", ContentFile(preview), save=False)
        clip.thumbnail.save("thumbnail.jpg", ContentFile(thumbnail), save=False)
        Submission.objects.filter(pk=clip.pk).update(
            preview=clip.preview.name, thumbnail=clip.thumbnail.name, media_state=Submission.MediaState.READY
        )
    return clips


def _staff(email, role):
    call_command("create_staff", email, role=role, password=PASSWORD)


def _screen(page, clip, *, recommendation, content_on_theme=True, note=""):
    """On the clip's screening page: the player loads, then the checklist and recommendation are saved."""
    expect(page.locator("#content-main.screening-page")).to_have_attribute("data-code", clip.code)
    player = page.locator("video.screening-player")
    expect(player).to_be_visible()
    page.wait_for_function("video => video.readyState >= 1 && video.duration > 1", arg=player.element_handle())

    form = page.locator("#screening-form")
    form.locator(f"input[name=content_on_theme][value={content_on_theme}]").check()
    form.locator("textarea[name=content_note]").fill(note)
    form.locator("input[name=form_ok][value=True]").check()
    form.locator("input[name=technical_quality_ok][value=True]").check()
    form.locator("input[name=rules_compliance_ok][value=True]").check()
    form.locator(f"input[name=recommendation][value={recommendation}]").check()
    form.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_contain_text(clip.code)


def test_screening_to_publication(new_page, live_server, three_clips, screenshot):
    first, second, third = three_clips
    _staff("vanphong@example.com", "office")
    _staff("btc@example.com", "committee")

    screener = new_page()
    admin_log_in(screener, "vanphong@example.com")
    expect(screener.locator("#screening-todo .to-decide")).to_contain_text("3")
    screenshot(screener, "screening-home")
    screener.locator("#screening-todo .to-decide").click()
    expect(screener.locator("#result_list tbody tr")).to_have_count(3)
    expect(screener.locator("#result_list img.screening-thumb").first).to_be_visible()
    screenshot(screener, "screening-list")
    screener.locator("#result_list a", has_text=first.code).click()

    for clip in (first, second):
        _screen(screener, clip, recommendation="shortlist", note="Đúng chủ đề chuyển đổi số.")
        screener.locator("form.decision-shortlisted button").click()
        expect(screener.locator(".messagelist .success")).to_contain_text(clip.code)

    _screen(
        screener, third, recommendation="not_select", content_on_theme=False, note="Không nói về chuyển đổi số."
    )
    screenshot(screener, "screening-page")
    reason = screener.locator("#reason-not_selected")
    expect(reason).to_have_attribute("required", "")
    screener.locator("form.decision-not_selected button").click()
    # The browser keeps an empty reason from being sent.
    assert reason.evaluate("box => box.matches(':invalid')")
    third.refresh_from_db()
    assert third.status == Submission.Status.RECEIVED
    reason.fill("Clip chưa đúng chủ đề của cuộc thi.")
    screener.locator("form.decision-not_selected button").click()
    expect(screener.locator(".messagelist .success")).to_contain_text(third.code)
    expect(screener.locator("#content-main")).to_have_attribute("data-status", "not_selected")

    statuses = dict(Submission.objects.values_list("code", "status"))
    assert statuses == {
        first.code: Submission.Status.SHORTLISTED,
        second.code: Submission.Status.SHORTLISTED,
        third.code: Submission.Status.NOT_SELECTED,
    }
    decision_mails = OutgoingMail.objects.filter(kind__startswith="decision_")
    assert set(decision_mails.values_list("state", flat=True)) == {OutgoingMail.State.DRAFT}

    committee = new_page()
    admin_log_in(committee, "btc@example.com")
    committee.locator("#contest-work a[href$='/admin/mail/outgoingmail/']").click()
    committee.goto(committee.url + "?state__exact=draft")
    expect(committee.locator("#result_list tbody tr")).to_have_count(3)
    committee.locator("#action-toggle").check()
    committee.select_option("select[name=action]", "release_selected")
    committee.locator("button[name=index]").click()
    expect(committee.locator("#mails-count")).to_contain_text("3")
    committee.locator("#confirm-release").click()
    expect(committee.locator(".messagelist .success")).to_be_visible()
    # Sent by the task the release queued, in-process here.
    for _attempt in range(50):
        if set(decision_mails.values_list("state", flat=True)) == {OutgoingMail.State.SENT}:
            break
        committee.wait_for_timeout(100)
    assert sorted(decision_mails.values_list("to", "state")) == [
        ("alice@example.com", OutgoingMail.State.SENT),
        ("bob@example.com", OutgoingMail.State.SENT),
        ("charlie@example.com", OutgoingMail.State.SENT),
    ]
    assert Submission.objects.filter(decision_notified_at__isnull=False).count() == 3

    # Entries have closed since: the preliminary round, in which the committee publishes the finalists.
    close_entries(three_clips[0].contest)
    committee.goto("/admin/submissions/submission/")
    committee.locator("#publish-finalists").click()
    expect(committee.locator(".publish-finalists li")).to_have_count(2)
    committee.locator("#content form [type=submit]").click()
    expect(committee.locator(".messagelist .success")).to_be_visible()

    visitor = new_page()
    visitor.goto("/test-contest/chung-ket/")
    cards = visitor.locator("li.finalist")
    expect(cards).to_have_count(2)
    for clip in (first, second):
        expect(visitor.locator(f"li.finalist[data-code='{clip.code}']")).to_be_visible()
    expect(visitor.locator(f"li.finalist[data-code='{third.code}']")).to_have_count(0)
    screenshot(visitor, "screening-gallery")
