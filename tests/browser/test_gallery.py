"""The finalist gallery, as an anonymous visitor on a phone sees it once the committee has published it."""

import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageFilter
from playwright.sync_api import expect

from submissions.models import Contest, Submission
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
        expect(card.locator("video")).to_have_count(0)
        expect(card.locator(".play-button")).to_be_visible()
    screenshot(page, "gallery-phone")
    for finalist in two_published_finalists:
        # Pressing play puts the player there; an anonymous visitor's browser fetches the preview and plays it.
        card = page.locator(f"li.finalist[data-code='{finalist.code}']")
        card.locator(".finalist-poster").click()
        player = card.locator("video[controls]")
        expect(player).to_be_visible()
        page.wait_for_function("video => video.readyState >= 1 && video.duration > 1", arg=player.element_handle())
        expect(page).to_have_url(re.compile(r"/test-contest/chung-ket/$"))
    # Only one plays at a time.
    page.wait_for_function(
        "() => [...document.querySelectorAll('video.finalist-player')].filter(v => !v.paused).length <= 1"
    )
    screenshot(page, "gallery-playing")

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


@pytest.mark.integration
def test_the_gallery_of_fifty_finalists_weighs_less_than_250_kb_on_a_phone_through_nginx(
    page_through_nginx, live_contest, make_finalists, tmp_path
):
    finalists = make_finalists(50, with_preview=True)
    # A 640 px thumbnail as detailed as a sharp photo (68 KB; a phone video's frame is often half that).
    noise = Image.merge("RGB", [Image.effect_noise((640, 360), 60) for _ in range(3)]).filter(
        ImageFilter.GaussianBlur(0.7)
    )
    picture = Image.blend(noise, Image.linear_gradient("L").resize((640, 360)).convert("RGB"), 0.4)
    jpeg = io.BytesIO()
    picture.save(jpeg, format="JPEG", quality=85, optimize=True)
    jpeg = jpeg.getvalue()
    for finalist in finalists:
        Path(finalist.thumbnail.path).write_bytes(jpeg)
    Contest.objects.filter(pk=live_contest.pk).update(finalists_published_at=timezone.now())
    page = page_through_nginx
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    urls, wire = {}, {}
    network.on("Network.responseReceived", lambda event: urls.update({event["requestId"]: event["response"]}))
    network.on(
        "Network.loadingFinished", lambda event: wire.update({event["requestId"]: event["encodedDataLength"]})
    )

    page.goto("/test-contest/chung-ket/")
    page.wait_for_load_state("networkidle")

    expect(page.locator("li.finalist")).to_have_count(50)
    total = sum(wire.values())
    by_kind = {}
    for request_id, size in wire.items():
        kind = urls.get(request_id, {}).get("mimeType", "?")
        by_kind[kind] = by_kind.get(kind, 0) + size
    print(f"gallery of 50 over the wire: {total / 1000:.0f} KB; by type: {by_kind}; jpeg {len(jpeg)} B")
    assert total < 250_000
    page_response = next(response for response in urls.values() if response["url"].endswith("/chung-ket/"))
    assert {name.lower(): value for name, value in page_response["headers"].items()}["content-encoding"] == "gzip"
    assert by_kind.get("video/mp4", 0) == 0  # nothing of the clips before play is pressed
