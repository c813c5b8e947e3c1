"""Screening in the admin: the Standing Office's list, the screening page per clip, decisions one by one and in
bulk, and who may reach any of it."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contest_portal.mail.models import OutgoingMail
from judging.son_la_2024 import load_son_la_2024
from submissions.models import (
    ClipGenre,
    CoAuthor,
    Registration,
    ScreeningReview,
    Submission,
    SubmissionDocument,
    SubmissionEvent,
)
from submissions.screening import screening_review_save, submission_decide
from submissions.services import submission_authors_record, submission_withdraw
from tests.clips import make_jpeg
from tests.conftest import ALICE_ID, BOB_ID, CHARLIE_ID, close_entries
from tests.staff import make_staff

pytestmark = pytest.mark.django_db

Status = Submission.Status
CHANGELIST = reverse("admin:submissions_submission_changelist")


def _screen_url(submission):
    return reverse("admin:submissions_submission_screen", args=[submission.pk])


def _decide_url(submission):
    return reverse("admin:submissions_submission_decide", args=[submission.pk])


def _decision_mails():
    """The registrants' decision mails; a co-author with an address gets a copy of each
    (tests/mail/test_decision_mail_coauthors.py)."""
    return OutgoingMail.objects.filter(kind__startswith="decision_").exclude(dedupe_key__contains=":coauthor:")


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def _as(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def office2(db):
    return make_staff("vanphong2@example.com", "office", full_name="Quàng Thị Hoa")


@pytest.fixture
def office_client(client, office):
    return _as(client, office)


@pytest.fixture
def committee_client(client, committee):
    return _as(client, committee)


@pytest.fixture
def three_clips(contest, alice, bob, charlie, register, submit):
    """Three clips waiting for a decision, in code order: Alice's (with a co-author), Bob's, Charlie's."""
    return [
        submit(
            register(
                alice,
                "Lò Thị Alice",
                ALICE_ID,
                group_name="Nhóm Bản Mòng",
                coauthors=[
                    {
                        "full_name": "Tòng Văn Dũng",
                        "email": "bob@example.com",
                        "date_of_birth": BOB_ID[1],
                        "id_number": BOB_ID[0],
                    }
                ],
            ),
            title="Chợ phiên số hoá",
        ),
        submit(register(bob, "Cầm Văn Bob", BOB_ID), title="Bản em lên mạng"),
        submit(register(charlie, "Hà Thị Charlie", CHARLIE_ID), title="Ruộng bậc thang thông minh"),
    ]


@pytest.fixture
def clip(three_clips):
    return three_clips[0]


