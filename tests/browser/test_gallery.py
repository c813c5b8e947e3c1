"""The finalist gallery, as an anonymous visitor on a phone sees it once the committee has published it."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from submissions.models import Submission
from submissions.publication import finalists_publish
from tests.clips import make_jpeg
from tests.conftest import ALICE_ID, BOB_ID, close_entries, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def two_published_finalists(live_contest, alice, bob, register, submit, clip_path, tmp_path):
    thumbnail = make_jpeg(tmp_path / "thumbnail.jpg", width=320, height=180).read_bytes()
    finalists = [
        submit(register(alice, "Lò Thị Alice", ALICE_ID), title="Chợ phiên trên điện thoại"),
        submit(register(bob, "Quàng Văn Bob", BOB_ID), title="Bản em lên số"),
    ]
    for finalist in finalists:
        # The media pipeline makes these; here they are put in storage directly.
        finalist.preview.save("preview.mp4", ContentFile(clip_path.read_bytes()), save=False)
        finalist.thumbnail.save("thumbnail.jpg", ContentFile(thumbnail), save=False)
        Submission.objects.filter(pk=finalist.pk).update(
            status=Submission.Status.SHORTLISTED, preview=finalist.preview.name, thumbnail=finalist.thumbnail.name
        )
    committee = make_user("dana@example.com")
    committee.user_permissions.add(Permission.objects.get(codename="publish_finalists"))
    close_entries(live_contest)
    finalists_publish(contest=live_contest, user=committee)
    return finalists


def test_the_gallery_plays_both_finalists_and_a_share_page_has_its_image(
    page, live_server, two_published_finalists, screenshot
):
    page.goto("/")
    page.locator(".site-nav a[href$='/test-contest/chung-ket/']").click()
    expect(page).to_have_url(re.compile(r"/test-contest/chung-ket/$"))

    cards = page.locator("li.finalist")
    expect(cards).to_have_count(2)
    for finalist in two_published_finalists:
        card = page.locator(f"li.finalist[data-code='{finalist.code}']")
        expect(card.locator("h2")).to_have_text(finalist.title)
        player = card.locator("video[controls]")
        expect(player).to_be_visible()
        # An anonymous visitor's browser fetches the preview itself: its metadata loads, so it would play.
        page.wait_for_function("video => video.readyState >= 1 && video.duration > 1", arg=player.element_handle())
    screenshot(page, "gallery-phone")

    first = two_published_finalists[0]
    page.locator(f"li.finalist[data-code='{first.code}'] .share-link").click()
    expect(page).to_have_url(re.compile(rf"/test-contest/chung-ket/{first.code}/$"))
    expect(page.locator("h1")).to_have_text(first.title)
    og_image = page.locator("meta[property='og:image']").get_attribute("content")
    assert og_image.startswith(f"{live_server.url}/test-contest/chung-ket/{first.code}/anh-chia-se.jpg?v=")
    image = page.request.get(og_image)
    assert image.ok
    assert image.headers["content-type"] == "image/jpeg"
    screenshot(page, "gallery-share-page")

    # The image as it would show on the fanpage, for a person to look at.
    page.goto(og_image)
    screenshot(page, "gallery-share-image")
