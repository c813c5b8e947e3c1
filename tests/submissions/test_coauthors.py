"""Co-authors confirm for themselves: invited by e-mail, they check their details and give their own consents,
or decline; a clip waiting for one may be screened but not awarded."""

import re

import pytest
from django.urls import reverse

from contest_portal.mail.models import OutgoingMail
from contest_portal.refusals import Refusal
from judging.prizes import side_prize_designate
from submissions.coauthors import coauthor_token
from submissions.models import CoAuthor, Consent, ConsentText, Submission, SubmissionAuthor, SubmissionEvent
from tests.conftest import ALICE_ID, BOB_ID, CHARLIE_ID, make_user
from tests.judging.results_setup import set_prize_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """The pages' messages are checked as their English source text."""
    client.cookies["django_language"] = "en"


DUNG = {
    "full_name": "Tòng Văn Dũng",
    "email": "dung@example.com",
    "date_of_birth": BOB_ID[1],
    "id_number": BOB_ID[0],
}


@pytest.fixture
def group(register, alice):
    """Alice's group, naming Dũng (whose ID number is BOB_ID's) as co-author."""
    return register(alice, "Lò Thị Alice", ALICE_ID, group_name="Nhóm Bản Mòng", coauthors=[DUNG])


@pytest.fixture
def dung(db):
    return make_user("dung@example.com")


def _invitation_link(coauthor):
    return reverse("submissions:coauthor_invitation", args=[coauthor_token(coauthor)])


def _confirm_post(**changes):
    data = {
        "full_name": "Tòng Văn Dũng",
        "date_of_birth": BOB_ID[1].isoformat(),
        "id_number": BOB_ID[0],
        "organisation": "Đoàn xã Hua La",
        "phone": "0912000111",
        "accepts_rules": "on",
        "consents_to_publication": "on",
        "consents_to_data_processing": "on",
    }
    data.update(changes)
    return data


class TestInvitation:
    def test_naming_a_co_author_mails_them_a_link_to_confirm(self, group):
        coauthor = group.coauthors.get()
        mail = OutgoingMail.objects.get(kind="coauthor_invitation")
        assert mail.to == "dung@example.com"
        assert "Lò Thị Alice" in mail.body_text and "Nhóm Bản Mòng" in mail.body_text
        assert _invitation_link(coauthor) in mail.body_text
        assert coauthor.invited_at is not None and coauthor.confirmed_at is None

    def test_saving_the_form_again_unchanged_sends_no_second_invitation(self, register, alice, group):
        register(alice, "Lò Thị Alice", ALICE_ID, group_name="Nhóm Bản Mòng", coauthors=[DUNG])
        assert OutgoingMail.objects.filter(kind="coauthor_invitation").count() == 1

    def test_the_registrant_cannot_name_their_own_address(self, register, alice):
        with pytest.raises(Refusal, match="listed with your own e-mail address"):
            register(
                alice,
                "Lò Thị Alice",
                ALICE_ID,
                group_name="Nhóm",
                coauthors=[{**DUNG, "email": "alice@example.com"}],
            )
        assert not CoAuthor.objects.exists()

    def test_a_co_author_without_an_address_is_refused(self, register, alice):
        with pytest.raises(Refusal, match="Give the e-mail address of Tòng Văn Dũng"):
            register(alice, "Lò Thị Alice", ALICE_ID, group_name="Nhóm", coauthors=[{**DUNG, "email": ""}])

    def test_the_form_refuses_two_co_authors_with_one_address(self, client, contest, alice):
        from tests.conftest import registration_post

        client.force_login(alice)
        data = registration_post(
            contest,
            group_name="Nhóm",
            **{
                "coauthors-TOTAL_FORMS": "2",
                "coauthors-0-full_name": "Tòng Văn Dũng",
                "coauthors-0-email": "dung@example.com",
                "coauthors-0-date_of_birth": BOB_ID[1].isoformat(),
                "coauthors-0-id_number": BOB_ID[0],
                "coauthors-1-full_name": "Vì Thị Phương",
                "coauthors-1-email": "DUNG@example.com",
                "coauthors-1-date_of_birth": CHARLIE_ID[1].isoformat(),
                "coauthors-1-id_number": CHARLIE_ID[0],
            },
        )
        response = client.post(reverse("submissions:registration", args=[contest.slug]), data)
        assert response.status_code == 400
        assert response.context["formset"].forms[1].errors["email"] == [
            "Each co-author needs their own e-mail address: the invitation goes there."
        ]
        assert not CoAuthor.objects.exists()

    def test_a_signed_out_visitor_is_asked_to_sign_in_with_the_invited_address(self, client, group):
        response = client.get(_invitation_link(group.coauthors.get()))
        assert response.status_code == 200
        page = response.content.decode()
        assert "dung@example.com" in page and reverse("account_login") in page
        assert "coauthor-confirm" not in page

    def test_another_account_may_not_use_the_link(self, client, group, bob):
        client.force_login(bob)
        response = client.post(_invitation_link(group.coauthors.get()), _confirm_post())
        assert response.status_code == 403
        assert "sent to another e-mail address" in response.content.decode()
        assert CoAuthor.objects.get().confirmed_at is None

    def test_an_altered_link_opens_nothing(self, client, group, dung):
        client.force_login(dung)
        token = coauthor_token(group.coauthors.get())
        response = client.get(reverse("submissions:coauthor_invitation", args=[token[:-2] + "xx"]))
        assert response.status_code == 404
        assert "no longer valid" in response.content.decode()