class TestWhoMayReachScreening:
    @pytest.fixture
    def urls(self, clip):
        return [CHANGELIST, _screen_url(clip), reverse("admin:submissions_submission_change", args=[clip.pk])]

    def test_anonymous_visitors_are_sent_to_the_admin_login(self, client, urls):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("admin:login")), url

    def test_entrants_are_sent_to_the_admin_login_even_for_their_own_clip(self, client, alice, urls):
        client.force_login(alice)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("admin:login")), url

    def test_a_juror_is_refused(self, client, judge, urls, clip):
        client.force_login(judge)
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert client.post(_decide_url(clip), {"decision": "shortlisted"}).status_code == 403
        assert client.post(_screen_url(clip), {"recommendation": "shortlist"}).status_code == 403
        assert not ScreeningReview.objects.exists()
        clip.refresh_from_db()
        assert clip.status == Status.RECEIVED

    def test_nobody_but_screeners_and_the_owner_gets_the_media(self, client, clip, bob, judge, office):
        Submission.objects.filter(pk=clip.pk).update(
            preview=clip.clip.name, thumbnail=clip.clip.name
        )  # any stored file will do
        media = [reverse(f"submissions:{name}", args=[clip.code]) for name in ("original", "preview", "thumbnail")]
        for user in (None, bob, judge):
            client.logout()
            if user:
                client.force_login(user)
            for url in media:
                assert client.get(url).status_code == 404, (user, url)
        client.force_login(office)
        for url in media:
            assert client.get(url).status_code == 200, url

    def test_a_screener_cannot_change_the_contest_settings(self, office_client, contest):
        url = reverse("admin:submissions_contest_change", args=[contest.pk])

        assert office_client.get(url).status_code == 403
        assert office_client.post(url, {"name": "Đổi tên"}).status_code == 403
        assert office_client.get(reverse("admin:submissions_contest_changelist")).status_code == 403
        contest.refresh_from_db()
        assert contest.name != "Đổi tên"

    def test_a_screener_cannot_change_accounts_or_groups(self, office_client):
        assert office_client.get(reverse("admin:accounts_user_changelist")).status_code == 403
        assert office_client.get(reverse("admin:auth_group_changelist")).status_code == 403

    def test_nothing_is_added_or_deleted_and_the_record_is_read_only(self, committee_client, clip):
        change = reverse("admin:submissions_submission_change", args=[clip.pk])

        assert committee_client.get(reverse("admin:submissions_submission_add")).status_code == 403
        assert (
            committee_client.post(
                reverse("admin:submissions_submission_delete", args=[clip.pk]), {"post": "yes"}
            ).status_code
            == 403
        )
        assert 'name="title"' not in committee_client.get(change).content.decode()
        assert committee_client.post(change, {"title": "Khác", "status": "shortlisted"}).status_code == 403
        clip.refresh_from_db()
        assert (clip.title, clip.status) == ("Chợ phiên số hoá", Status.RECEIVED)
        assert "delete_selected" not in committee_client.get(CHANGELIST).content.decode()


class TestPersonalData:
    def test_the_screening_page_masks_id_numbers_without_the_permission(self, office_client, clip):
        html = office_client.get(_screen_url(clip)).content.decode()

        assert ALICE_ID[0] not in html and BOB_ID[0] not in html
        assert "014******234" in html  # Alice
        assert "014******321" in html  # her co-author
        assert "alice@example.com" not in html and "0912345678" not in html

    def test_the_committee_sees_them_whole(self, committee_client, clip):
        html = committee_client.get(_screen_url(clip)).content.decode()

        assert ALICE_ID[0] in html and BOB_ID[0] in html
        assert "alice@example.com" in html

    def test_the_registration_admin_masks_them_without_the_permission(self, office_client, clip):
        registration = clip.registration
        change = office_client.get(reverse("admin:submissions_registration_change", args=[registration.pk]))
        changelist = office_client.get(reverse("admin:submissions_registration_changelist"))

        for html in (change.content.decode(), changelist.content.decode()):
            assert ALICE_ID[0] not in html and BOB_ID[0] not in html
            assert "014******234" in html
        assert "014******321" in change.content.decode()
        assert "0912345678" not in change.content.decode()

    def test_the_registration_admin_shows_them_to_the_committee(self, committee_client, clip):
        registration = clip.registration
        change = committee_client.get(reverse("admin:submissions_registration_change", args=[registration.pk]))
        changelist = committee_client.get(reverse("admin:submissions_registration_changelist"))

        assert ALICE_ID[0] in change.content.decode() and BOB_ID[0] in change.content.decode()
        assert ALICE_ID[0] in changelist.content.decode()
        assert 'name="id_number"' not in change.content.decode()


