"""The entrant's pages over HTTP: who may see what, status codes, and bad input that never gives a 500."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from submissions.models import Registration, Submission
from tests.clips import make_clip, make_jpeg
from tests.conftest import ALICE_ID, BOB_ID, registration_post

pytestmark = pytest.mark.django_db


def _clip_post(contest, clip_file, **changes):
    data = {"title": "Bản em lên số", "genre": contest.genres.first().pk, "summary": "Tóm tắt", "clip": clip_file}
    data.update(changes)
    return data


class TestPublicPages:
    def test_the_landing_page_shows_the_contest_in_vietnamese(self, client, contest):
        response = client.get("/test-contest/")
        assert response.status_code == 200
        html = response.content.decode()
        assert '<html lang="vi">' in html
        assert contest.name in html
        assert "5.000.000 đ" in html
        assert "Bằng khen của Chủ tịch UBND tỉnh" in html
        assert 'data-deadline="' in html
        assert "cuocthichuyendoiso@sonla.gov.vn" in html

    def test_the_landing_page_speaks_english_when_asked(self, client, contest):
        response = client.get("/test-contest/", HTTP_ACCEPT_LANGUAGE="en")
        html = response.content.decode()
        assert '<html lang="en">' in html
        assert "5,000,000" in html

    def test_the_rules_page_states_the_limit_the_rounds_and_the_prizes(self, client, contest):
        html = client.get(reverse("submissions:rules", args=[contest.slug])).content.decode()
        for text in (
            contest.preliminary_round,
            contest.final_round,
            contest.legal_basis.splitlines()[0],
            "3.000.000 đ",
        ):
            assert text in html

    def test_the_fanpage_qr_code_is_an_svg(self, client, contest):
        response = client.get(reverse("submissions:fanpage_qr", args=[contest.slug]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert response.content.lstrip().startswith(b"<?xml") or b"<svg" in response.content[:200]

    def test_without_a_published_contest_the_front_page_says_so(self, client, db):
        response = client.get("/")
        assert response.status_code == 200
        assert "Hiện chưa có cuộc thi nào đang mở" in response.content.decode()

    def test_an_unknown_contest_is_a_404(self, client, contest):
        assert client.get("/khong-co-cuoc-thi-nay/").status_code == 404


class TestLoginRequired:
    @pytest.mark.parametrize(
        "name", ["submissions:my_clips", "submissions:registration", "submissions:submission_new"]
    )
    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, contest, name):
        response = client.get(reverse(name, args=[contest.slug]))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


class TestRegistrationForm:
    def test_it_saves_the_form_with_normalised_numbers(self, client, contest, alice):
        client.force_login(alice)
        response = client.post(
            reverse("submissions:registration", args=[contest.slug]), registration_post(contest)
        )
        assert response.status_code == 302
        registration = Registration.objects.get(user=alice)
        assert (registration.id_number, registration.phone) == ("014190001234", "0912345678")

    def test_it_shows_why_an_id_number_does_not_match(self, client, contest, alice):
        client.force_login(alice)
        response = client.post(
            reverse("submissions:registration", args=[contest.slug]), registration_post(contest, gender="male")
        )
        assert response.status_code == 400
        assert "gender" in response.content.decode() or "giới tính" in response.content.decode()
        assert not Registration.objects.exists()

    def test_the_declarations_are_required(self, client, contest, alice):
        client.force_login(alice)
        response = client.post(
            reverse("submissions:registration", args=[contest.slug]), registration_post(contest, accepts_rules="")
        )
        assert response.status_code == 400
        assert not Registration.objects.exists()

    def test_garbage_gives_a_400_not_a_500(self, client, contest, alice):
        client.force_login(alice)
        garbage = registration_post(
            contest,
            locality="'; DROP TABLE x;--",
            category="9999999",
            date_of_birth="31/31/31",
            **{"coauthors-TOTAL_FORMS": "abc"},
        )
        response = client.post(reverse("submissions:registration", args=[contest.slug]), garbage)
        assert response.status_code == 400
        assert not Registration.objects.exists()

    def test_a_group_lists_its_co_authors(self, client, contest, alice):
        client.force_login(alice)
        data = registration_post(
            contest,
            group_name="Nhóm Bản Mòng",
            **{
                "coauthors-0-full_name": "Cầm Văn Bob",
                "coauthors-0-email": "bob@example.com",
                "coauthors-0-date_of_birth": "1985-02-03",
                "coauthors-0-id_number": BOB_ID[0],
                "coauthors-0-organisation": "",
                "coauthors-0-phone": "",
            },
        )
        assert client.post(reverse("submissions:registration", args=[contest.slug]), data).status_code == 302
        assert Registration.objects.get().id_numbers() == {ALICE_ID[0], BOB_ID[0]}

    def test_a_co_author_listed_twice_is_refused(self, client, contest, alice):
        client.force_login(alice)
        coauthor = {"full_name": "Cầm Văn Bob", "date_of_birth": "1985-02-03", "id_number": BOB_ID[0]}
        data = registration_post(contest, group_name="Nhóm", **{"coauthors-TOTAL_FORMS": "2"})
        for i in range(2):
            data.update({f"coauthors-{i}-{k}": v for k, v in coauthor.items()})
        assert client.post(reverse("submissions:registration", args=[contest.slug]), data).status_code == 400

    def test_after_the_deadline_the_form_cannot_be_saved(self, client, contest, alice, register):
        register(alice, "Lò Thị Alice", ALICE_ID)
        contest.closes_at = timezone.now() - datetime.timedelta(seconds=1)
        contest.opens_at = contest.closes_at - datetime.timedelta(days=30)
        contest.save()
        client.force_login(alice)
        response = client.post(
            reverse("submissions:registration", args=[contest.slug]), registration_post(contest, full_name="Khác")
        )
        assert response.status_code == 403
        assert Registration.objects.get().full_name == "Lò Thị Alice"


class TestSubmitting:
    def test_without_a_registration_the_entrant_is_sent_to_the_form(self, client, contest, alice):
        client.force_login(alice)
        response = client.get(reverse("submissions:submission_new", args=[contest.slug]))
        assert response.status_code == 302 and response.url == reverse(
            "submissions:registration", args=[contest.slug]
        )

    def test_a_clip_is_received_and_the_receipt_shown(self, client, contest, alice, register, clip_path):
        register(alice, "Lò Thị Alice", ALICE_ID)
        client.force_login(alice)
        with open(clip_path, "rb") as clip:
            response = client.post(
                reverse("submissions:submission_new", args=[contest.slug]), _clip_post(contest, clip)
            )
        submission = Submission.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("submissions:receipt", args=[submission.contest.slug, submission.code])
        receipt = client.get(response.url).content.decode()
        assert submission.code in receipt and submission.sha256 in receipt

    def test_a_renamed_jpeg_is_refused_with_415(self, client, contest, alice, register, tmp_path):
        register(alice, "Lò Thị Alice", ALICE_ID)
        client.force_login(alice)
        with open(make_jpeg(tmp_path / "clip.mp4"), "rb") as clip:
            response = client.post(
                reverse("submissions:submission_new", args=[contest.slug]), _clip_post(contest, clip)
            )
        assert response.status_code == 415
        assert "JPEG" in response.content.decode()
        assert not Submission.objects.exists()

    def test_a_missing_clip_or_title_is_a_400(self, client, contest, alice, register):
        register(alice, "Lò Thị Alice", ALICE_ID)
        client.force_login(alice)
        response = client.post(
            reverse("submissions:submission_new", args=[contest.slug]), {"title": "", "genre": "x", "summary": ""}
        )
        assert response.status_code == 400
        assert not Submission.objects.exists()

    def test_a_fourth_clip_is_a_409(self, client, contest, alice, register, submit, clip_path):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        for _ in range(3):
            submit(registration)
        client.force_login(alice)
        with open(clip_path, "rb") as clip:
            response = client.post(
                reverse("submissions:submission_new", args=[contest.slug]), _clip_post(contest, clip)
            )
        assert response.status_code == 409
        assert Submission.objects.count() == 3

    def test_after_the_deadline_a_clip_is_a_403(self, client, contest, alice, register, clip_path):
        register(alice, "Lò Thị Alice", ALICE_ID)
        contest.closes_at = timezone.now() - datetime.timedelta(seconds=1)
        contest.opens_at = contest.closes_at - datetime.timedelta(days=30)
        contest.save()
        client.force_login(alice)
        with open(clip_path, "rb") as clip:
            response = client.post(
                reverse("submissions:submission_new", args=[contest.slug]), _clip_post(contest, clip)
            )
        assert response.status_code == 403
        assert not Submission.objects.exists()

    def test_an_oversized_upload_is_stopped_with_413(self, client, contest, alice, register, tmp_path, settings):
        register(alice, "Lò Thị Alice", ALICE_ID)
        settings.UPLOAD_MAX_BYTES = 10_000
        client.force_login(alice)
        with open(make_clip(tmp_path / "big.mp4", seconds=3, width=640, height=480), "rb") as clip:
            response = client.post(
                reverse("submissions:submission_new", args=[contest.slug]), _clip_post(contest, clip)
            )
        assert response.status_code == 413
        assert not Submission.objects.exists()


class TestSomeoneElsesClip:
    @pytest.fixture
    def alices_clip(self, alice, register, submit):
        return submit(register(alice, "Lò Thị Alice", ALICE_ID))

    @pytest.mark.parametrize("name", ["submissions:receipt", "submissions:edit"])
    def test_another_entrant_gets_a_404(self, client, bob, alices_clip, name):
        client.force_login(bob)
        assert client.get(reverse(name, args=[alices_clip.contest.slug, alices_clip.code])).status_code == 404

    def test_another_entrant_gets_a_404_for_its_thumbnail(self, client, bob, alices_clip):
        client.force_login(bob)
        assert client.get(reverse("submissions:thumbnail", args=[alices_clip.code])).status_code == 404

    def test_another_entrant_cannot_withdraw_it(self, client, bob, alices_clip):
        client.force_login(bob)
        assert (
            client.post(
                reverse("submissions:withdraw", args=[alices_clip.contest.slug, alices_clip.code])
            ).status_code
            == 404
        )
        alices_clip.refresh_from_db()
        assert alices_clip.status == Submission.Status.RECEIVED

    def test_withdrawing_needs_a_post(self, client, alice, alices_clip):
        client.force_login(alice)
        assert (
            client.get(
                reverse("submissions:withdraw", args=[alices_clip.contest.slug, alices_clip.code])
            ).status_code
            == 405
        )

    def test_the_owner_withdraws_it(self, client, alice, alices_clip):
        client.force_login(alice)
        response = client.post(reverse("submissions:withdraw", args=[alices_clip.contest.slug, alices_clip.code]))
        assert response.status_code == 302
        alices_clip.refresh_from_db()
        assert alices_clip.status == Submission.Status.WITHDRAWN

    def test_the_owner_edits_the_details(self, client, contest, alice, alices_clip):
        client.force_login(alice)
        genre = contest.genres.last()
        response = client.post(
            reverse("submissions:edit", args=[alices_clip.contest.slug, alices_clip.code]),
            {"title": "Tên mới", "genre": genre.pk, "summary": "Tóm tắt mới"},
        )
        assert response.status_code == 302
        alices_clip.refresh_from_db()
        assert (alices_clip.title, alices_clip.genre) == ("Tên mới", genre)


class TestMyClips:
    def test_it_lists_code_title_status_and_size(self, contest, client, alice, register, submit):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        client.force_login(alice)
        html = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()
        assert submission.code in html and submission.title in html

    def test_its_query_count_does_not_grow_with_the_number_of_clips(
        self, contest, client, alice, register, submit
    ):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        client.force_login(alice)
        counts = []
        # Up to two: with the third, the page asks the service who has no clip left, once.
        for _ in range(2):
            submit(registration)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("submissions:my_clips", args=[contest.slug])).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]


class TestMediaStateOfMyClips:
    """What My clips and the receipt ask while a preview is being made (static/js/media-state.js)."""

    def test_it_tells_the_state_of_the_users_own_clips_only(self, contest, client, alice, bob, register, submit):
        mine = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        theirs = submit(register(bob, "Cầm Văn Bob", BOB_ID))
        Submission.objects.filter(pk=theirs.pk).update(media_state=Submission.MediaState.READY)
        client.force_login(alice)

        response = client.get(reverse("submissions:my_clips_media", args=[contest.slug]))

        assert response.status_code == 200
        assert response.json() == {mine.code: "processing"}
        assert response["Cache-Control"] == "no-store"
        Submission.objects.filter(pk=mine.pk).update(media_state=Submission.MediaState.READY)
        assert client.get(reverse("submissions:my_clips_media", args=[contest.slug])).json() == {
            mine.code: "ready"
        }

    def test_it_needs_a_login(self, contest, client):
        response = client.get(reverse("submissions:my_clips_media", args=[contest.slug]))
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]

    def test_pages_with_a_clip_in_the_works_carry_the_script_and_the_address_to_ask(
        self, contest, client, alice, register, submit
    ):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        client.force_login(alice)
        address = reverse("submissions:my_clips_media", args=[contest.slug])
        for page in (
            reverse("submissions:my_clips", args=[contest.slug]),
            reverse("submissions:receipt", args=[contest.slug, submission.code]),
        ):
            html = client.get(page).content.decode()
            assert f'data-media-url="{address}"' in html
            assert f'data-media-state="processing" data-code="{submission.code}"' in html
            assert "js/media-state" in html


def test_an_oversized_upload_with_csrf_checks_on_is_still_a_413(contest, alice, register, tmp_path, settings):
    """The CSRF check reads the body first; the entrant must still be told the file is too large."""
    from django.test import Client

    register(alice, "Lò Thị Alice", ALICE_ID)
    settings.UPLOAD_MAX_BYTES = 10_000
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(reverse("submissions:submission_new", args=[contest.slug]))
    token = client.cookies["csrftoken"].value
    with open(make_clip(tmp_path / "big.mp4", seconds=3, width=640, height=480), "rb") as clip:
        response = client.post(
            reverse("submissions:submission_new", args=[contest.slug]),
            _clip_post(contest, clip, csrfmiddlewaretoken=token),
        )
    assert response.status_code == 413
    assert not Submission.objects.exists()


def test_a_decision_shows_only_once_the_entrant_was_told(client, contest, alice, register, submit):
    submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.NOT_SELECTED, decided_at=timezone.now(), decision_reason="Lạc đề"
    )
    client.force_login(alice)
    for name in ("submissions:my_clips", "submissions:receipt"):
        args = [contest.slug] if name.endswith("my_clips") else [contest.slug, submission.code]
        html = client.get(reverse(name, args=args)).content.decode()
        assert 'data-status="not_selected"' not in html and "không được chọn" not in html.lower()
    Submission.objects.filter(pk=submission.pk).update(decision_notified_at=timezone.now())
    html = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()
    assert 'data-status="not_selected"' in html
    assert "Lạc đề" in html
