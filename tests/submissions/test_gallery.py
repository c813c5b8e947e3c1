"""Publication of the finalists: the committee's switch, the public gallery, the share pages and images,
the public previews, and the fanpage pack.

Alice and bob are entrants; dana is on the Organizing Committee; erin does the communications and may only
export."""

import csv
import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, ImageChops, ImageDraw, ImageFont

from contest_portal.refusals import NotAllowed, Refusal
from submissions import share_image as drawing
from submissions.models import Contest, Submission, SubmissionEvent
from submissions.phases import WrongPhase
from submissions.publication import finalists_publish, finalists_unpublish
from submissions.share_image import draw_share_image
from tests.clips import make_jpeg
from tests.conftest import ALICE_ID, BOB_ID, close_entries, make_user

pytestmark = pytest.mark.django_db

Status = Submission.Status
# A title starting with each character that makes a spreadsheet run a formula, its cell in chu-thich.csv (text, after
# an apostrophe) and how its caption's cell starts: the caption opens with the title, trimmed.
FORMULA_TITLES = [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0\n"),
    ("+84 Sơn La số", "'+84 Sơn La số", "'+84 Sơn La số\n"),
    ("- Bản em lên số -", "'- Bản em lên số -", "'- Bản em lên số -\n"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0\n"),
    ("\t=1+1", "'\t=1+1", "'=1+1\n"),
    ("\r=1+1", "'\r=1+1", "'=1+1\n"),
]
VIETNAMESE_LETTERS = "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"


def _content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def _grant(user, *codenames):
    user.is_staff = True
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="submissions", codename__in=codenames)
    )
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def dana(db):
    return _grant(make_user("dana@example.com"), "publish_finalists", "view_submission")


@pytest.fixture
def erin(db):
    return _grant(make_user("erin@example.com"), "export_submissions")


@pytest.fixture
def preview_bytes(clip_path):
    return clip_path.read_bytes()


@pytest.fixture
def with_media(preview_bytes, tmp_path):
    """with_media(submission): a preview and a thumbnail put in storage, as the media pipeline leaves them."""
    jpeg = make_jpeg(tmp_path / "thumbnail.jpg", width=320, height=180).read_bytes()

    def _with_media(submission):
        submission.preview.save("preview.mp4", ContentFile(preview_bytes), save=False)
        submission.thumbnail.save("thumbnail.jpg", ContentFile(jpeg), save=False)
        Submission.objects.filter(pk=submission.pk).update(
            preview=submission.preview.name, thumbnail=submission.thumbnail.name
        )
        return submission

    return _with_media


@pytest.fixture
def clips(alice, bob, register, submit, with_media):
    """Alice's three clips and bob's two (bob's entered by his group), each with a preview and a thumbnail."""
    alices = register(alice, "Lò Thị Alice", ALICE_ID)
    bobs = register(
        bob,
        "Quàng Văn Bob",
        BOB_ID,
        group_name="Nhóm Bản Mòng",
        coauthors=[
            {
                "full_name": "Lò Thị Alice",
                "email": "alice@example.com",
                "date_of_birth": ALICE_ID[1],
                "id_number": ALICE_ID[0],
            }
        ],
    )
    titles = ["Chợ phiên trên điện thoại", "Bản em lên số", "Ruộng bậc thang thông minh"]
    # Bob's group counts against alice too, so she enters one clip fewer.
    made = [submit(alices, title=title) for title in titles[:1]]
    made += [submit(bobs, title="Nông sản Sơn La lên sàn"), submit(bobs, title="Hành chính công trực tuyến")]
    return [with_media(clip) for clip in made]


def _set_status(submission, status):
    Submission.objects.filter(pk=submission.pk).update(status=status)
    submission.status = status
    return submission