class TestScreeningPage:
    def test_it_plays_the_preview_with_the_thumbnail_as_poster(self, office_client, clip, tmp_path):
        clip.preview.save("preview.mp4", ContentFile(b"not really a video"), save=False)
        clip.thumbnail.save("thumb.jpg", ContentFile(make_jpeg(tmp_path / "t.jpg").read_bytes()), save=False)
        Submission.objects.filter(pk=clip.pk).update(preview=clip.preview.name, thumbnail=clip.thumbnail.name)

        html = office_client.get(_screen_url(clip)).content.decode()

        assert "<video" in html and "controls" in html and 'preload="metadata"' in html and "playsinline" in html
        assert f'src="{reverse("submissions:preview", args=[clip.code])}"' in html
        assert f'poster="{reverse("submissions:thumbnail", args=[clip.code])}"' in html

    def test_without_a_preview_it_says_it_is_being_made(self, office_client, clip):
        html = office_client.get(_screen_url(clip)).content.decode()

        assert "<video" not in html
        assert "The preview is being made" in html
        assert reverse("submissions:original", args=[clip.code]) in html

    def test_a_failed_preview_says_why(self, office_client, clip):
        Submission.objects.filter(pk=clip.pk).update(
            media_state=Submission.MediaState.FAILED,
            media_error="We could not read the whole clip: the file seems damaged.",
        )

        html = office_client.get(_screen_url(clip)).content.decode()

        assert "could not be processed" in html and "the file seems damaged" in html

    def test_it_shows_the_facts_flags_registration_and_documents(self, office_client, clip):
        Submission.objects.filter(pk=clip.pk).update(technical_flags=["no_audio", "portrait"])
        document = SubmissionDocument.objects.create(
            submission=clip, file="documents/x.pdf", original_filename="Kịch bản.pdf", size=1234, sha256="0" * 64
        )

        html = office_client.get(_screen_url(clip)).content.decode()

        for text in (
            clip.code,
            "Chợ phiên số hoá",
            clip.genre.name,
            "no sound",
            "portrait (vertical) picture",
            "Lò Thị Alice",
            "Nhóm Bản Mòng",
            "Tòng Văn Dũng",
            "Kịch bản.pdf",
            reverse("submissions:document", args=[clip.code, document.pk]),
        ):
            assert text in html, text

    def test_it_shows_the_other_screeners_recommendations(self, office_client, clip, office2):
        screening_review_save(
            submission=clip,
            reviewer=office2,
            recommendation="not_select",
            content_on_theme=False,
            content_note="Không nói về chuyển đổi số.",
            comment="Đề nghị loại.",
        )

        html = office_client.get(_screen_url(clip)).content.decode()

        assert "Quàng Thị Hoa" in html
        assert "Không nói về chuyển đổi số." in html and "Đề nghị loại." in html

    def test_a_screener_saves_the_checklist_and_a_recommendation(self, office_client, office, clip):
        response = office_client.post(
            _screen_url(clip),
            {
                "content_on_theme": "True",
                "content_note": "Đúng chủ đề.",
                "form_ok": "False",
                "form_note": "Dài quá.",
                "rules_compliance_ok": "True",
                "recommendation": "shortlist",
                "comment": "Nên chọn.",
                "_save": "Save",
            },
            follow=True,
        )

        assert response.redirect_chain[-1][0] == _screen_url(clip)
        assert f"Your recommendation on {clip.code} is saved." in _messages(response)
        review = ScreeningReview.objects.get(reviewer=office)
        assert (review.content_on_theme, review.form_ok, review.technical_quality_ok) == (True, False, None)
        assert (review.recommendation, review.comment, review.form_note) == ("shortlist", "Nên chọn.", "Dài quá.")
        # The form shows what was saved.
        html = response.content.decode()
        assert 'id="id_content_on_theme_0" checked' in html and 'id="id_form_ok_1" checked' in html

    def test_a_recommendation_is_required(self, office_client, clip):
        response = office_client.post(_screen_url(clip), {"content_on_theme": "True"})

        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        assert not ScreeningReview.objects.exists()

    def test_save_and_next_opens_the_next_clip_waiting(self, office_client, three_clips):
        first, second, _third = three_clips

        response = office_client.post(_screen_url(first), {"recommendation": "shortlist", "_next": "1"})

        assert response.status_code == 302
        assert response.url == _screen_url(second)

    def test_a_withdrawn_clip_is_shown_but_not_screenable(self, office_client, clip, alice):
        submission_withdraw(submission=clip, user=alice)

        html = office_client.get(_screen_url(clip)).content.decode()

        assert "it is not screened" in html
        assert 'id="screening-form"' not in html and 'name="decision"' not in html
        assert office_client.post(_screen_url(clip), {"recommendation": "shortlist"}).status_code == 403
        response = office_client.post(_decide_url(clip), {"decision": "shortlisted"}, follow=True)
        assert any("cannot become" in message for message in _messages(response))

    def test_the_history_is_on_the_page(self, office_client, clip, office):
        submission_decide(submission=clip, user=office, decision=Status.NOT_SELECTED, reason="Lạc đề rõ ràng.")
        submission_decide(submission=clip, user=office, decision=Status.SHORTLISTED)

        html = office_client.get(_screen_url(clip)).content.decode()

        assert html.count('class="event-decided"') == 2
        assert "Lạc đề rõ ràng." in html and "Lò Văn Sàng" in html
        assert "received → not selected" in html and "not selected → finalist" in html


