"""The rights of the people the portal holds data about (submissions.subject_rights, the My data pages): a copy of
everything, and erasure, which before the deadline deletes and after it anonymises, as its confirmation page says.

Alice registers a group with Phương (P), a co-author without an account; Bob is another entrant, who in some
tests is Alice's co-author instead; the committee's Hùng is staff."""

import datetime
import html
import json
import logging
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from contest_portal.mail.models import OutgoingMail
from contest_portal.refusals import NotAllowed
from judging.models import Award
from judging.son_la_2024 import load_son_la_2024
from submissions.anonymisation import ANONYMISED_BIRTH_DATE, ANONYMISED_NAME
from submissions.guardians import guardian_withdraw
from submissions.media.thumbnail import thumbnail_variant
from submissions.models import (
    AudienceVote,
    CoAuthor,
    Consent,
    Guardian,
    Registration,
    ScreeningReview,
    Submission,
    SubmissionAuthor,
    SubmissionDocument,
    SubmissionEvent,
    Upload,
)
from submissions.services import registration_save
from submissions.subject_rights import (
    PlanChanged,
    person_erase,
    person_erase_from_registration,
    person_erasure_plan,
)
from submissions.uploads import upload_create, upload_part_path
from tests.clips import make_pdf
from tests.conftest import (
    ALICE_ID,
    BOB_ID,
    CHARLIE_ID,
    as_upload,
    close_entries,
    open_final_round,
    registration_fields,
)

pytestmark = pytest.mark.django_db

PHUONG = {
    "full_name": "Vì Thị Phương",
    "email": "phuong@example.com",
    "date_of_birth": CHARLIE_ID[1],
    "id_number": CHARLIE_ID[0],
}
SCREENERS_NOTE = "Ghi chú nội bộ: hình ảnh mờ ở phút thứ hai"
UNTOLD_SUBJECT = "Thông báo kết quả Sơ loại: clip không được chọn"


@pytest.fixture
def alices_group(register, alice):
    return register(alice, "Lò Thị Alice", ALICE_ID, group_name="Nhóm Bản Mòng", coauthors=[PHUONG])