@pytest.fixture
def finalists(contest, clips):
    """Alice's clip and the first of bob's group are finalists; the last clip is still being screened, and
    entries have closed (the finalists are published in the preliminary round)."""
    first, second, _third = clips
    close_entries(contest)
    return [_set_status(first, Status.SHORTLISTED), _set_status(second, Status.SHORTLISTED)]


@pytest.fixture
def published(contest, finalists, dana):
    finalists_publish(contest=contest, user=dana)
    return finalists


class _Meta(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "content" in attrs:
            self.tags[attrs.get("property") or attrs.get("name")] = attrs["content"]


def _drawn(font, letter):
    image = Image.new("L", (160, 160))
    ImageDraw.Draw(image).text((20, 20), letter, font=font, fill=255)
    return image.tobytes()


def _meta_tags(response):
    parser = _Meta()
    parser.feed(response.content.decode())
    return parser.tags


class TestPublishing:
    def test_it_publishes_once_and_records_who_for_each_finalist(self, contest, finalists, dana):
        assert finalists_publish(contest=contest, user=dana) is True
        contest.refresh_from_db()
        published_at = contest.finalists_published_at
        assert published_at is not None
        events = SubmissionEvent.objects.filter(action="published")
        assert sorted(e.submission_id for e in events) == sorted(f.pk for f in finalists)
        assert {e.actor for e in events} == {dana}

    def test_publishing_again_changes_nothing(self, contest, published, dana):
        published_at = Contest.objects.get(pk=contest.pk).finalists_published_at
        assert finalists_publish(contest=Contest.objects.get(pk=contest.pk), user=dana) is False
        assert Contest.objects.get(pk=contest.pk).finalists_published_at == published_at
        assert SubmissionEvent.objects.filter(action="published").count() == len(published)

    def test_a_stale_contest_object_cannot_publish_twice(self, contest, finalists, dana):
        stale = Contest.objects.get(pk=contest.pk)
        finalists_publish(contest=contest, user=dana)
        assert finalists_publish(contest=stale, user=dana) is False
        assert stale.finalists_published_at == Contest.objects.get(pk=contest.pk).finalists_published_at

    def test_it_needs_the_permission(self, contest, finalists, alice, english):
        with pytest.raises(NotAllowed, match="Only the Organizing Committee may publish the finalists"):
            finalists_publish(contest=contest, user=alice)
        assert Contest.objects.get(pk=contest.pk).finalists_published_at is None

    def test_it_refuses_while_entries_are_open(self, contest, clips, dana, english):
        _set_status(clips[0], Status.SHORTLISTED)

        with pytest.raises(
            WrongPhase, match="Publishing the finalists is not possible now: .* is open for entries"
        ):
            finalists_publish(contest=contest, user=dana)
        assert Contest.objects.get(pk=contest.pk).finalists_published_at is None

    def test_it_refuses_when_there_is_no_finalist(self, contest, clips, dana, english):
        close_entries(contest)

        with pytest.raises(Refusal, match="There is no finalist to publish yet"):
            finalists_publish(contest=contest, user=dana)
        assert Contest.objects.get(pk=contest.pk).finalists_published_at is None

    def test_unpublishing_closes_the_gallery_and_records_the_reason(self, client, contest, published, dana):
        assert finalists_unpublish(contest=contest, user=dana, reason="Published too early") is True
        assert Contest.objects.get(pk=contest.pk).finalists_published_at is None
        assert client.get(reverse("submissions:gallery", args=[contest.slug])).status_code == 404
        assert set(SubmissionEvent.objects.filter(action="unpublished").values_list("reason", flat=True)) == {
            "Published too early"
        }
        assert finalists_unpublish(contest=contest, user=dana, reason="Again") is False

    def test_unpublishing_needs_a_reason_and_the_permission(self, contest, published, dana, erin, english):
        with pytest.raises(Refusal, match="Give the reason for withdrawing the publication"):
            finalists_unpublish(contest=contest, user=dana, reason="  ")
        with pytest.raises(NotAllowed, match="Only the Organizing Committee may withdraw the publication"):
            finalists_unpublish(contest=contest, user=erin, reason="Mistake")
        assert Contest.objects.get(pk=contest.pk).finalists_published_at is not None


class TestThePublicationPage:
    def _url(self, contest, name="publication"):
        return reverse(f"submissions:{name}", args=[contest.slug])

    def test_the_committee_sees_it_and_publishes(self, client, contest, finalists, dana):
        client.force_login(dana)
        response = client.get(self._url(contest))
        assert response.status_code == 200
        assert self._url(contest, "publication_publish") in response.content.decode()
        response = client.post(self._url(contest, "publication_publish"), {"confirm": "yes"})
        assert response.status_code == 302
        assert Contest.objects.get(pk=contest.pk).finalists_published_at is not None
        assert self._url(contest, "publication_unpublish") in client.get(self._url(contest)).content.decode()

    def test_the_committee_withdraws_the_publication_with_a_reason(self, client, contest, published, dana):
        client.force_login(dana)
        client.post(self._url(contest, "publication_unpublish"), {"reason": ""})
        assert Contest.objects.get(pk=contest.pk).finalists_published_at is not None
        client.post(self._url(contest, "publication_unpublish"), {"reason": "Wrong list"})
        assert Contest.objects.get(pk=contest.pk).finalists_published_at is None

    @pytest.mark.parametrize(
        "who, status",
        # A visitor is asked to log in, an entrant finds no such page, a staff member without the role is refused.
        [("anonymous", 302), ("alice", 404), ("erin", 403)],
    )
    def test_no_one_else_reaches_it(self, client, contest, finalists, who, status, request):
        if who != "anonymous":
            client.force_login(request.getfixturevalue(who))
        assert client.get(self._url(contest)).status_code == status
        assert client.post(self._url(contest, "publication_publish")).status_code == status
        assert Contest.objects.get(pk=contest.pk).finalists_published_at is None

    def test_publishing_is_a_post(self, client, contest, finalists, dana):
        client.force_login(dana)
        assert client.get(self._url(contest, "publication_publish")).status_code == 405


class TestTheGallery:
    def test_it_is_not_found_before_publication(self, contest, client, finalists):
        assert client.get(reverse("submissions:gallery", args=[contest.slug])).status_code == 404

    def test_it_shows_the_finalists_only(self, client, contest, clips, dana):
        finalist, withdrawn, disqualified = clips
        _set_status(finalist, Status.SHORTLISTED)
        _set_status(withdrawn, Status.WITHDRAWN)
        _set_status(disqualified, Status.DISQUALIFIED)
        close_entries(contest)
        finalists_publish(contest=contest, user=dana)
        response = client.get(reverse("submissions:gallery", args=[contest.slug]))
        assert response.status_code == 200
        html = response.content.decode()
        assert f'data-code="{finalist.code}"' in html
        assert finalist.title in html
        assert finalist.genre.name in html
        for other in (withdrawn, disqualified):
            assert other.code not in html
            assert other.title not in html

    @pytest.mark.parametrize("status", [Status.RECEIVED, Status.NOT_SELECTED])
    def test_it_leaves_out_clips_not_chosen(self, client, contest, published, clips, status):
        other = _set_status(clips[2], status)
        html = client.get(reverse("submissions:gallery", args=[contest.slug])).content.decode()
        assert other.code not in html

    def test_a_clip_that_stops_being_a_finalist_leaves_it(self, contest, client, published):
        gone = _set_status(published[0], Status.NOT_SELECTED)
        html = client.get(reverse("submissions:gallery", args=[contest.slug])).content.decode()
        assert gone.code not in html
        assert published[1].code in html

    def test_each_finalist_has_its_picture_loaded_lazily_and_a_play_button_fetching_nothing_before(
        self, contest, client, published
    ):
        html = client.get(reverse("submissions:gallery", args=[contest.slug])).content.decode()
        assert "<video" not in html  # fifty players would each fetch their clip's index at once
        for finalist in published:
            page = reverse("submissions:finalist", args=[contest.slug, finalist.code])
            preview = reverse("submissions:preview", args=[finalist.code])
            thumbnail = reverse("submissions:thumbnail", args=[finalist.code])
            assert re.search(
                rf'<a class="finalist-player finalist-poster" href="{page}" data-preview="{preview}"[^>]*>\s*'
                rf'<img src="{thumbnail}\?w=480" alt="" loading="lazy"',
                html,
            )
        assert "js/gallery" in html

    def test_a_finalists_own_page_has_the_player(self, contest, client, published):
        finalist = published[0]
        html = client.get(reverse("submissions:finalist", args=[contest.slug, finalist.code])).content.decode()
        preview = reverse("submissions:preview", args=[finalist.code])
        assert re.search(rf'<video [^>]*controls preload="metadata" playsinline src="{preview}"', html)

    def test_it_hides_the_authors_unless_the_contest_allows(self, client, contest, published):
        html = client.get(reverse("submissions:gallery", args=[contest.slug])).content.decode()
        assert "Lò Thị Alice" not in html
        assert "Nhóm Bản Mòng" not in html
        assert "Quàng Văn Bob" not in html

    def test_it_names_the_authors_when_the_contest_allows(self, client, contest, published):
        Contest.objects.filter(pk=contest.pk).update(shows_author_names=True)
        html = client.get(reverse("submissions:gallery", args=[contest.slug])).content.decode()
        assert "Lò Thị Alice" in html
        assert "Nhóm Bản Mòng (Quàng Văn Bob, Lò Thị Alice)" in html

    def test_it_never_shows_personal_data(self, client, contest, published):
        Contest.objects.filter(pk=contest.pk).update(shows_author_names=True)
        html = client.get(reverse("submissions:gallery", args=[contest.slug])).content.decode()
        for secret in (ALICE_ID[0], BOB_ID[0], "0912345678", "alice@example.com"):
            assert secret not in html

    def test_the_menu_links_to_it_once_published(self, client, contest, finalists, dana):
        gallery_link = f'href="{reverse("submissions:gallery", args=[contest.slug])}"'
        assert gallery_link not in client.get("/test-contest/").content.decode()
        finalists_publish(contest=contest, user=dana)
        assert gallery_link in client.get("/test-contest/").content.decode()

    @pytest.mark.parametrize("count", [1, 5])
    def test_its_queries_do_not_grow_with_the_finalists(
        self, client, contest, alice, register, submit, dana, count, django_assert_num_queries
    ):
        Contest.objects.filter(pk=contest.pk).update(shows_author_names=True, clips_per_author=5)
        registration = register(
            alice,
            "Lò Thị Alice",
            ALICE_ID,
            group_name="Nhóm Chiềng Lề",
            coauthors=[
                {
                    "full_name": "Quàng Văn Bob",
                    "email": "bob@example.com",
                    "date_of_birth": BOB_ID[1],
                    "id_number": BOB_ID[0],
                }
            ],
        )
        for number in range(count):
            _set_status(submit(registration, title=f"Clip {number}"), Status.SHORTLISTED)
        close_entries(contest)
        finalists_publish(contest=contest, user=dana)
        # The contest with its final round, the finalists with their genres and registrations, their
        # authors, and the audience vote's dates.
        with django_assert_num_queries(4):
            response = client.get(reverse("submissions:gallery", args=[contest.slug]))
        assert response.content.decode().count('class="finalist card"') == count


class TestTheSharePage:
    def test_it_carries_open_graph_tags_with_absolute_urls(self, client, published):
        finalist = published[0]
        response = client.get(reverse("submissions:finalist", args=[finalist.contest.slug, finalist.code]))
        assert response.status_code == 200
        tags = _meta_tags(response)
        assert tags["og:type"] == "video.other"
        assert tags["og:title"] == finalist.title
        assert finalist.code in tags["og:description"]
        assert tags["og:url"] == f"http://testserver/test-contest/chung-ket/{finalist.code}/"
        assert re.fullmatch(
            rf"http://testserver/test-contest/chung-ket/{finalist.code}/anh-chia-se\.jpg\?v=[0-9a-f]{{16}}",
            tags["og:image"],
        )
        assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
        assert tags["og:video"] == f"http://testserver/media-rieng/{finalist.code}/xem-truoc.mp4"
        assert tags["og:video:type"] == "video/mp4"
        assert tags["twitter:card"] == "summary_large_image"
        assert tags["twitter:image"] == tags["og:image"]

    def test_its_image_and_video_are_there_for_anyone(self, client, published):
        finalist = published[0]
        tags = _meta_tags(client.get(reverse("submissions:finalist", args=[finalist.contest.slug, finalist.code])))
        image = client.get(tags["og:image"])
        assert image.status_code == 200
        assert Image.open(io.BytesIO(_content(image))).size == (1200, 630)
        assert client.get(tags["og:video"], HTTP_RANGE="bytes=0-1").status_code == 206

    def test_it_names_the_authors_only_when_allowed(self, client, contest, published):
        url = reverse("submissions:finalist", args=[published[1].contest.slug, published[1].code])
        assert "Quàng Văn Bob" not in client.get(url).content.decode()
        Contest.objects.filter(pk=contest.pk).update(shows_author_names=True)
        tags = _meta_tags(client.get(url))
        assert "Nhóm Bản Mòng" in tags["og:description"]

    def test_it_is_not_found_before_publication(self, client, finalists):
        assert (
            client.get(
                reverse("submissions:finalist", args=[finalists[0].contest.slug, finalists[0].code])
            ).status_code
            == 404
        )

    def test_a_clip_that_is_not_a_finalist_has_none(self, client, published, clips):
        other = _set_status(clips[2], Status.NOT_SELECTED)
        assert (
            client.get(reverse("submissions:finalist", args=[other.contest.slug, other.code])).status_code == 404
        )
        assert (
            client.get(reverse("submissions:share_image", args=[other.contest.slug, other.code])).status_code
            == 404
        )


class TestTheShareImage:
    def _get(self, client, finalist):
        tags = _meta_tags(client.get(reverse("submissions:finalist", args=[finalist.contest.slug, finalist.code])))
        return client.get(tags["og:image"])

    def test_it_is_a_1200_by_630_jpeg_cached_for_good(self, client, published):
        response = self._get(client, published[0])
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "immutable" in response["Cache-Control"]
        image = Image.open(io.BytesIO(_content(response)))
        assert (image.format, image.size) == ("JPEG", (1200, 630))

    def test_an_address_without_the_version_is_cached_briefly(self, client, published):
        response = client.get(
            reverse("submissions:share_image", args=[published[0].contest.slug, published[0].code])
        )
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=300"

    def test_it_is_drawn_once_and_again_when_the_title_changes(self, client, contest, published):
        finalist = published[0]
        folder = f"share/{contest.slug}"
        first = _content(self._get(client, finalist))
        assert _content(self._get(client, finalist)) == first
        (drawn,) = default_storage.listdir(folder)[1]

        Submission.objects.filter(pk=finalist.pk).update(title="Một tên mới cho clip")
        second = _content(self._get(client, finalist))
        assert second != first
        (redrawn,) = [name for name in default_storage.listdir(folder)[1] if name.startswith(finalist.code)]
        assert redrawn != drawn

    def test_the_title_is_drawn_in_a_font_with_vietnamese_letters(self):
        font, lines = drawing._fit_title("Chuyển đổi số ở bản Mòng", 1080)
        assert isinstance(font, ImageFont.FreeTypeFont)
        assert font.getname() == ("Noto Sans", "Bold")
        assert lines == ["Chuyển đổi số ở bản Mòng"]
        # A letter the font lacks is drawn as the same empty box; each Vietnamese letter must be its own.
        missing = _drawn(font, "\ue000")
        for letter in VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper():
            assert _drawn(font, letter) != missing, letter

    def test_the_marks_of_a_vietnamese_title_show(self):
        plain = Image.open(io.BytesIO(draw_share_image(background=None, title="Chuyen doi so", details="X")))
        marked = Image.open(io.BytesIO(draw_share_image(background=None, title="Chuyển đổi số", details="X")))
        assert ImageChops.difference(plain, marked).getbbox() is not None

    def test_a_title_typed_with_separate_marks_draws_as_a_composed_one(self):
        composed = draw_share_image(background=None, title="Bản Mòng", details="X")
        decomposed = draw_share_image(background=None, title="Ba\u0309n Mo\u0300ng", details="X")
        assert composed == decomposed

    def test_a_very_long_title_is_cut_with_an_ellipsis(self):
        font, lines = drawing._fit_title("Chuyển đổi số " * 30, 1080)
        assert len(lines) == 3
        assert lines[-1].endswith("…")
        assert all(font.getlength(line) <= 1080 for line in lines)

    def test_a_long_contest_name_is_cut_to_the_image(self):
        font = ImageFont.truetype(str(drawing.TEXT_FONT), 30)
        line = drawing._ellipsized("Cuộc thi Chuyển đổi số tỉnh Sơn La " * 10, font, 1080)
        assert line.endswith("…")
        assert font.getlength(line) <= 1080

    def test_it_is_drawn_without_a_thumbnail_too(self, client, published):
        Submission.objects.filter(pk=published[0].pk).update(thumbnail="")
        response = self._get(client, published[0])
        assert Image.open(io.BytesIO(_content(response))).size == (1200, 630)


class TestPublicPreviews:
    def test_anyone_plays_a_published_finalists_preview(self, client, published, preview_bytes):
        url = reverse("submissions:preview", args=[published[0].code])
        whole = client.get(url)
        assert whole.status_code == 200
        assert _content(whole) == preview_bytes
        part = client.get(url, HTTP_RANGE="bytes=100-199")
        assert part.status_code == 206
        assert _content(part) == preview_bytes[100:200]
        assert client.get(reverse("submissions:thumbnail", args=[published[0].code])).status_code == 200

    def test_the_original_and_documents_stay_private(self, client, published, bob):
        finalist = published[0]
        assert client.get(reverse("submissions:original", args=[finalist.code])).status_code == 404
        client.force_login(bob)
        assert client.get(reverse("submissions:original", args=[finalist.code])).status_code == 404

    def test_an_unpublished_finalists_preview_is_private(self, client, finalists):
        for name in ("preview", "thumbnail"):
            assert client.get(reverse(f"submissions:{name}", args=[finalists[0].code])).status_code == 404

    def test_a_clip_not_chosen_stays_private_after_publication(self, client, published, clips):
        other = _set_status(clips[2], Status.NOT_SELECTED)
        for name in ("preview", "thumbnail"):
            assert client.get(reverse(f"submissions:{name}", args=[other.code])).status_code == 404


class TestTheFanpagePack:
    def _download(self, client, contest):
        response = client.get(reverse("submissions:fanpage_pack", args=[contest.slug]))
        assert response.status_code == 200
        return response, zipfile.ZipFile(io.BytesIO(_content(response)))

    def test_it_holds_each_finalists_preview_image_and_caption(self, client, contest, published, erin):
        client.force_login(erin)
        response, archive = self._download(client, contest)
        assert response.streaming
        assert response["Content-Type"] == "application/zip"
        assert response["Content-Disposition"] == f'attachment; filename="goi-fanpage-{contest.slug}.zip"'
        expected = ["chu-thich.csv", "chu-thich.txt"]
        for finalist in published:
            expected += [f"{finalist.code}/{finalist.code}.{suffix}" for suffix in ("jpg", "mp4", "txt")]
        assert sorted(archive.namelist()) == sorted(expected)

    def test_its_files_are_the_preview_and_the_share_image(self, client, contest, published, dana, preview_bytes):
        client.force_login(dana)
        _, archive = self._download(client, contest)
        code = published[0].code
        assert archive.read(f"{code}/{code}.mp4") == preview_bytes
        image = Image.open(io.BytesIO(archive.read(f"{code}/{code}.jpg")))
        assert (image.format, image.size) == ("JPEG", (1200, 630))

    def test_its_captions_are_in_vietnamese_with_the_share_page(self, client, contest, published, dana):
        client.force_login(dana)
        _, archive = self._download(client, contest)
        finalist = published[0]
        caption = archive.read(f"{finalist.code}/{finalist.code}.txt").decode()
        assert finalist.title in caption
        assert f"Mã clip: {finalist.code}" in caption
        assert f"Thể loại: {finalist.genre.name}" in caption
        assert contest.short_name in caption
        assert f"http://testserver/test-contest/chung-ket/{finalist.code}/" in caption
        assert "Chia sẻ" in caption
        assert "Tác giả" not in caption
        assert caption.strip() in archive.read("chu-thich.txt").decode()

    def test_its_csv_lists_every_caption_and_names_authors_when_allowed(self, client, contest, published, dana):
        Contest.objects.filter(pk=contest.pk).update(shows_author_names=True)
        client.force_login(dana)
        _, archive = self._download(client, contest)
        text = archive.read("chu-thich.csv").decode("utf-8")
        assert text.startswith("\ufeff")
        header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert header[0] == "Mã clip"
        assert [row[0] for row in rows] == [finalist.code for finalist in published]
        assert rows[1][3] == "Nhóm Bản Mòng (Quàng Văn Bob, Lò Thị Alice)"
        assert "Tác giả: Nhóm Bản Mòng" in rows[1][-1]

    @pytest.mark.parametrize(("title", "cell", "caption_start"), FORMULA_TITLES)
    def test_its_csv_writes_a_title_that_looks_like_a_formula_after_an_apostrophe(
        self, client, contest, published, dana, title, cell, caption_start
    ):
        Submission.objects.filter(pk=published[0].pk).update(title=title)
        client.force_login(dana)
        _, archive = self._download(client, contest)
        text = archive.read("chu-thich.csv").decode("utf-8")
        _header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert rows[0][1] == cell
        assert rows[0][-1].startswith(caption_start)
        assert rows[1][1] == "Nông sản Sơn La lên sàn"
        assert rows[1][-1].startswith("Nông sản Sơn La lên sàn\n")

    def test_a_finalist_without_a_preview_still_gets_its_caption(self, client, contest, published, dana):
        Submission.objects.filter(pk=published[0].pk).update(preview="")
        client.force_login(dana)
        _, archive = self._download(client, contest)
        code = published[0].code
        assert f"{code}/{code}.txt" in archive.namelist()
        assert f"{code}/{code}.mp4" not in archive.namelist()

    def test_it_can_be_prepared_before_publication(self, client, contest, finalists, dana):
        client.force_login(dana)
        _, archive = self._download(client, contest)
        assert f"{finalists[0].code}/{finalists[0].code}.txt" in archive.namelist()

    @pytest.mark.parametrize("who", ["anonymous", "alice"])
    def test_no_one_else_gets_it(self, client, contest, published, who, request):
        if who != "anonymous":
            client.force_login(request.getfixturevalue(who))
        # Nobody who works on no contest finds the pack at all.
        assert client.get(reverse("submissions:fanpage_pack", args=[contest.slug])).status_code == 404