class TestQueue:
    def test_next_and_previous_walk_the_clips_waiting_in_code_order(self, office_client, three_clips):
        first, second, third = three_clips

        context = office_client.get(_screen_url(second)).context

        assert (context["previous"], context["next"]) == (first, third)
        assert context["queue_size"] == 2

    def test_decided_and_withdrawn_clips_are_skipped_and_the_walk_goes_round(
        self, office_client, office, three_clips, bob
    ):
        first, second, third = three_clips
        submission_withdraw(submission=second, user=bob)
        page = office_client.get(_screen_url(first)).context
        assert (page["previous"], page["next"]) == (third, third)

        submission_decide(submission=third, user=office, decision=Status.SHORTLISTED)
        page = office_client.get(_screen_url(first)).context
        assert (page["previous"], page["next"]) == (None, None)
        assert page["queue_size"] == 0

    def test_the_last_clip_leads_back_to_the_first(self, office_client, three_clips):
        first, _second, third = three_clips

        assert office_client.get(_screen_url(third)).context["next"] == first


class TestDecisionButtons:
    def test_a_screener_shortlists_and_moves_on_and_a_mail_is_drafted(self, office_client, office, three_clips):
        first, second, _third = three_clips

        response = office_client.post(_decide_url(first), {"decision": "shortlisted", "_next": "1"}, follow=True)

        assert response.redirect_chain[-1][0] == _screen_url(second)
        assert f"{first.code}: finalist." in _messages(response)
        first.refresh_from_db()
        assert (first.status, first.decided_by) == (Status.SHORTLISTED, office)
        mail = _decision_mails().get()
        assert (mail.state, mail.to, mail.kind) == (
            OutgoingMail.State.DRAFT,
            "alice@example.com",
            "decision_shortlisted",
        )

    def test_not_selected_without_a_reason_is_refused_with_a_message(self, office_client, clip):
        page = office_client.get(_screen_url(clip)).content.decode()
        assert 'name="reason" id="reason-not_selected" rows="3" cols="40" required' in page

        response = office_client.post(_decide_url(clip), {"decision": "not_selected", "reason": " "}, follow=True)

        assert response.status_code == 200
        assert "Give the reason: the entrant will read it." in _messages(response)
        clip.refresh_from_db()
        assert clip.status == Status.RECEIVED
        assert not _decision_mails().exists()

    def test_not_selected_with_a_reason_is_recorded(self, office_client, office, clip):
        office_client.post(_decide_url(clip), {"decision": "not_selected", "reason": "Lạc đề."})

        clip.refresh_from_db()
        assert (clip.status, clip.decision_reason) == (Status.NOT_SELECTED, "Lạc đề.")
        event = SubmissionEvent.objects.get(submission=clip)
        assert (event.actor, event.reason) == (office, "Lạc đề.")
        assert _decision_mails().get().kind == "decision_not_selected"

    def test_the_same_decision_posted_twice_changes_nothing(self, office_client, clip):
        office_client.post(_decide_url(clip), {"decision": "shortlisted"})
        clip.refresh_from_db()
        decided_at = clip.decided_at

        response = office_client.post(_decide_url(clip), {"decision": "shortlisted"}, follow=True)

        assert f"{clip.code} was already finalist: nothing changed." in _messages(response)
        clip.refresh_from_db()
        assert clip.decided_at == decided_at
        assert SubmissionEvent.objects.filter(submission=clip).count() == 1
        assert _decision_mails().count() == 1

    def test_only_the_committee_sees_and_may_use_disqualify(self, office_client, clip, client, committee):
        assert 'value="disqualified"' not in office_client.get(_screen_url(clip)).content.decode()

        response = office_client.post(
            _decide_url(clip), {"decision": "disqualified", "reason": "Sao chép."}, follow=True
        )

        assert response.status_code == 200
        assert "Only the Organizing Committee may disqualify a clip." in _messages(response)
        clip.refresh_from_db()
        assert clip.status == Status.RECEIVED

        committee_client = _as(client, committee)
        assert 'value="disqualified"' in committee_client.get(_screen_url(clip)).content.decode()
        committee_client.post(_decide_url(clip), {"decision": "disqualified", "reason": "Sao chép."})
        clip.refresh_from_db()
        assert clip.status == Status.DISQUALIFIED

    def test_a_told_decision_is_locked_for_the_office_and_open_to_the_committee(
        self, office_client, office, clip, client, committee
    ):
        submission_decide(submission=clip, user=office, decision=Status.NOT_SELECTED, reason="Lạc đề.")
        Submission.objects.filter(pk=clip.pk).update(decision_notified_at=timezone.now())

        page = office_client.get(_screen_url(clip)).content.decode()
        assert "only the Organizing Committee may change it" in page and 'name="decision"' not in page
        response = office_client.post(_decide_url(clip), {"decision": "shortlisted"}, follow=True)
        assert any("only the Organizing Committee may change the decision" in m for m in _messages(response))
        clip.refresh_from_db()
        assert clip.status == Status.NOT_SELECTED

        committee_client = _as(client, committee)
        assert "a change is recorded" in committee_client.get(_screen_url(clip)).content.decode()
        committee_client.post(_decide_url(clip), {"decision": "shortlisted"})
        clip.refresh_from_db()
        assert clip.status == Status.SHORTLISTED
        assert SubmissionEvent.objects.filter(submission=clip).last().action == "decision_changed_after_notice"

    def test_a_nonsense_decision_is_an_error_message_not_a_crash(self, office_client, clip):
        response = office_client.post(_decide_url(clip), {"decision": "withdrawn"}, follow=True)

        assert response.status_code == 200
        assert "Choose a decision." in _messages(response)

    def test_deciding_needs_a_post(self, office_client, clip):
        assert office_client.get(_decide_url(clip)).status_code == 405

    def test_a_broken_mail_template_leaves_the_decision_and_deciding_again_drafts_it(self, office_client, clip):
        from contest_portal.mail.models import MailTemplate
        from contest_portal.mail.services import mail_template_get

        mail_template_get(key="decision_shortlisted")
        MailTemplate.objects.filter(key="decision_shortlisted").update(body_text="{% if %}")

        response = office_client.post(_decide_url(clip), {"decision": "shortlisted"}, follow=True)

        clip.refresh_from_db()
        assert clip.status == Status.SHORTLISTED
        assert any("could not be drafted" in message for message in _messages(response))
        assert not _decision_mails().exists()

        MailTemplate.objects.filter(key="decision_shortlisted").update(body_text="Chúc mừng {{ submission.code }}")
        office_client.post(_decide_url(clip), {"decision": "shortlisted"})

        assert _decision_mails().get().body_text.strip() == f"Chúc mừng {clip.code}"