class TestConfirming:
    def test_the_co_author_confirms_their_details_and_gives_their_own_consents(self, client, group, dung, submit):
        clip = submit(group)
        coauthor = group.coauthors.get()
        client.force_login(dung)
        page = client.get(_invitation_link(coauthor)).content.decode()
        assert clip.code in page and "Nhóm Bản Mòng" in page

        response = client.post(_invitation_link(coauthor), _confirm_post(organisation="Đoàn xã Hua La"))

        assert response.status_code == 302
        coauthor.refresh_from_db()
        assert coauthor.confirmed_at is not None and coauthor.user == dung
        assert coauthor.organisation == "Đoàn xã Hua La"
        consents = Consent.objects.filter(coauthor=coauthor)
        assert sorted((c.text.kind, c.text.version, c.user_id) for c in consents) == [
            ("data_processing", 1, dung.pk),
            ("publication", 1, dung.pk),
            ("rules", 1, dung.pk),
        ]
        # The clip, not screened yet, takes the corrected organisation.
        assert SubmissionAuthor.objects.get(submission=clip, coauthor=coauthor).organisation == "Đoàn xã Hua La"
        assert not Submission.objects.filter(pk=clip.pk).awaiting_coauthors().exists()

    def test_each_consent_is_needed(self, client, group, dung):
        client.force_login(dung)
        data = _confirm_post()
        del data["consents_to_publication"]
        response = client.post(_invitation_link(group.coauthors.get()), data)
        assert response.status_code == 400
        assert "consents_to_publication" in response.context["form"].errors
        assert CoAuthor.objects.get().confirmed_at is None
        assert not Consent.objects.filter(coauthor__isnull=False).exists()

    def test_the_group_s_clips_show_in_the_co_author_s_my_clips_once_confirmed(
        self, client, contest, group, dung, submit
    ):
        clip = submit(group, title="Bản em lên mạng")
        client.force_login(dung)
        my_clips = reverse("submissions:my_clips", args=[contest.slug])
        assert "Bản em lên mạng" not in client.get(my_clips).content.decode()
        client.post(_invitation_link(group.coauthors.get()), _confirm_post())
        page = client.get(my_clips).content.decode()
        assert "Clips you co-author" in page and clip.code in page and "Bản em lên mạng" in page

    def test_the_registrant_sees_the_clip_waiting_for_the_co_author(self, client, contest, group, alice, submit):
        submit(group)
        client.force_login(alice)
        page = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()
        assert "Waiting for co-authors to confirm: Tòng Văn Dũng." in page

    def test_the_receipt_goes_to_the_co_author_too(self, group, submit):
        clip = submit(group)
        receipts = OutgoingMail.objects.filter(kind="submission_receipt").order_by("to")
        assert [mail.to for mail in receipts] == ["alice@example.com", "dung@example.com"]
        assert all(clip.code in mail.subject for mail in receipts)
        assert receipts[1].body_text.startswith("Kính gửi Tòng Văn Dũng,")

    def test_changing_what_a_confirmed_co_author_vouched_for_asks_them_again(
        self, client, register, alice, group, dung
    ):
        client.force_login(dung)
        client.post(_invitation_link(group.coauthors.get()), _confirm_post())
        register(
            alice,
            "Lò Thị Alice",
            ALICE_ID,
            group_name="Nhóm Bản Mòng",
            coauthors=[{**DUNG, "full_name": "Tòng Văn Dũng B"}],
        )
        coauthor = CoAuthor.objects.get()
        assert coauthor.confirmed_at is None and coauthor.user is None
        assert OutgoingMail.objects.filter(kind="coauthor_invitation").count() == 2

    def test_changing_the_details_again_and_again_mails_three_invitations_a_day_at_most(
        self, register, alice, group
    ):
        for name in ("Tòng Văn Dũng A", "Tòng Văn Dũng B", "Tòng Văn Dũng C", "Tòng Văn Dũng D"):
            register(
                alice,
                "Lò Thị Alice",
                ALICE_ID,
                group_name="Nhóm Bản Mòng",
                coauthors=[{**DUNG, "full_name": name}],
            )

        assert OutgoingMail.objects.filter(kind="coauthor_invitation", to="dung@example.com").count() == 3
        coauthor = CoAuthor.objects.get()
        assert coauthor.full_name == "Tòng Văn Dũng D" and coauthor.confirmed_at is None

    def test_re_saving_the_form_keeps_a_confirmation(self, client, register, alice, group, dung):
        client.force_login(dung)
        client.post(_invitation_link(group.coauthors.get()), _confirm_post())
        register(alice, "Lò Thị Alice", ALICE_ID, group_name="Nhóm Bản Mòng", coauthors=[DUNG])
        assert CoAuthor.objects.get().confirmed_at is not None


