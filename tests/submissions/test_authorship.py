"""Who authored a clip is recorded when it is submitted (SubmissionAuthor): the limit counts that record, a later
edit of the registration form does not change it, and only the committee does, with a reason.

Alice and Bob enter; Phương (P) is a co-author the groups name and drop."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from contest_portal.refusals import ClipLimitReached, NotAllowed, Refusal
from submissions.models import Submission, SubmissionAuthor, SubmissionEvent
from submissions.screening import submission_decide
from submissions.services import (
    clips_left,
    registration_clips_left,
    registration_save,
    submission_authors_change,
)
from tests.conftest import ALICE_ID, BOB_ID, CHARLIE_ID, registration_fields, registration_post
from tests.staff import make_staff

pytestmark = pytest.mark.django_db

PHUONG = {"full_name": "Vì Thị Phương", "date_of_birth": datetime.date(2002, 9, 9), "id_number": CHARLIE_ID[0]}
PHUONG_ID = CHARLIE_ID[0]


def _group(register, user, name, person, *coauthors, group_name="Nhóm Bản Mòng"):
    return register(user, name, person, group_name=group_name, coauthors=list(coauthors))


def _recorded(submission):
    return [author.id_number for author in SubmissionAuthor.objects.filter(submission=submission)]


class TestTheLimitCountsTheRecord:
    def test_a_co_author_dropped_from_a_group_keeps_the_clips_she_authored(self, register, alice, bob, submit):
        """The outside test: P co-authored 2 clips in G2, G2 dropped P, P's new group sent 2 more. Now the
        second of those is refused: P is an author of 3."""
        g2 = _group(register, bob, "Cầm Văn Bob", BOB_ID, PHUONG)
        first, second = submit(g2), submit(g2)
        _group(register, bob, "Cầm Văn Bob", BOB_ID)  # G2 drops P
        new_group = _group(register, alice, "Lò Thị Alice", ALICE_ID, PHUONG, group_name="Nhóm mới")

        submit(new_group)

        with pytest.raises(ClipLimitReached, match="Vì Thị Phương"):
            submit(new_group)
        assert _recorded(first) == _recorded(second) == [BOB_ID[0], PHUONG_ID]
        assert Submission.objects.counting_towards_limit().by_person(PHUONG_ID).count() == 3

    def test_a_co_author_named_after_a_clip_is_not_its_author(self, register, bob, submit):
        alone = register(bob, "Cầm Văn Bob", BOB_ID)
        before = submit(alone)
        group = _group(register, bob, "Cầm Văn Bob", BOB_ID, PHUONG)

        after = submit(group)

        assert _recorded(before) == [BOB_ID[0]]
        assert _recorded(after) == [BOB_ID[0], PHUONG_ID]

    def test_a_withdrawn_clip_frees_every_recorded_author(self, register, alice, bob, submit):
        from submissions.services import submission_withdraw

        group = _group(register, bob, "Cầm Văn Bob", BOB_ID, PHUONG)
        clips = [submit(group) for _ in range(3)]
        _group(register, bob, "Cầm Văn Bob", BOB_ID)
        submission_withdraw(submission=clips[0], user=bob)

        assert clips_left(contest=group.contest, people={PHUONG_ID: "Vì Thị Phương"}) == 1


class TestHowManyLeft:
    """One answer (services.clips_left) for the page, the form and the service."""

    @pytest.fixture
    def alice_in_bobs_group_twice(self, register, alice, bob, submit):
        alice_as_coauthor = {
            "full_name": "Lò Thị Alice",
            "email": "alice@example.com",
            "date_of_birth": ALICE_ID[1],
            "id_number": ALICE_ID[0],
        }
        group = _group(register, bob, "Cầm Văn Bob", BOB_ID, alice_as_coauthor)
        submit(group)
        submit(group)
        return register(alice, "Lò Thị Alice", ALICE_ID)

    def test_the_service_counts_what_she_co_authored_elsewhere(self, alice_in_bobs_group_twice):
        assert registration_clips_left(alice_in_bobs_group_twice) == 1

    def test_my_clips_tells_her_one_more(self, contest, client, alice, alice_in_bobs_group_twice):
        client.force_login(alice)

        html = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()

        assert "Bạn còn được gửi thêm 1 clip." in html

    def test_after_one_more_the_page_and_the_form_say_why_not(
        self, contest, client, alice, alice_in_bobs_group_twice, submit
    ):
        submit(alice_in_bobs_group_twice)
        client.force_login(alice)

        page = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()
        form = client.get(reverse("submissions:submission_new", args=[contest.slug]))

        assert "Lò Thị Alice đã là tác giả của 3 clip trong cuộc thi này" in page
        assert reverse("submissions:submission_new", args=[contest.slug]) not in page
        assert form.status_code == 200  # a page that explains, instead of the form
        assert "Lò Thị Alice đã là tác giả của 3 clip trong cuộc thi này" in form.content.decode()
        assert 'id="submission-form"' not in form.content.decode()
        # In English here: the requests above activated Vietnamese in this thread, whatever fixture asked for English.
        with (
            translation.override("en"),
            pytest.raises(ClipLimitReached, match="Lò Thị Alice is already an author of 3 clips"),
        ):
            submit(alice_in_bobs_group_twice)


class TestTheRegistrationAfterAClip:
    def test_the_registrant_cannot_change_the_id_number_the_clips_record(self, contest, register, alice, submit):
        submit(register(alice, "Lò Thị Alice", ALICE_ID))
        other_id = ("014190009999", ALICE_ID[1], ALICE_ID[2])

        with pytest.raises(Refusal, match="định danh cá nhân và ngày sinh của bạn đã được ghi nhận") as refusal:
            registration_save(
                contest=contest,
                user=alice,
                fields=registration_fields(contest, full_name="Lò Thị Alice", person=other_id),
            )

        assert refusal.value.field == "id_number"
        assert alice.registrations.get().id_number == ALICE_ID[0]

    def test_before_any_clip_it_may_change(self, contest, register, alice):
        register(alice, "Lò Thị Alice", ALICE_ID)
        other_id = ("014190009999", ALICE_ID[1], ALICE_ID[2])

        registration_save(
            contest=contest,
            user=alice,
            fields=registration_fields(contest, full_name="Lò Thị Alice", person=other_id),
        )

        assert alice.registrations.get().id_number == "014190009999"

    def test_a_corrected_name_reaches_the_undecided_clips_only(self, contest, register, alice, submit):
        office = make_staff("thuongtruc@example.com", "office")
        registration = register(alice, "Lò Thi Alce", ALICE_ID)
        decided, undecided = submit(registration), submit(registration)
        submission_decide(submission=decided, user=office, decision=Submission.Status.SHORTLISTED)

        register(alice, "Lò Thị Alice", ALICE_ID)

        assert decided.authors.get().full_name == "Lò Thi Alce"
        assert undecided.authors.get().full_name == "Lò Thị Alice"


class TestTheCommitteeChangesTheAuthors:
    @pytest.fixture
    def clip(self, register, bob, submit):
        return submit(register(bob, "Cầm Văn Bob", BOB_ID))

    def _bob(self):
        return {"full_name": "Cầm Văn Bob", "id_number": BOB_ID[0], "date_of_birth": BOB_ID[1], "organisation": ""}

    def test_it_adds_a_forgotten_co_author_with_the_reason_in_the_history(self, committee, clip):
        submission_authors_change(
            submission=clip,
            user=committee,
            authors=[self._bob(), {**PHUONG, "organisation": "Trường THPT Tô Hiệu"}],
            reason="Nhóm quên khai đồng tác giả.",
        )

        assert _recorded(clip) == [BOB_ID[0], PHUONG_ID]
        event = SubmissionEvent.objects.get(submission=clip, action="authors_changed")
        assert event.actor == committee
        assert event.reason.startswith("Nhóm quên khai đồng tác giả.")
        assert "Vì Thị Phương" in event.reason

    def test_someone_with_no_clip_left_is_not_added(self, committee, clip, register, alice, submit, english):
        alone = register(alice, "Lò Thị Alice", ALICE_ID)
        for _ in range(3):
            submit(alone)
        alice_author = {"full_name": "Lò Thị Alice", "id_number": ALICE_ID[0], "date_of_birth": ALICE_ID[1]}

        with pytest.raises(ClipLimitReached, match="Lò Thị Alice is already an author of 3 clips"):
            submission_authors_change(
                submission=clip, user=committee, authors=[self._bob(), alice_author], reason="Sửa."
            )
        assert _recorded(clip) == [BOB_ID[0]]

    def test_it_needs_a_reason(self, committee, clip, english):
        with pytest.raises(Refusal, match="Give the reason for the change"):
            submission_authors_change(submission=clip, user=committee, authors=[self._bob()], reason="  ")

    def test_an_impossible_person_is_refused(self, committee, clip):
        unborn = {**PHUONG, "date_of_birth": datetime.date(2031, 1, 1), "id_number": "014331000001"}

        with pytest.raises(Refusal, match="Vì Thị Phương: Ngày sinh ở tương lai"):
            submission_authors_change(submission=clip, user=committee, authors=[self._bob(), unborn], reason="x")

    def test_the_office_may_not(self, clip, english):
        office = make_staff("thuongtruc@example.com", "office")

        with pytest.raises(NotAllowed, match="Only the Organizing Committee may change the authors"):
            submission_authors_change(submission=clip, user=office, authors=[self._bob()], reason="x")

    def test_the_admin_page_changes_them(self, client, committee, clip):
        client.force_login(committee)
        url = reverse("admin:submissions_submission_authors", args=[clip.pk])
        [bob_row] = clip.authors.all()
        data = {
            "authors-TOTAL_FORMS": "2",
            "authors-INITIAL_FORMS": "1",
            "authors-MIN_NUM_FORMS": "0",
            "authors-MAX_NUM_FORMS": "1000",
            "authors-0-id": bob_row.pk,
            "authors-0-full_name": "Cầm Văn Bob",
            "authors-0-id_number": BOB_ID[0],
            "authors-0-date_of_birth": "1985-02-03",
            "authors-0-organisation": "",
            "authors-1-full_name": "Vì Thị Phương",
            "authors-1-id_number": PHUONG_ID,
            "authors-1-date_of_birth": "2002-09-09",
            "authors-1-organisation": "",
            "reason": "Nhóm quên khai đồng tác giả.",
        }

        assert client.get(url).status_code == 200
        response = client.post(url, data)

        assert response.status_code == 302
        assert _recorded(clip) == [BOB_ID[0], PHUONG_ID]

    def test_the_office_cannot_open_the_page(self, client, clip):
        client.force_login(make_staff("thuongtruc@example.com", "office"))

        response = client.get(reverse("admin:submissions_submission_authors", args=[clip.pk]))

        assert response.status_code == 403


def _id_number(born, gender="female"):
    """A valid ID number (born in Sơn La) for this birth date and gender."""
    century = {1900: 0, 2000: 2}[born.year // 100 * 100] + (gender == "female")
    return f"014{century}{born.year % 100:02d}000123"


class TestImpossiblePeople:
    """Refused, in Vietnamese, before anything is saved."""

    def _save(self, contest, user, born, **changes):
        person = (_id_number(born), born, "female")
        return registration_save(
            contest=contest,
            user=user,
            fields=registration_fields(contest, full_name="Lò Thị Alice", person=person),
            **changes,
        )

    def test_a_birth_date_in_the_future_with_a_matching_id_number(self, contest, alice):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as refusal:
            self._save(contest, alice, datetime.date(2030, 1, 1))

        assert refusal.value.message_dict["date_of_birth"] == ["Ngày sinh ở tương lai."]
        assert not alice.registrations.exists()

    def test_a_two_year_old(self, contest, alice):
        from django.core.exceptions import ValidationError

        born = contest.closes_at.date().replace(year=contest.closes_at.year - 2)
        with pytest.raises(ValidationError) as refusal:
            self._save(contest, alice, born)

        [message] = refusal.value.message_dict["date_of_birth"]
        assert message.startswith("Mọi tác giả phải từ 6 tuổi trở lên vào ngày")

    def test_the_minimum_age_is_the_contests(self, contest, alice):
        from django.core.exceptions import ValidationError

        contest.min_age = 16
        contest.save()
        closing = contest.closes_at.date()
        fifteen = closing.replace(year=closing.year - 16) + datetime.timedelta(days=30)
        sixteen = closing.replace(year=closing.year - 16) - datetime.timedelta(days=1)

        with pytest.raises(ValidationError, match="16 tuổi"):
            self._save(contest, alice, fifteen)
        assert self._save(contest, alice, sixteen).pk

    def test_a_co_author_born_in_2031(self, contest, bob, register):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="Ngày sinh ở tương lai"):
            _group(
                register,
                bob,
                "Cầm Văn Bob",
                BOB_ID,
                {**PHUONG, "date_of_birth": datetime.date(2031, 1, 1), "id_number": "014331000001"},
            )
        assert not bob.registrations.exists()

    def test_the_registrant_as_their_own_co_author(self, contest, bob, register):
        myself = {
            "full_name": "Cầm Văn Bob",
            "email": "bob@example.com",
            "date_of_birth": BOB_ID[1],
            "id_number": BOB_ID[0],
        }

        with pytest.raises(Refusal, match="Cầm Văn Bob được khai là đồng tác giả"):
            _group(register, bob, "Cầm Văn Bob", BOB_ID, myself)
        assert not bob.registrations.exists()

    def test_without_a_birth_date_asked_the_id_numbers_year_counts(self, contest, alice, english):
        from django.core.exceptions import ValidationError

        contest.form_fields = {**contest.form_fields, "date_of_birth": "hidden"}
        contest.save()
        born = contest.closes_at.date().replace(year=contest.closes_at.year - 3)
        fields = registration_fields(contest, full_name="Lò Thị Alice", person=(_id_number(born), None, "female"))

        with pytest.raises(ValidationError, match="Every author must be at least 6 years old on") as refusal:
            registration_save(contest=contest, user=alice, fields=fields)

        assert "id_number" in refusal.value.message_dict

    def test_the_form_shows_the_refusal_beside_the_field(self, client, contest, alice):
        client.force_login(alice)
        born = datetime.date(2030, 1, 1)
        data = registration_post(contest, date_of_birth=born.isoformat(), id_number=_id_number(born))

        response = client.post(reverse("submissions:registration", args=[contest.slug]), data)

        assert response.status_code == 400
        assert response.context["form"].errors["date_of_birth"] == ["Ngày sinh ở tương lai."]

    def test_a_co_authors_age_is_checked_by_the_form_too(self, client, contest, bob):
        client.force_login(bob)
        toddler = contest.closes_at.date().replace(year=contest.closes_at.year - 2)
        data = registration_post(
            contest,
            full_name="Cầm Văn Bob",
            date_of_birth="1985-02-03",
            gender="male",
            id_number=BOB_ID[0],
            email="bob@example.com",
            group_name="Nhóm",
            **{
                "coauthors-0-full_name": "Bé Na",
                "coauthors-0-email": "be.na@example.com",
                "coauthors-0-date_of_birth": toddler.isoformat(),
                "coauthors-0-id_number": _id_number(toddler),
            },
        )

        response = client.post(reverse("submissions:registration", args=[contest.slug]), data)

        assert response.status_code == 400
        [coauthor_form] = response.context["formset"].forms
        assert coauthor_form.errors["date_of_birth"][0].startswith("Mọi tác giả phải từ 6 tuổi trở lên")