def _act(client, action, submissions, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [submission.pk for submission in submissions], **extra},
        follow=True,
    )


class TestBulkActions:
    def test_shortlisting_reports_what_changed_what_was_so_and_what_was_refused(
        self, office_client, office, three_clips, bob
    ):
        first, second, third = three_clips
        submission_decide(submission=first, user=office, decision=Status.SHORTLISTED)
        submission_withdraw(submission=second, user=bob)

        response = _act(office_client, "shortlist_selected", three_clips)

        messages = _messages(response)
        assert "1 clip is now finalist." in messages
        assert f"1 was finalist already: {first.code}." in messages
        assert any(m.startswith(f"{second.code} refused:") and "cannot become" in m for m in messages)
        assert [s.status for s in Submission.objects.order_by("sequence")] == [
            Status.SHORTLISTED,
            Status.WITHDRAWN,
            Status.SHORTLISTED,
        ]
        assert SubmissionEvent.objects.filter(
            submission=third, actor=office, to_status=Status.SHORTLISTED
        ).exists()
        # Drafts for the one that changed, and for the one decided before without a draft (drafting is idempotent).
        assert sorted(_decision_mails().values_list("to", flat=True)) == [
            "alice@example.com",
            "charlie@example.com",
        ]

    def test_not_selected_asks_for_one_reason_first(self, office_client, three_clips):
        response = _act(office_client, "not_selected_selected", three_clips[:2])

        assert response.status_code == 200
        html = response.content.decode()
        assert "These 2 clips will be marked not selected" in html
        assert three_clips[0].code in html and three_clips[1].code in html
        assert 'name="reason"' in html and "required" in html
        assert not SubmissionEvent.objects.exists()

    def test_not_selected_without_the_reason_asks_again(self, office_client, three_clips):
        response = _act(office_client, "not_selected_selected", three_clips[:2], post="yes", reason="  ")

        assert "This field is required." in response.content.decode()
        assert set(Submission.objects.values_list("status", flat=True)) == {Status.RECEIVED}

    def test_not_selected_with_the_reason_decides_each_one(self, office_client, three_clips):
        response = _act(
            office_client, "not_selected_selected", three_clips[:2], post="yes", reason="Chưa đúng thể lệ."
        )

        assert "2 clips are now not selected." in _messages(response)
        assert list(Submission.objects.order_by("sequence").values_list("status", "decision_reason")) == [
            (Status.NOT_SELECTED, "Chưa đúng thể lệ."),
            (Status.NOT_SELECTED, "Chưa đúng thể lệ."),
            (Status.RECEIVED, ""),
        ]
        assert _decision_mails().filter(kind="decision_not_selected").count() == 2

    def test_a_juror_has_no_action_to_take(self, client, judge, three_clips):
        client.force_login(judge)
        response = _act(client, "shortlist_selected", three_clips)

        assert response.status_code == 403
        assert set(Submission.objects.values_list("status", flat=True)) == {Status.RECEIVED}

    def test_the_selected_clips_export_as_csv_with_masked_id_numbers(self, office_client, three_clips):
        response = _act(office_client, "export_csv", three_clips[:2])

        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert response["Content-Type"].startswith("text/csv")
        assert three_clips[0].code in body and three_clips[1].code in body and three_clips[2].code not in body
        assert ALICE_ID[0] not in body and "014******234" in body

    def test_the_selected_clips_export_as_xlsx(self, office_client, three_clips):
        response = _act(office_client, "export_xlsx", three_clips)

        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TestPublication:
    def test_the_committee_confirms_then_publishes_the_finalists(self, committee_client, committee, three_clips):
        contest = three_clips[0].contest
        submission_decide(submission=three_clips[0], user=committee, decision=Status.SHORTLISTED)
        close_entries(contest)
        url = reverse("admin:submissions_submission_publish", args=[contest.slug])
        assert url in committee_client.get(CHANGELIST).content.decode()

        page = committee_client.get(url)
        assert page.status_code == 200
        assert three_clips[0].code in page.content.decode() and three_clips[1].code not in page.content.decode()
        contest.refresh_from_db()
        assert contest.finalists_published_at is None

        response = committee_client.post(url, {"confirm": "yes"}, follow=True)

        assert "The finalists are published." in _messages(response)
        contest.refresh_from_db()
        assert contest.finalists_published_at is not None
        again = committee_client.post(url, {"confirm": "yes"}, follow=True)
        assert "The finalists were already published." in _messages(again)

    def test_without_finalists_it_says_so(self, committee_client, contest):
        close_entries(contest)
        url = reverse("admin:submissions_submission_publish", args=[contest.slug])

        response = committee_client.post(url, {"confirm": "yes"}, follow=True)

        assert "There is no finalist to publish yet." in _messages(response)

    def test_the_standing_office_may_not_publish(self, office_client, contest):
        url = reverse("admin:submissions_submission_publish", args=[contest.slug])

        assert url not in office_client.get(CHANGELIST).content.decode()
        assert office_client.get(url).status_code == 403
        assert office_client.post(url).status_code == 403
        contest.refresh_from_db()
        assert contest.finalists_published_at is None