class TestDeclining:
    def test_a_declining_co_author_leaves_the_group_and_its_clips_and_the_registrant_is_told(
        self, client, group, dung, submit
    ):
        clip = submit(group)
        client.force_login(dung)

        response = client.post(_invitation_link(group.coauthors.get()), {"decline": "yes"})

        assert response.status_code == 200
        assert not CoAuthor.objects.exists()
        assert list(clip.authors.values_list("full_name", flat=True)) == ["Lò Thị Alice"]
        assert SubmissionEvent.objects.filter(submission=clip, action="coauthor_declined").exists()
        mail = OutgoingMail.objects.get(kind="coauthor_declined")
        assert mail.to == "alice@example.com" and "Tòng Văn Dũng" in mail.body_text
        # The link opens nothing any more.
        assert client.get(_invitation_link(CoAuthor(pk=1, email="dung@example.com"))).status_code == 404


class TestPrizes:
    def test_a_clip_waiting_for_a_co_author_cannot_be_awarded_and_the_refusal_says_who(
        self, client, contest, group, dung, submit, committee
    ):
        clip = submit(group)
        Submission.objects.filter(pk=clip.pk).update(status=Submission.Status.SHORTLISTED)
        from tests.conftest import open_final_round

        open_final_round(contest)
        tier = set_prize_counts(contest, phu=1)["phu"]
        with pytest.raises(Refusal, match=re.escape(f"{clip.code} (Tòng Văn Dũng)")):
            side_prize_designate(tier=tier, submission=clip, user=committee, reason="Nhiều lượt xem.")

        client.force_login(dung)
        client.post(_invitation_link(group.coauthors.get()), _confirm_post())
        award = side_prize_designate(tier=tier, submission=clip, user=committee, reason="Nhiều lượt xem.")
        assert award.submission_id == clip.pk

    def test_the_screening_of_a_clip_waiting_for_a_co_author_goes_ahead(self, contest, group, submit, office):
        from submissions.screening import submission_decide

        clip = submit(group)
        submission_decide(submission=clip, user=office, decision=Submission.Status.SHORTLISTED)
        assert Submission.objects.get(pk=clip.pk).status == Submission.Status.SHORTLISTED


def test_a_consent_names_the_version_of_its_text(group):
    consents = Consent.objects.filter(registration=group, coauthor=None)
    assert {(c.text.kind, c.text.version) for c in consents} == {
        (ConsentText.Kind.RULES, 1),
        (ConsentText.Kind.PUBLICATION, 1),
        (ConsentText.Kind.DATA_PROCESSING, 1),
    }


def test_a_confirmed_co_author_watches_the_group_s_preview_but_not_its_original(client, group, dung, submit):
    from django.core.files.base import ContentFile

    clip = submit(group)
    clip.preview.save("p.mp4", ContentFile(b"\x00" * 64))
    preview = reverse("submissions:preview", args=[clip.code])
    original = reverse("submissions:original", args=[clip.code])
    client.force_login(dung)
    assert client.get(preview).status_code == 404  # not confirmed yet: a stranger to the clip

    client.post(_invitation_link(group.coauthors.get()), _confirm_post())

    assert client.get(preview).status_code == 200
    assert client.get(original).status_code == 404