@pytest.fixture
def alices_clip(alices_group, submit, tmp_path, django_capture_on_commit_callbacks):
    """Alice's clip with a document, its media work done (thumbnail, a narrower copy of it, preview)."""
    document = as_upload(make_pdf(tmp_path / "ho-so.pdf"), "Hồ sơ Nhóm Bản Mòng.pdf", "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        clip = submit(alices_group, title="Chợ phiên trên điện thoại", documents=[document])
    clip.refresh_from_db()
    thumbnail_variant(clip.thumbnail.storage, clip.thumbnail.name, 160)
    return clip


@pytest.fixture
def bobs_clip(register, bob, submit):
    return submit(register(bob, "Cầm Văn Bob", BOB_ID), title="Bản em lên số")


def _media_files():
    root = Path(default_storage.location)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def _files_of(clip):
    """Every file of the clip in storage, as it is now."""
    prefixes = [
        clip.clip.name,
        *(document.file.name for document in clip.documents.all()),
        f"thumbnails/{clip.contest.slug}/{clip.pk}.",
        f"previews/{clip.contest.slug}/{clip.pk}.",
    ]
    return {name for name in _media_files() if any(name.startswith(prefix) for prefix in prefixes)}


def _started_upload(registration):
    upload = upload_create(
        registration=registration,
        filename="clip thứ hai.mp4",
        length=1000,
        title="Clip đang gửi",
        genre=registration.contest.genres.first(),
        summary="Chưa gửi xong.",
    )
    upload_part_path(upload.pk).write_bytes(b"x" * 300)
    Upload.objects.filter(pk=upload.pk).update(offset=300)
    return upload


def _export(client, user):
    client.force_login(user)
    response = client.get(reverse("submissions:my_data_export"))
    assert response.status_code == 200
    return response, json.loads(response.content)


def _erase_through_the_page(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    page = client.get(reverse("submissions:my_data_erase"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions:my_data_erase"),
            {"plan": page.context["plan"].digest, "password": "a-long-test-password"},
        )
    return page, response


def _in_english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def _text(response):
    return html.unescape(response.content.decode())


def _lines(lines):
    return [line.text for line in lines]


def _award(clip, committee):
    Submission.objects.filter(pk=clip.pk).update(status=Submission.Status.SHORTLISTED)
    return Award.objects.create(tier=clip.contest.prize_tiers.first(), submission=clip, awarded_by=committee)


class TestTheCopy:
    def test_it_holds_alices_account_form_clips_files_consents_and_mails(self, client, alice, alices_clip):
        response, data = _export(client, alice)

        assert response["Content-Type"].startswith("application/json")
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Cache-Control"] == "private, no-store"
        assert data["account"]["email"] == "alice@example.com"
        assert [address["email"] for address in data["account"]["email_addresses"]] == ["alice@example.com"]
        (registration,) = data["registrations"]
        assert registration["contest"] == "test-contest"
        assert registration["id_number"] == ALICE_ID[0]
        assert registration["date_of_birth"] == "1990-05-01"
        assert registration["address"] == "Phường Chiềng Lề, Thành phố Sơn La"
        assert registration["phone"] == "0912345678"
        assert registration["group_name"] == "Nhóm Bản Mòng"
        assert [coauthor["full_name"] for coauthor in registration["coauthors"]] == ["Vì Thị Phương"]
        (clip,) = data["clips"]
        assert clip["code"] == alices_clip.code
        assert clip["title"] == "Chợ phiên trên điện thoại"
        assert clip["status"] == "received"
        assert clip["duration"] == alices_clip.duration
        assert clip["stages"][0]["stage"] == "received"
        assert [(author["full_name"], author.get("id_number")) for author in clip["authors"]] == [
            ("Lò Thị Alice", ALICE_ID[0]),
            ("Vì Thị Phương", None),
        ]
        files = {file["kind"]: file for file in data["files"]}
        assert set(files) == {"original", "preview", "thumbnail", "document"}
        assert files["original"]["url"].endswith(reverse("submissions:original", args=[alices_clip.code]))
        assert files["original"]["size"] == alices_clip.size
        document = alices_clip.documents.get()
        assert files["document"]["name"] == "Hồ sơ Nhóm Bản Mòng.pdf"
        assert files["document"]["size"] == document.size
        assert files["thumbnail"]["size"] == alices_clip.thumbnail.size
        assert {consent["text"] for consent in data["consents"]} >= {"rules", "data_processing"}
        assert all(consent["version"] >= 1 and consent["given_at"] for consent in data["consents"])
        receipt = OutgoingMail.objects.get(kind="submission_receipt", to="alice@example.com")
        assert {"to": "alice@example.com", "subject": receipt.subject} in [
            {"to": mail["to"], "subject": mail["subject"]} for mail in data["emails"]
        ]

    def test_it_holds_nothing_of_bob_nor_of_phuong_nor_the_screeners_notes_nor_a_decision_not_told_yet(
        self, client, alice, office, alices_clip, bobs_clip
    ):
        ScreeningReview.objects.create(
            submission=alices_clip,
            reviewer=office,
            recommendation=ScreeningReview.Recommendation.NOT_SELECT,
            comment=SCREENERS_NOTE,
        )
        Submission.objects.filter(pk=alices_clip.pk).update(
            status=Submission.Status.NOT_SELECTED,
            decided_at=timezone.now(),
            decided_by=office,
            decision_reason="Mờ",
        )
        OutgoingMail.objects.create(
            state=OutgoingMail.State.DRAFT,
            kind="decision_not_selected",
            to="alice@example.com",
            subject=UNTOLD_SUBJECT,
        )

        response, data = _export(client, alice)

        text = response.content.decode()
        for other in [BOB_ID[0], "bob@example.com", bobs_clip.code, "Cầm Văn Bob", CHARLIE_ID[0]]:
            assert other not in text
        for internal in [SCREENERS_NOTE, office.email, UNTOLD_SUBJECT, "not_selected", "Mờ"]:
            assert internal not in text
        assert data["clips"][0]["status"] == "received"

    def test_a_co_author_gets_their_own_details_and_the_group_clip_but_not_the_registrants_id_number(
        self, client, register, alice, bob, submit
    ):
        group = register(
            alice,
            "Lò Thị Alice",
            ALICE_ID,
            group_name="Nhóm Bản Mòng",
            coauthors=[
                {
                    "full_name": "Cầm Văn Bob",
                    "email": "bob@example.com",
                    "date_of_birth": BOB_ID[1],
                    "id_number": BOB_ID[0],
                }
            ],
        )
        CoAuthor.objects.filter(registration=group).update(user=bob, confirmed_at=timezone.now())
        clip = submit(group)

        response, data = _export(client, bob)

        assert data["registrations"] == []
        (coauthorship,) = data["coauthorships"]
        assert (coauthorship["group_name"], coauthorship["id_number"]) == ("Nhóm Bản Mòng", BOB_ID[0])
        (coauthored,) = data["coauthored_clips"]
        assert coauthored["code"] == clip.code
        assert [(author["full_name"], author.get("id_number")) for author in coauthored["authors"]] == [
            ("Lò Thị Alice", None),
            ("Cầm Văn Bob", BOB_ID[0]),
        ]
        assert data["files"] == []
        assert ALICE_ID[0] not in response.content.decode()

    def test_it_is_only_for_the_signed_in_person(self, client):
        response = client.get(reverse("submissions:my_data_export"))

        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


class TestErasureBeforeTheDeadline:
    def test_the_page_says_the_form_the_clips_and_the_upload_go_and_nothing_stays(
        self, client, alice, alices_clip, english
    ):
        _started_upload(alices_clip.registration)
        _in_english(client, alice)

        response = client.get(reverse("submissions:my_data_erase"))

        (part,) = response.context["plan"].contests
        assert _lines(part.goes) == [
            "Your registration form: your details, your consents, and the co-authors and guardians named on it.",
            f"Your clip {alices_clip.code}, with its files: the original, its preview and thumbnail, its documents.",
            "The upload you started and did not finish, with what it received.",
        ]
        assert part.stays == []
        assert "Your account: you are signed out and cannot sign in again." in _text(response)
        assert response.context["plan"].deletes_account

    def test_it_leaves_exactly_what_the_page_said(
        self, client, alice, alices_clip, bobs_clip, django_capture_on_commit_callbacks
    ):
        upload = _started_upload(alices_clip.registration)
        Guardian.objects.create(
            registration=alices_clip.registration,
            full_name="Lò Văn Bố",
            relation="bố",
            phone="0987654321",
            email="bo@example.com",
        )
        alices_files = _files_of(alices_clip)
        assert len(alices_files) == 5  # the original, the document, the thumbnail and its copy, the preview
        bobs_files = _files_of(bobs_clip)
        registration_pk = alices_clip.registration_id

        _page, response = _erase_through_the_page(client, alice, django_capture_on_commit_callbacks)

        assert response.status_code == 302
        assert response["Location"] == reverse("submissions:contests")
        assert not get_user_model().objects.filter(email="alice@example.com").exists()
        assert not EmailAddress.objects.filter(email="alice@example.com").exists()
        assert not Registration.objects.filter(pk=registration_pk).exists()
        assert not CoAuthor.objects.filter(registration_id=registration_pk).exists()
        assert not Guardian.objects.filter(registration_id=registration_pk).exists()
        assert not Consent.objects.filter(registration_id=registration_pk).exists()
        assert not Submission.objects.filter(pk=alices_clip.pk).exists()
        assert not SubmissionEvent.objects.filter(submission_id=alices_clip.pk).exists()
        assert not SubmissionDocument.objects.filter(submission_id=alices_clip.pk).exists()
        assert not Upload.objects.filter(pk=upload.pk).exists()
        assert not OutgoingMail.objects.filter(to="alice@example.com").exists()
        assert _media_files().isdisjoint(alices_files)
        assert not upload_part_path(upload.pk).exists()
        # Bob's entry is untouched.
        assert Submission.objects.filter(pk=bobs_clip.pk).exists()
        assert Registration.objects.get(user__email="bob@example.com").id_number == BOB_ID[0]
        assert _files_of(bobs_clip) == bobs_files
        assert get_user_model().objects.get(email="bob@example.com").is_active
        # Signed out, the next page is a stranger's.
        assert client.get(reverse("submissions:my_data")).status_code == 302

    def test_a_co_author_leaves_the_group_and_its_clip_stays_the_registrants(
        self, register, alice, bob, submit, django_capture_on_commit_callbacks
    ):
        group = register(
            alice,
            "Lò Thị Alice",
            ALICE_ID,
            group_name="Nhóm Bản Mòng",
            coauthors=[
                {
                    "full_name": "Cầm Văn Bob",
                    "email": "bob@example.com",
                    "date_of_birth": BOB_ID[1],
                    "id_number": BOB_ID[0],
                }
            ],
        )
        CoAuthor.objects.filter(registration=group).update(user=bob, confirmed_at=timezone.now())
        clip = submit(group)
        plan = person_erasure_plan(user=bob)

        with django_capture_on_commit_callbacks(execute=True):
            person_erase(user=bob, plan_digest=plan.digest)

        assert not CoAuthor.objects.filter(registration=group).exists()
        assert [author.full_name for author in clip.authors.all()] == ["Lò Thị Alice"]
        event = SubmissionEvent.objects.get(submission=clip, action="author_erased")
        assert "Cầm Văn Bob" not in event.reason
        assert Submission.objects.get(pk=clip.pk).status == Submission.Status.RECEIVED
        assert Path(clip.clip.path).exists()
        assert not get_user_model().objects.filter(pk=bob.pk).exists()


class TestErasureAfterTheDeadline:
    def test_the_page_says_what_is_anonymised_and_what_stays_and_why(self, client, alice, alices_clip, english):
        close_entries(alices_clip.contest)
        _in_english(client, alice)

        response = client.get(reverse("submissions:my_data_erase"))

        plan = response.context["plan"]
        (part,) = plan.contests
        assert not part.before_the_deadline
        assert _lines(part.goes) == [
            "On your registration form and on your clips: your name, ID number, date of birth, gender, phone, "
            "address, e-mail and organisation."
        ]
        assert _lines(part.stays) == [
            f"Your clip {alices_clip.code}, with its title, summary and files, and the decisions and scores on it.",
            "Your entrant category, district and group name, and your declarations on the form.",
            "The record of which version of which text you agreed to, and when, marked withdrawn.",
            "The details of the co-authors you named.",
        ]
        assert all(line.why for line in part.stays)
        assert not plan.deletes_account
        assert _lines(plan.stays) == ["Your account, closed and anonymised."]
        page = _text(response)
        assert "The preliminary round and the jury judged the entries as they were sent" in page
        assert "Decree 13/2023/NĐ-CP" in page

    def test_it_anonymises_alice_and_keeps_her_clip_and_its_files(
        self, client, alice, alices_clip, django_capture_on_commit_callbacks
    ):
        close_entries(alices_clip.contest)
        files = _files_of(alices_clip)
        SubmissionEvent.objects.create(
            submission=alices_clip, action="authors_changed", reason="Sửa tên: trước đây Lò Thị Alice"
        )

        _erase_through_the_page(client, alice, django_capture_on_commit_callbacks)

        registration = Registration.objects.get(pk=alices_clip.registration_id)
        assert registration.full_name == ANONYMISED_NAME
        assert registration.id_number.startswith("R") and ALICE_ID[0] not in registration.id_number
        assert (registration.date_of_birth, registration.gender, registration.phone) == (None, "", "")
        assert (registration.address, registration.email, registration.organisation) == ("", "", "")
        # What names nobody stays: the clip was entered in this category, from this district, by this group.
        assert registration.category is not None and registration.locality is not None
        assert registration.group_name == "Nhóm Bản Mòng"
        registrant, phuong = alices_clip.authors.order_by("order")
        assert (registrant.full_name, registrant.date_of_birth, registrant.organisation) == (
            ANONYMISED_NAME,
            None,
            "",
        )
        assert registrant.id_number.startswith("A")
        # Phương's details are hers: she did not ask.
        assert (phuong.full_name, phuong.id_number) == ("Vì Thị Phương", CHARLIE_ID[0])
        assert CoAuthor.objects.get(registration=registration).id_number == CHARLIE_ID[0]
        assert "Lò Thị Alice" not in SubmissionEvent.objects.get(action="authors_changed").reason
        assert all(
            consent.withdrawn_at for consent in Consent.objects.filter(registration=registration, coauthor=None)
        )
        assert Submission.objects.get(pk=alices_clip.pk).title == "Chợ phiên trên điện thoại"
        assert _files_of(alices_clip) == files
        account = get_user_model().objects.get(pk=alice.pk)
        assert (account.email, account.full_name, account.is_active) == (
            f"erased-{alice.pk}@erased.invalid",
            "",
            False,
        )
        assert not account.has_usable_password()
        assert not EmailAddress.objects.filter(user=account).exists()
        assert not OutgoingMail.objects.filter(to="alice@example.com").exists()
        assert not client.login(email="alice@example.com", password="a-long-test-password")

    def test_a_prize_winner_keeps_her_name_id_number_address_and_organisation(
        self, client, alice, committee, alices_clip, django_capture_on_commit_callbacks, english
    ):
        open_final_round(alices_clip.contest)
        _award(alices_clip, committee)
        client.cookies["django_language"] = "en"

        page, _response = _erase_through_the_page(client, alice, django_capture_on_commit_callbacks)

        (part,) = page.context["plan"].contests
        assert part.stays[0].text == "Your name, ID number, address and organisation."
        assert "Law on Accounting 2015, Article 41" in part.stays[0].why
        registration = Registration.objects.get(pk=alices_clip.registration_id)
        assert (registration.full_name, registration.id_number) == ("Lò Thị Alice", ALICE_ID[0])
        assert registration.address == "Phường Chiềng Lề, Thành phố Sơn La"
        assert registration.organisation == "Trường THPT Chuyên Sơn La"
        assert (registration.date_of_birth, registration.gender, registration.phone, registration.email) == (
            None,
            "",
            "",
            "",
        )
        registrant = alices_clip.authors.get(is_registrant=True)
        assert (registrant.full_name, registrant.id_number, registrant.date_of_birth) == (
            "Lò Thị Alice",
            ALICE_ID[0],
            None,
        )
        assert not get_user_model().objects.get(pk=alice.pk).is_active

    def test_a_co_author_after_the_deadline_is_anonymised_where_she_is(
        self, register, alice, bob, submit, django_capture_on_commit_callbacks
    ):
        group = register(
            alice,
            "Lò Thị Alice",
            ALICE_ID,
            group_name="Nhóm Bản Mòng",
            coauthors=[
                {
                    "full_name": "Cầm Văn Bob",
                    "email": "bob@example.com",
                    "date_of_birth": BOB_ID[1],
                    "id_number": BOB_ID[0],
                }
            ],
        )
        CoAuthor.objects.filter(registration=group).update(user=bob, confirmed_at=timezone.now())
        clip = submit(group)
        close_entries(group.contest)

        with django_capture_on_commit_callbacks(execute=True):
            person_erase(user=bob, plan_digest=person_erasure_plan(user=bob).digest)

        coauthor = CoAuthor.objects.get(registration=group)
        assert (coauthor.full_name, coauthor.user, coauthor.email, coauthor.phone) == (
            ANONYMISED_NAME,
            None,
            "",
            "",
        )
        assert coauthor.date_of_birth == ANONYMISED_BIRTH_DATE and coauthor.id_number.startswith("C")
        assert coauthor.confirmed_at is not None
        author = clip.authors.get(is_registrant=False)
        assert (author.full_name, author.date_of_birth) == (ANONYMISED_NAME, None)
        assert clip.authors.get(is_registrant=True).id_number == ALICE_ID[0]
        # Nothing of Bob's is a registration form: his account has nothing left to keep.
        assert not get_user_model().objects.filter(pk=bob.pk).exists()

    def test_each_contest_goes_its_own_way(self, alice, register, alices_clip, django_capture_on_commit_callbacks):
        close_entries(alices_clip.contest)
        now = timezone.now()
        other = load_son_la_2024(
            slug="cuoc-thi-sau",
            code_prefix="CDS2025",
            opens_at=now - datetime.timedelta(days=1),
            closes_at=now + datetime.timedelta(days=30),
        )
        later = registration_save(
            contest=other, user=alice, fields=registration_fields(other, full_name="Lò Thị Alice", person=ALICE_ID)
        )

        with django_capture_on_commit_callbacks(execute=True):
            plan = person_erase(user=alice, plan_digest=person_erasure_plan(user=alice).digest)

        assert [(part.contest.slug, part.before_the_deadline) for part in plan.contests] == [
            ("test-contest", False),
            ("cuoc-thi-sau", True),
        ]
        assert not Registration.objects.filter(pk=later.pk).exists()
        assert Registration.objects.get(pk=alices_clip.registration_id).full_name == ANONYMISED_NAME
        assert not get_user_model().objects.get(pk=alice.pk).is_active


class TestRefusals:
    def test_a_staff_account_is_refused_with_the_reason(self, client, committee, english):
        _in_english(client, committee)
        reason = "This is a staff account. The contests' records name the staff who screened, decided, scored"

        page = client.get(reverse("submissions:my_data_erase"))
        refused = client.post(reverse("submissions:my_data_erase"), {"plan": page.context["plan"].digest})

        assert reason in _text(page)
        assert b'name="plan"' not in page.content
        assert reason in _text(client.get(reverse("submissions:my_data")))
        assert refused.status_code == 403
        assert reason in _text(refused)
        with pytest.raises(NotAllowed, match="closed by the portal's administrator, not erased here"):
            person_erase(user=committee, plan_digest=person_erasure_plan(user=committee).digest)
        assert get_user_model().objects.get(pk=committee.pk).is_active

    def test_a_plan_read_before_the_deadline_is_not_carried_out_after_it(self, alice, alices_clip, english):
        digest = person_erasure_plan(user=alice).digest
        close_entries(alices_clip.contest)

        with pytest.raises(PlanChanged, match="has changed since you read it"):
            person_erase(user=alice, plan_digest=digest)

        assert Submission.objects.filter(pk=alices_clip.pk).exists()
        assert Registration.objects.get(pk=alices_clip.registration_id).full_name == "Lò Thị Alice"

    def test_nothing_personal_goes_to_the_log(
        self, alice, alices_clip, caplog, django_capture_on_commit_callbacks
    ):
        close_entries(alices_clip.contest)
        with caplog.at_level(logging.DEBUG, logger="submissions"):
            with django_capture_on_commit_callbacks(execute=True):
                person_erase(user=alice, plan_digest=person_erasure_plan(user=alice).digest)

        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert f"account {alice.pk}" in logged
        for personal in ["Lò Thị Alice", "alice@example.com", ALICE_ID[0], "0912345678", "Chiềng Lề"]:
            assert personal not in logged


class TestAGuardiansWithdrawal:
    """person_erase_from_registration, which submissions.guardians calls when a guardian withdraws consent."""

    def test_a_minor_registrants_clips_are_withdrawn_their_files_removed_and_their_data_anonymised(
        self, alice, alices_clip, django_capture_on_commit_callbacks
    ):
        registration = alices_clip.registration
        guardian = Guardian.objects.create(
            registration=registration,
            full_name="Lò Văn Bố",
            relation="bố",
            phone="0987654321",
            email="bo@example.com",
        )
        files = _files_of(alices_clip)

        with django_capture_on_commit_callbacks(execute=True):
            person_erase_from_registration(registration=registration)

        clip = Submission.objects.get(pk=alices_clip.pk)
        assert clip.status == Submission.Status.WITHDRAWN
        assert SubmissionEvent.objects.filter(submission=clip, action="withdrawn").exists()
        assert _media_files().isdisjoint(files)
        assert not clip.documents.exists()
        assert (clip.thumbnail.name, clip.preview.name) == ("", "")
        registration.refresh_from_db()
        assert (registration.full_name, registration.phone, registration.address) == (ANONYMISED_NAME, "", "")
        assert clip.authors.get(is_registrant=True).full_name == ANONYMISED_NAME
        guardian.refresh_from_db()
        assert (guardian.full_name, guardian.phone, guardian.email) == (ANONYMISED_NAME, "", "")
        # The co-author is someone else; the account, which may hold other contests' forms, stays as it was.
        assert CoAuthor.objects.get(registration=registration).full_name == "Vì Thị Phương"
        assert get_user_model().objects.get(pk=alice.pk).is_active

    def test_a_minor_co_author_leaves_the_group_before_the_deadline(
        self, alices_group, alices_clip, django_capture_on_commit_callbacks
    ):
        phuong = CoAuthor.objects.get(registration=alices_group)
        Guardian.objects.create(
            registration=alices_group,
            coauthor=phuong,
            full_name="Vì Văn Bố",
            relation="bố",
            phone="0987654321",
            email="bo@example.com",
        )
        Submission.objects.filter(pk=alices_clip.pk).update(status=Submission.Status.WITHDRAWN)

        with django_capture_on_commit_callbacks(execute=True):
            person_erase_from_registration(registration=alices_group, coauthor=phuong)

        assert not CoAuthor.objects.filter(pk=phuong.pk).exists()
        assert not Guardian.objects.filter(registration=alices_group).exists()
        # The withdrawn clip keeps, in its record, that it had a second author: anonymised.
        author = alices_clip.authors.get(is_registrant=False)
        assert (author.full_name, author.date_of_birth, author.coauthor) == (ANONYMISED_NAME, None, None)
        assert not SubmissionAuthor.objects.filter(id_number=CHARLIE_ID[0]).exists()
        assert Registration.objects.get(pk=alices_group.pk).full_name == "Lò Thị Alice"

    def test_the_guardians_withdrawal_calls_it_for_the_minor(
        self, alices_clip, django_capture_on_commit_callbacks
    ):
        registration = alices_clip.registration
        guardian = Guardian.objects.create(
            registration=registration,
            full_name="Lò Văn Bố",
            relation="bố",
            phone="0987654321",
            email="bo@example.com",
            consented_at=timezone.now(),
        )

        with django_capture_on_commit_callbacks(execute=True):
            guardian_withdraw(guardian=guardian)

        assert Submission.objects.get(pk=alices_clip.pk).status == Submission.Status.WITHDRAWN
        assert Registration.objects.get(pk=registration.pk).id_number.startswith("R")
        assert Guardian.objects.get(pk=guardian.pk).withdrawn_at is not None
        # The history says the guardian withdrew, without naming the minor any more.
        assert "Lò Thị Alice" not in " ".join(SubmissionEvent.objects.values_list("reason", flat=True))
        assert not Path(alices_clip.clip.path).exists()


class TestThePassword:
    """A session left open on a shared phone is not enough: the erasure asks for the account's password."""

    def test_a_wrong_password_erases_nothing(self, client, alice, register, english):
        register(alice, "Lò Thị Alice", ALICE_ID)
        _in_english(client, alice)
        page = client.get(reverse("submissions:my_data_erase"))
        assert b'name="password"' in page.content

        response = client.post(
            reverse("submissions:my_data_erase"), {"plan": page.context["plan"].digest, "password": "wrong"}
        )

        assert response.status_code == 400
        assert "That is not your password" in _text(response)
        assert Registration.objects.filter(user=alice).exists()

    def test_guessing_is_stopped_by_the_login_limits(self, client, alice, register, english):
        register(alice, "Lò Thị Alice", ALICE_ID)
        _in_english(client, alice)
        digest = client.get(reverse("submissions:my_data_erase")).context["plan"].digest
        statuses = [
            client.post(
                reverse("submissions:my_data_erase"), {"plan": digest, "password": f"guess{n}"}
            ).status_code
            for n in range(12)
        ]

        assert statuses[0] == 400 and statuses[-1] == 429
        response = client.post(
            reverse("submissions:my_data_erase"), {"plan": digest, "password": "a-long-test-password"}
        )
        assert response.status_code == 429
        assert Registration.objects.filter(user=alice).exists()


class TestAudienceVotes:
    """A vote for a finalist is the voter's data too: exported, and where it came from erased with the rest."""

    def test_the_export_lists_the_account_s_votes_with_their_address(self, client, alice, bobs_clip):
        AudienceVote.objects.create(
            contest=bobs_clip.contest, submission=bobs_clip, user=alice, address="203.0.113.7"
        )

        _response, data = _export(client, alice)

        assert [(vote["finalist"], vote["address"]) for vote in data["audience_votes"]] == [
            (bobs_clip.code, "203.0.113.7")
        ]

    def test_erasure_keeps_the_vote_counted_and_drops_its_address(
        self, alice, bob, alices_clip, bobs_clip, django_capture_on_commit_callbacks
    ):
        close_entries(alices_clip.contest)
        AudienceVote.objects.create(
            contest=bobs_clip.contest, submission=bobs_clip, user=alice, address="203.0.113.7"
        )

        with django_capture_on_commit_callbacks(execute=True):
            person_erase(user=alice, plan_digest=person_erasure_plan(user=alice).digest)

        assert list(AudienceVote.objects.values_list("submission", "address")) == [(bobs_clip.pk, None)]