class TestList:
    def test_it_shows_what_screeners_sort_by(self, office_client, office, office2, clip, tmp_path):
        Submission.objects.filter(pk=clip.pk).update(technical_flags=["too_long"], thumbnail="thumbnails/x.jpg")
        screening_review_save(submission=clip, reviewer=office2, recommendation="shortlist")
        screening_review_save(submission=clip, reviewer=office, recommendation="not_select")

        html = office_client.get(CHANGELIST).content.decode()

        for text in (
            reverse("submissions:thumbnail", args=[clip.code]),
            _screen_url(clip),
            clip.registration.category.name,
            clip.registration.locality.name,
            "longer than the contest&#x27;s maximum",
            "1 ✓ · 1 ✗",
            "(me: do not select)",
        ):
            assert text in html, text

    def test_search_finds_a_clip_by_code_title_registrant_group_or_co_author(self, office_client, three_clips):
        first = three_clips[0]
        for query in (first.code, "chợ phiên", "Lò Thị Alice", "Bản Mòng", "Tòng Văn"):
            result = office_client.get(CHANGELIST, {"q": query}).context["cl"].result_list
            assert list(result) == [first], query

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"flag": "no_audio"}, [1]),
            ({"flag": "portrait"}, [1, 2]),
            ({"media_state__exact": "failed"}, [2]),
            ({"status__exact": "received"}, [0, 1]),
            ({"mine": "yes"}, [0]),
            ({"mine": "no"}, [1, 2]),
        ],
    )
    def test_the_filters(self, office_client, office, three_clips, params, expected):
        first, second, third = three_clips
        Submission.objects.filter(pk=second.pk).update(technical_flags=["no_audio", "portrait"])
        Submission.objects.filter(pk=third.pk).update(
            technical_flags=["portrait"], media_state=Submission.MediaState.FAILED, status=Status.SHORTLISTED
        )
        screening_review_save(submission=first, reviewer=office, recommendation="shortlist")

        result = office_client.get(CHANGELIST, params).context["cl"].result_list

        assert sorted(s.pk for s in result) == [three_clips[i].pk for i in expected]

    def test_the_genre_category_and_locality_filters(self, office_client, three_clips, contest):
        first = three_clips[0]
        other_genre = contest.genres.exclude(pk=first.genre_id).first()
        other_category = contest.categories.exclude(pk=first.registration.category_id).first()
        other_locality = contest.localities.exclude(pk=first.registration.locality_id).first()
        Submission.objects.filter(pk=first.pk).update(genre=other_genre)
        Registration.objects.filter(pk=first.registration_id).update(
            category=other_category, locality=other_locality
        )

        for params in (
            {"genre__id__exact": other_genre.pk},
            {"registration__category__id__exact": other_category.pk},
            {"registration__locality__id__exact": other_locality.pk},
        ):
            assert list(office_client.get(CHANGELIST, params).context["cl"].result_list) == [first], params

    def test_each_clip_shows_its_own_vote_counts(self, office_client, office, office2, three_clips):
        first, second, third = three_clips
        office3 = make_staff("vanphong3@example.com", "office", full_name="Lường Văn Tám")
        for reviewer in (office, office2, office3):
            screening_review_save(submission=first, reviewer=reviewer, recommendation="shortlist")
        screening_review_save(submission=second, reviewer=office2, recommendation="not_select")

        response = office_client.get(CHANGELIST)

        votes = {s.code: (s.shortlist_votes, s.not_select_votes) for s in response.context["cl"].result_list}
        assert votes == {first.code: (3, 0), second.code: (0, 1), third.code: (0, 0)}
        html = response.content.decode()
        for text in ("3 ✓ · 0 ✗", "0 ✓ · 1 ✗", "0 ✓ · 0 ✗"):
            assert text in html, text

    def test_the_genre_category_and_locality_filters_offer_every_option_of_the_contest_only(
        self, office_client, clip, contest
    ):
        other = load_son_la_2024(
            slug="other-contest",
            code_prefix="KHAC2024",
            opens_at=contest.opens_at,
            closes_at=contest.closes_at,
        )

        specs = {
            getattr(spec, "field_path", None): spec
            for spec in office_client.get(CHANGELIST).context["cl"].filter_specs
        }

        for path, options, others in (
            ("genre", contest.genres, other.genres),
            ("registration__category", contest.categories, other.categories),
            ("registration__locality", contest.localities, other.localities),
        ):
            offered = [pk for pk, _name in specs[path].lookup_choices]
            # Options no clip has yet are offered too, in the list's own order.
            assert offered == list(options.order_by("order", "id").values_list("pk", flat=True)), path
            assert len(offered) > 1, path
            assert not set(offered) & set(others.values_list("pk", flat=True)), path

    def test_the_select_box_of_a_row_is_the_one_django_draws(self, office_client, clip):
        Submission.objects.filter(pk=clip.pk).update(title='Bản <em> & "quê"')

        html = office_client.get(CHANGELIST).content.decode()

        assert (
            f'<input type="checkbox" name="_selected_action" value="{clip.pk}" class="action-select" '
            f'aria-label="Select this object for an action - {clip.code} Bản &lt;em&gt; &amp; &quot;quê&quot;">'
        ) in html

    def test_the_list_takes_as_many_queries_for_50_clips_as_for_1(self, office_client, office, contest):
        _make_clips(contest, 1, reviewer=office)
        with CaptureQueriesContext(connection) as one:
            assert office_client.get(CHANGELIST).status_code == 200

        _make_clips(contest, 49, reviewer=office)
        with CaptureQueriesContext(connection) as fifty:
            response = office_client.get(CHANGELIST)

        assert response.context["cl"].result_count == 50
        assert len(fifty) == len(one), "\n".join(query["sql"] for query in fifty.captured_queries)


