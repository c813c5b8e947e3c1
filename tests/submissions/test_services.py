"""The contest's rules, through the services: window edges, the clip limit across groups, withdrawal."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from contest_portal.mail.models import OutgoingMail
from contest_portal.refusals import (
    ClipLimitReached,
    FileNotAccepted,
    FileTooLarge,
    NotAllowed,
    Refusal,
    WindowClosed,
)
from judging.son_la_2024 import load_son_la_2024
from submissions.models import Submission
from submissions.services import (
    registration_clips_left,
    registration_save,
    submission_documents_add,
    submission_update,
    submission_withdraw,
)
from tests.clips import make_clip, make_jpeg, make_pdf, truncate
from tests.conftest import ALICE_ID, BOB_ID, CHARLIE_ID, as_upload, registration_fields

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


@pytest.fixture
def son_la(db):
    """The real contest, whose window ends 2024-08-30 23:59:59 +07:00."""
    contest = load_son_la_2024(min_duration=1)
    return contest


def _at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=VIETNAM), tick=False)


def _register_alice(contest, alice):
    return registration_save(
        contest=contest, user=alice, fields=registration_fields(contest, full_name="Lò Thị Alice", person=ALICE_ID)
    )


class TestWindow:
    def test_it_accepts_a_clip_at_the_last_second(self, son_la, alice, submit):
        with _at(2024, 8, 1, 9, 0):
            registration = _register_alice(son_la, alice)
        with _at(2024, 8, 30, 23, 59, 59, 999000):
            submission = submit(registration)
        assert submission.code == "CDS2024-0001"

    def test_it_refuses_a_clip_one_second_after_the_deadline(self, son_la, alice, submit):
        with _at(2024, 8, 1, 9, 0):
            registration = _register_alice(son_la, alice)
        with _at(2024, 8, 31, 0, 0, 0), pytest.raises(WindowClosed) as refusal:
            submit(registration)
        assert "23:59:59 30/08/2024" in str(refusal.value.message)
        assert refusal.value.status == 403
        assert not Submission.objects.exists()

    def test_it_refuses_a_clip_before_the_contest_opens(self, son_la, alice, submit, english):
        with _at(2024, 6, 11, 23, 59, 59):
            registration = _register_alice(son_la, alice)
            with pytest.raises(WindowClosed, match="Submissions open at 00:00:00 12/06/2024"):
                submit(registration)

    def test_the_registration_form_cannot_change_after_the_deadline(self, son_la, alice, english):
        with _at(2024, 8, 1, 9, 0):
            registration = _register_alice(son_la, alice)
        with (
            _at(2024, 8, 31, 0, 0, 1),
            pytest.raises(WindowClosed, match="Submissions closed at 23:59:59 30/08/2024; changes are no longer"),
        ):
            registration_save(
                contest=son_la,
                user=alice,
                fields=registration_fields(son_la, full_name="Someone Else", person=ALICE_ID),
            )
        registration.refresh_from_db()
        assert registration.full_name == "Lò Thị Alice"

    def test_withdrawing_after_the_deadline_is_refused(self, son_la, alice, submit, english):
        with _at(2024, 8, 1, 9, 0):
            submission = submit(_register_alice(son_la, alice))
        with (
            _at(2024, 9, 1, 9, 0),
            pytest.raises(WindowClosed, match="Submissions closed at 23:59:59 30/08/2024; changes are no longer"),
        ):
            submission_withdraw(submission=submission, user=alice)
        submission.refresh_from_db()
        assert submission.status == Submission.Status.RECEIVED


class TestClipLimit:
    def test_it_refuses_a_fourth_clip(self, register, alice, submit):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        for _ in range(3):
            submit(registration)
        with pytest.raises(ClipLimitReached) as refusal:
            submit(registration)
        assert refusal.value.status == 409
        assert "3" in str(refusal.value.message)
        assert Submission.objects.count() == 3

    def test_codes_follow_each_other(self, register, alice, bob, submit):
        first = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        second = submit(register(bob, "Cầm Văn Bob", BOB_ID))
        assert (first.code, second.code) == ("CDS2024-0001", "CDS2024-0002")

    def test_withdrawing_frees_a_slot(self, register, alice, submit):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        clips = [submit(registration) for _ in range(3)]
        submission_withdraw(submission=clips[0], user=alice)
        fourth = submit(registration)
        assert fourth.code == "CDS2024-0004"
        assert Submission.objects.counting_towards_limit().count() == 3

    def test_withdrawing_twice_changes_nothing(self, register, alice, submit):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        submission_withdraw(submission=submission, user=alice)
        withdrawn_at = Submission.objects.get().withdrawn_at
        submission_withdraw(submission=submission, user=alice)
        assert Submission.objects.get().withdrawn_at == withdrawn_at

    def test_a_co_author_counts_clips_from_every_group(self, register, alice, bob, submit, english):
        """Alice has two clips of her own; Bob's group lists her, so the group can add only one."""
        alone = register(alice, "Lò Thị Alice", ALICE_ID)
        submit(alone)
        submit(alone)
        group = register(
            bob,
            "Cầm Văn Bob",
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
        submit(group)
        with pytest.raises(ClipLimitReached) as refusal:
            submit(group)
        assert "Lò Thị Alice" in str(refusal.value.message)
        # and Alice, with three clips counted against her now, cannot add another alone.
        with pytest.raises(ClipLimitReached, match="Lò Thị Alice is already an author of 3 clips"):
            submit(alone)

    def test_a_co_author_named_later_is_not_an_author_of_the_clips_before(
        self, register, alice, bob, submit, english
    ):
        """Alice has used her three clips; Bob names her in his group after his first clip: that clip stays his
        alone, and the group can enter no more."""
        alone = register(alice, "Lò Thị Alice", ALICE_ID)
        for _ in range(3):
            submit(alone)
        first = submit(register(bob, "Cầm Văn Bob", BOB_ID))
        group = register(
            bob,
            "Cầm Văn Bob",
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

        assert [author.id_number for author in first.authors.all()] == [BOB_ID[0]]
        assert registration_clips_left(group) == 0
        with pytest.raises(ClipLimitReached, match="Lò Thị Alice is already an author of 3 clips"):
            submit(group)

    def test_a_co_author_listed_without_a_group_name_is_dropped(self, register, bob):
        registration = register(
            bob,
            "Cầm Văn Bob",
            BOB_ID,
            coauthors=[
                {
                    "full_name": "Lò Thị Alice",
                    "email": "alice@example.com",
                    "date_of_birth": ALICE_ID[1],
                    "id_number": ALICE_ID[0],
                }
            ],
        )
        assert registration.id_numbers() == {BOB_ID[0]}

    def test_the_same_id_number_under_two_accounts_shares_one_limit(
        self, register, alice, charlie, submit, english
    ):
        first = register(alice, "Lò Thị Alice", ALICE_ID)
        second = register(charlie, "Lò Thị Alice", ALICE_ID)
        submit(first)
        submit(first)
        submit(second)
        with pytest.raises(ClipLimitReached, match="Lò Thị Alice is already an author of 3 clips"):
            submit(second)


@pytest.mark.usefixtures("english")
class TestRefusedFiles:
    """Each refused file gets its message, and nothing is saved: no row, no stored file."""

    def _assert_nothing_saved(self, settings):
        assert not Submission.objects.exists()
        stored = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
        assert stored == []
        assert not OutgoingMail.objects.exists()

    @pytest.mark.parametrize(
        "make, fragment",
        [
            (lambda p: make_jpeg(p / "photo.mp4"), "JPEG"),
            (lambda p: make_pdf(p / "doc.mp4"), "not a video"),
            (lambda p: truncate(make_clip(p / "clip.mp4", seconds=2), 0.5), "damaged or incomplete"),
        ],
        ids=["jpeg-renamed-mp4", "pdf-renamed-mp4", "truncated-mp4"],
    )
    def test_it_refuses_a_file_that_is_not_a_whole_video(
        self, register, alice, submit, tmp_path, settings, make, fragment
    ):
        path = make(tmp_path)
        with pytest.raises(FileNotAccepted) as refusal:
            submit(register(alice, "Lò Thị Alice", ALICE_ID), clip=as_upload(path, "clip.mp4"))
        assert fragment in str(refusal.value.message)
        assert refusal.value.status == 415
        self._assert_nothing_saved(settings)

    def test_it_refuses_random_bytes(self, register, alice, submit, tmp_path, settings):
        path = tmp_path / "noise.mp4"
        path.write_bytes(bytes(range(256)) * 64)
        with pytest.raises(FileNotAccepted, match="This file is not a video we can read"):
            submit(register(alice, "Lò Thị Alice", ALICE_ID), clip=as_upload(path))
        self._assert_nothing_saved(settings)

    def test_it_refuses_an_empty_file(self, register, alice, submit, tmp_path, settings):
        path = tmp_path / "empty.mp4"
        path.write_bytes(b"")
        with pytest.raises(FileNotAccepted) as refusal:
            submit(register(alice, "Lò Thị Alice", ALICE_ID), clip=as_upload(path))
        assert "empty" in str(refusal.value.message)
        self._assert_nothing_saved(settings)

    def test_it_refuses_a_clip_over_the_contests_size(self, contest, register, alice, submit, settings):
        contest.max_clip_size = 1000
        contest.save()
        with pytest.raises(FileTooLarge, match="The clip is .*; the largest accepted is 1000") as refusal:
            submit(register(alice, "Lò Thị Alice", ALICE_ID))
        assert refusal.value.status == 413
        self._assert_nothing_saved(settings)

    def test_it_refuses_a_clip_too_short(self, contest, register, alice, submit, settings):
        contest.min_duration = 30
        contest.save()
        with pytest.raises(FileNotAccepted) as refusal:
            submit(register(alice, "Lò Thị Alice", ALICE_ID))
        assert "30 s" in str(refusal.value.message)
        self._assert_nothing_saved(settings)

    def test_it_refuses_a_container_the_contest_does_not_accept(self, contest, register, alice, submit, tmp_path):
        contest.accepted_containers = ["mp4", "mov"]
        contest.save()
        with pytest.raises(
            FileNotAccepted, match=re.escape("This file format (MKV) is not accepted. Accepted formats: MP4, MOV")
        ) as refusal:
            submit(register(alice, "Lò Thị Alice", ALICE_ID), clip=as_upload(make_clip(tmp_path / "c.mkv")))
        assert "MP4" in str(refusal.value.message)

    def test_it_refuses_a_document_that_is_not_pdf_docx_or_odt(self, register, alice, submit, tmp_path, settings):
        fake = tmp_path / "notes.pdf"
        fake.write_bytes(b"MZ\x90\x00 an executable renamed .pdf")
        with pytest.raises(FileNotAccepted, match="notes.pdf is not a PDF, DOCX or ODT document") as refusal:
            submit(
                register(alice, "Lò Thị Alice", ALICE_ID),
                documents=[as_upload(fake, content_type="application/pdf")],
            )
        assert "notes.pdf" in str(refusal.value.message)
        self._assert_nothing_saved(settings)


class TestAcceptedClip:
    def test_it_stores_the_clip_with_its_sha256_metadata_and_documents(
        self, register, alice, submit, clip_path, tmp_path
    ):
        import hashlib

        document = as_upload(make_pdf(tmp_path / "kich-ban.pdf"), content_type="application/pdf")
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID), documents=[document])
        assert submission.sha256 == hashlib.sha256(clip_path.read_bytes()).hexdigest()
        assert hashlib.sha256(submission.clip.read()).hexdigest() == submission.sha256
        assert submission.size == clip_path.stat().st_size
        assert submission.container == "mp4"
        assert 1.9 < submission.duration < 2.2
        assert (submission.width, submission.height) == (320, 240)
        assert submission.original_filename == "bản em.mp4"
        assert submission.clip.name.endswith(".mp4")
        assert [d.original_filename for d in submission.documents.all()] == ["kich-ban.pdf"]

    def test_it_makes_a_thumbnail(self, register, alice, submit, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        submission.refresh_from_db()
        assert submission.thumbnail.name.endswith(".jpg")
        assert submission.thumbnail.read(3) == b"\xff\xd8\xff"

    def test_it_sends_one_receipt(self, register, alice, submit, mailoutbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        receipts = [m for m in mailoutbox if submission.code in m.subject]
        assert len(receipts) == 1
        body = receipts[0].body
        for fact in (submission.code, submission.title, submission.original_filename, submission.sha256):
            assert fact in body
        # The portal's real address (settings.SITE_URL), not a link relative to nowhere.
        assert "http://127.0.0.1:8000/test-contest/clip-cua-toi/" in body
        html = receipts[0].alternatives[0][0]
        assert submission.sha256 in html
        assert 'href="http://127.0.0.1:8000/test-contest/clip-cua-toi/"' in html
        mail = OutgoingMail.objects.get(dedupe_key=f"submission_receipt:{submission.pk}")
        assert mail.state == OutgoingMail.State.SENT and mail.attempts == 1


class TestOwnership:
    def test_another_person_cannot_withdraw_or_edit_a_clip(self, register, alice, bob, submit, contest, english):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        with pytest.raises(NotAllowed, match="This clip is not yours"):
            submission_withdraw(submission=submission, user=bob)
        with pytest.raises(NotAllowed, match="This clip is not yours"):
            submission_update(submission=submission, user=bob, title="Hacked", genre=submission.genre, summary="x")
        submission.refresh_from_db()
        assert (submission.status, submission.title) == (Submission.Status.RECEIVED, "Chuyển đổi số ở bản em")

    def test_a_genre_of_another_contest_is_refused(self, register, alice, submit, son_la, english):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        with pytest.raises(Refusal, match="Choose one of this contest's genres"):
            submission_update(
                submission=submission, user=alice, title="T", genre=son_la.genres.first(), summary="S"
            )


class TestDocumentsAdded:
    """Documents sent after a resumable upload of the clip go through submission_documents_add, which holds the
    same rules as the clip's other changes."""

    def _pdf(self, tmp_path, name="kich-ban.pdf"):
        return as_upload(make_pdf(tmp_path / name), content_type="application/pdf")

    def test_the_entrant_adds_documents_to_their_own_clip(self, register, alice, submit, tmp_path):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        added = submission_documents_add(
            submission=submission,
            user=alice,
            documents=[self._pdf(tmp_path), self._pdf(tmp_path, "thuyet-minh.pdf")],
        )
        assert [d.original_filename for d in added] == ["kich-ban.pdf", "thuyet-minh.pdf"]
        assert sorted(submission.documents.values_list("original_filename", flat=True)) == [
            "kich-ban.pdf",
            "thuyet-minh.pdf",
        ]

    def test_another_person_cannot_add_documents(self, register, alice, bob, submit, tmp_path, english):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        with pytest.raises(NotAllowed, match="This clip is not yours") as refusal:
            submission_documents_add(submission=submission, user=bob, documents=[self._pdf(tmp_path)])
        assert refusal.value.status == 403
        assert not submission.documents.exists()

    def test_a_screened_clip_takes_no_more_documents(self, register, alice, committee, submit, tmp_path, english):
        from submissions.screening import submission_decide

        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        submission_decide(submission=submission, user=committee, decision=Submission.Status.SHORTLISTED)
        submission.refresh_from_db()
        with pytest.raises(Refusal, match=f"{submission.code} has been screened: it can no longer be changed"):
            submission_documents_add(submission=submission, user=alice, documents=[self._pdf(tmp_path)])
        assert not submission.documents.exists()

    def test_a_withdrawn_clip_takes_no_more_documents(self, register, alice, submit, tmp_path, english):
        submission = submission_withdraw(submission=submit(register(alice, "Lò Thị Alice", ALICE_ID)), user=alice)
        with pytest.raises(Refusal, match="A withdrawn clip cannot be changed"):
            submission_documents_add(submission=submission, user=alice, documents=[self._pdf(tmp_path)])
        assert not submission.documents.exists()

    def test_no_documents_after_the_deadline(self, contest, register, alice, submit, tmp_path, english):
        from tests.conftest import close_entries

        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        close_entries(contest)
        submission.refresh_from_db()
        with pytest.raises(WindowClosed, match="Submissions closed at"):
            submission_documents_add(submission=submission, user=alice, documents=[self._pdf(tmp_path)])
        assert not submission.documents.exists()

    def test_one_bad_document_keeps_every_document_out(self, register, alice, submit, tmp_path, settings, english):
        submission = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        fake = tmp_path / "notes.docx"
        fake.write_bytes(b"PK\x03\x04 not really a document")
        with pytest.raises(FileNotAccepted, match="notes.docx is not a PDF, DOCX or ODT document"):
            submission_documents_add(
                submission=submission,
                user=alice,
                documents=[self._pdf(tmp_path), as_upload(fake, content_type="application/msword")],
            )
        assert not submission.documents.exists()
        assert [path.name for path in settings.MEDIA_ROOT.rglob("*.pdf")] == []


class TestRegistration:
    """The service checks the ID number and phone itself, whatever form or command calls it."""

    @pytest.mark.parametrize(
        "change, field, message",
        [
            ({"id_number": "12345"}, "id_number", "The ID number must have exactly 12 digits"),
            (
                {"date_of_birth": datetime.date(2001, 9, 9)},
                "id_number",
                "The ID number does not match the date of birth: it says born in 2002",
            ),
            ({"gender": "male"}, "id_number", "The ID number does not match the gender given"),
            ({"phone": "12345"}, "phone", "Enter a Vietnamese phone number"),
        ],
        ids=["id-number-format", "birth-year", "gender", "phone"],
    )
    def test_it_refuses_inconsistent_personal_data(self, contest, charlie, change, field, message, english):
        fields = registration_fields(contest, full_name="Quàng Thị Charlie", person=CHARLIE_ID, **change)
        with pytest.raises(ValidationError, match=message) as error:
            registration_save(contest=contest, user=charlie, fields=fields)
        assert field in error.value.message_dict
        assert not charlie.registrations.exists()

    def test_it_normalises_the_phone_number(self, contest, charlie):
        fields = registration_fields(
            contest, full_name="Quàng Thị Charlie", person=CHARLIE_ID, phone="+84 912 345 678"
        )
        assert registration_save(contest=contest, user=charlie, fields=fields).phone == "0912345678"

    def test_a_co_author_id_number_must_match_their_birth_year(self, register, bob, english):
        with pytest.raises(
            ValidationError, match="The ID number does not match the date of birth: it says born in 1990"
        ):
            register(
                bob,
                "Cầm Văn Bob",
                BOB_ID,
                group_name="Nhóm",
                coauthors=[
                    {"full_name": "X", "date_of_birth": datetime.date(1991, 1, 1), "id_number": ALICE_ID[0]}
                ],
            )
        assert not bob.registrations.exists()

    def test_the_form_can_be_filled_before_the_contest_opens(self, son_la, alice):
        with _at(2024, 6, 1, 9, 0):
            assert _register_alice(son_la, alice).pk