def _make_clips(contest, count, *, reviewer):
    """`count` clips with an entrant, a co-author, flags and a review each, written straight to the database."""
    genre = ClipGenre.objects.filter(contest=contest).first()
    start = contest.last_sequence
    for n in range(start + 1, start + count + 1):
        user = get_user_model().objects.create_user(email=f"entrant{n}@example.com", password="x")
        registration = Registration.objects.create(
            contest=contest,
            user=user,
            full_name=f"Người dự thi {n}",
            id_number=f"014190{n:06d}",
            email=user.email,
            category=contest.categories.first(),
            locality=contest.localities.first(),
        )
        CoAuthor.objects.create(
            registration=registration,
            full_name=f"Đồng tác giả {n}",
            date_of_birth="1990-01-01",
            id_number=f"0141{n:08d}",
        )
        submission = Submission.objects.create(
            contest=contest,
            registration=registration,
            sequence=n,
            code=f"{contest.code_prefix}-{n:04d}",
            title=f"Clip {n}",
            genre=genre,
            summary="…",
            clip=f"clips/{n}.mp4",
            original_filename=f"{n}.mp4",
            size=1000,
            sha256="0" * 64,
            container="mp4",
            duration=60,
            width=1280,
            height=720,
            video_codec="h264",
            thumbnail=f"thumbnails/{n}.jpg",
            technical_flags=["no_audio"],
        )
        submission_authors_record(submission=submission)
        ScreeningReview.objects.create(submission=submission, reviewer=reviewer, recommendation="shortlist")
    contest.last_sequence = start + count
    contest.save(update_fields=["last_sequence"])
