"""Consent per purpose (submissions.consents): each agreement names the version of the text agreed to, saving the
form again adds nothing, a materially changed text asks again in My clips and any other change does not, the
committee adds versions and never edits one, and the privacy notice is one click away from every page."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from submissions import consents
from submissions.consents import (
    PERSON_KINDS,
    consent_text_add,
    consent_text_current,
    consents_record,
    consents_to_ask_again,
)
from submissions.models import CoAuthor, Consent, ConsentText, Contest, Registration
from tests.conftest import ALICE_ID, BOB_ID, registration_post

pytestmark = pytest.mark.django_db

Kind = ConsentText.Kind


@pytest.fixture
def registration(alice, register):
    return register(alice, "Lò Thị Alice", ALICE_ID)


def _agreed(registration):
    return sorted(registration.consents.values_list("text__kind", "text__version"))


def _new_version(contest, kind=Kind.PUBLICATION, *, asks_again, body="Clip có thể được phát trên truyền hình."):
    return consent_text_add(contest=contest, kind=kind, body=body, asks_again=asks_again, user=None)


class TestRecordingConsents:
    def test_each_consent_of_the_form_names_the_version_of_its_text(self, contest, alice, registration):
        rows = list(registration.consents.select_related("text"))

        assert sorted((row.text.kind, row.text.version) for row in rows) == sorted((k, 1) for k in PERSON_KINDS)
        assert {(row.user, row.coauthor, row.guardian, row.text.contest) for row in rows} == {
            (alice, None, None, contest)
        }

    def test_saving_the_form_again_records_nothing_new(self, alice, register, registration):
        register(alice, "Lò Thị Alice", ALICE_ID, organisation="UBND xã Hua La")
        consents_record(registration=registration, kinds=PERSON_KINDS, user=alice)

        assert Consent.objects.count() == 3

    def test_saving_the_form_after_a_new_version_records_that_version(
        self, contest, alice, register, registration
    ):
        _new_version(contest, asks_again=False)

        register(alice, "Lò Thị Alice", ALICE_ID)

        assert _agreed(registration) == sorted([*((k, 1) for k in PERSON_KINDS), (Kind.PUBLICATION, 2)])

    def test_a_consent_is_recorded_when_it_was_given(self, alice, registration):
        given = timezone.now() - datetime.timedelta(hours=3)
        Consent.objects.all().delete()

        [consent] = consents_record(registration=registration, kinds=[Kind.RULES], user=alice, now=given)

        assert consent.given_at == given

    def test_an_unticked_box_records_no_consent(self, bob, register):
        registration = register(bob, "Cầm Văn Bob", BOB_ID, consents_to_publication=False)

        assert {kind for kind, _version in _agreed(registration)} == {Kind.RULES, Kind.DATA_PROCESSING}


class TestVersions:
    def test_version_one_is_made_once_in_the_default_wording(self, contest):
        first = consent_text_current(contest=contest, kind=Kind.RULES)

        assert consent_text_current(contest=contest, kind=Kind.RULES) == first
        assert (first.version, first.created_by, first.asks_again) == (1, None, False)
        assert contest.name in first.body

    def test_two_requests_making_version_one_at_once_both_get_the_one_saved(self, contest, monkeypatch):
        theirs = ConsentText.objects.create(contest=contest, kind=Kind.RULES, version=1, body="Của họ")
        latest = consents._latest
        calls = []

        def not_there_yet(contest, kind):
            calls.append(kind)
            return None if len(calls) == 1 else latest(contest, kind)

        monkeypatch.setattr(consents, "_latest", not_there_yet)

        assert consent_text_current(contest=contest, kind=Kind.RULES) == theirs
        assert ConsentText.objects.filter(kind=Kind.RULES).count() == 1

    def test_a_new_version_takes_the_next_number_and_the_old_ones_stay(self, contest, committee):
        first = consent_text_current(contest=contest, kind=Kind.RULES)

        second = consent_text_add(contest=contest, kind=Kind.RULES, body="Mới", asks_again=True, user=committee)
        third = consent_text_add(
            contest=contest, kind=Kind.RULES, body="Mới hơn", asks_again=False, user=committee
        )

        assert (second.version, third.version, third.created_by) == (2, 3, committee)
        assert consent_text_current(contest=contest, kind=Kind.RULES) == third
        first.refresh_from_db()
        assert first.version == 1 and contest.name in first.body

    def test_two_versions_added_at_once_take_consecutive_numbers(self, contest, monkeypatch):
        consent_text_current(contest=contest, kind=Kind.RULES)
        full_clean = ConsentText.full_clean

        def another_member_saves_first(text, *args, **kwargs):
            # Between reading the last version and saving the next, the same number is taken.
            monkeypatch.setattr(ConsentText, "full_clean", full_clean)
            ConsentText.objects.create(
                contest=contest, kind=Kind.RULES, version=text.version, body="Của người kia"
            )
            return full_clean(text, *args, **kwargs)

        monkeypatch.setattr(ConsentText, "full_clean", another_member_saves_first)

        mine = consent_text_add(contest=contest, kind=Kind.RULES, body="Của tôi", asks_again=False, user=None)

        versions = ConsentText.objects.filter(kind=Kind.RULES, version__gt=1).order_by("version")
        assert list(versions.values_list("version", "body")) == [(2, "Của người kia"), (3, "Của tôi")]
        assert mine.version == 3

    def test_each_contest_numbers_its_own_versions(self, contest):
        other = Contest.objects.create(
            slug="khac",
            code_prefix="KHAC",
            name="Cuộc thi khác",
            short_name="Khác",
            theme="Chủ đề",
            eligibility="Mọi người",
            content_rules="Clip",
            opens_at=contest.opens_at,
            closes_at=contest.closes_at,
        )
        _new_version(contest, asks_again=False)

        assert consent_text_current(contest=other, kind=Kind.PUBLICATION).version == 1

    def test_the_privacy_notice_says_what_is_collected_why_for_how_long_and_whom_to_ask(self, contest):
        contest.form_fields = {**contest.form_fields, "address": "hidden"}
        contest.retention_months = 18
        contest.save()

        body = consent_text_current(contest=contest, kind=Kind.PRIVACY_NOTICE).body
        # Its second paragraph lists what the form collects (the retention paragraph names addresses anyway).
        collected = body.split("\n\n")[1]

        with translation.override("vi"):
            asked = str(Registration._meta.get_field("phone").verbose_name)
            not_asked = str(Registration._meta.get_field("address").verbose_name)
        assert asked in collected and not_asked not in collected
        assert "18" in body and "13/2023/NĐ-CP" in body
        assert contest.contact_email in body


class TestAskingAgain:
    def test_a_materially_new_version_asks_again_those_who_agreed_to_an_older_one(self, contest, registration):
        new = _new_version(contest, asks_again=True)

        assert consents_to_ask_again(registration=registration) == [new]

    def test_a_version_that_changes_nothing_material_does_not_ask_again(self, contest, registration):
        _new_version(contest, asks_again=False)

        assert consents_to_ask_again(registration=registration) == []

    def test_after_a_material_version_the_latest_one_is_asked(self, contest, registration):
        _new_version(contest, asks_again=True)
        latest = _new_version(contest, asks_again=False, body="Sửa lỗi chính tả.")

        assert consents_to_ask_again(registration=registration) == [latest]

    def test_who_agreed_since_the_material_version_is_not_asked(self, contest, alice, registration):
        _new_version(contest, asks_again=True)
        consents_record(registration=registration, kinds=[Kind.PUBLICATION], user=alice)
        _new_version(contest, asks_again=False, body="Sửa lỗi chính tả.")

        assert consents_to_ask_again(registration=registration) == []

    def test_a_consent_withdrawn_is_not_asked_again(self, contest, registration):
        registration.consents.filter(text__kind=Kind.PUBLICATION).update(withdrawn_at=timezone.now())
        _new_version(contest, asks_again=True)

        assert consents_to_ask_again(registration=registration) == []


class TestRegistrationFormShowsTheTexts:
    def test_each_box_shows_the_current_wording_and_its_version(self, client, contest, alice):
        consent_text_current(contest=contest, kind=Kind.PUBLICATION)
        _new_version(contest, asks_again=False, body="Clip được phát trên truyền hình tỉnh.")
        client.force_login(alice)

        html = client.get(reverse("submissions:registration", args=[contest.slug]), HTTP_ACCEPT_LANGUAGE="en")

        page = html.content.decode()
        assert "Clip được phát trên truyền hình tỉnh." in page
        assert "(version 2)" in page and "(version 1)" in page

    def test_it_links_the_privacy_notice(self, client, contest, alice):
        client.force_login(alice)

        page = client.get(reverse("submissions:registration", args=[contest.slug])).content.decode()

        assert f'href="{reverse("submissions:privacy", args=[contest.slug])}"' in page

    def test_posting_the_form_twice_records_each_consent_once(self, client, contest, alice):
        client.force_login(alice)
        url = reverse("submissions:registration", args=[contest.slug])

        assert client.post(url, registration_post(contest)).status_code == 302
        assert client.post(url, registration_post(contest, organisation="Trường PTDTNT")).status_code == 302

        assert _agreed(Registration.objects.get(user=alice)) == sorted((k, 1) for k in PERSON_KINDS)


class TestMyClipsAsksAgain:
    def test_it_shows_the_new_wording_and_records_the_agreement(self, client, contest, alice, registration):
        new = _new_version(contest, asks_again=True)
        client.force_login(alice)
        my_clips = reverse("submissions:my_clips", args=[contest.slug])

        page = client.get(my_clips, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert new.body in page and "I agree" in page
        assert "you may withdraw your clips" in page

        response = client.post(reverse("submissions:consents_agree", args=[contest.slug]), {"text": [new.pk]})

        assert response.status_code == 302 and response.url == my_clips
        assert registration.consents.filter(text=new, user=alice).count() == 1
        assert 'id="consents-ask-again"' not in client.get(my_clips).content.decode()

    def test_a_version_that_changes_nothing_material_is_not_asked_there(
        self, client, contest, alice, registration
    ):
        _new_version(contest, asks_again=False)
        client.force_login(alice)

        page = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()

        assert 'id="consents-ask-again"' not in page

    def test_agreeing_to_wording_replaced_meanwhile_records_nothing(self, client, contest, alice, registration):
        shown = _new_version(contest, asks_again=True)
        _new_version(contest, asks_again=True, body="Lại đổi.")
        client.force_login(alice)

        response = client.post(reverse("submissions:consents_agree", args=[contest.slug]), {"text": [shown.pk]})

        assert response.status_code == 302
        assert registration.consents.count() == 3

    def test_a_second_click_records_nothing_more(self, client, contest, alice, registration):
        new = _new_version(contest, asks_again=True)
        client.force_login(alice)
        url = reverse("submissions:consents_agree", args=[contest.slug])

        client.post(url, {"text": [new.pk]})
        client.post(url, {"text": [new.pk]})

        assert registration.consents.filter(text=new).count() == 1

    def test_someone_with_nothing_to_agree_to_is_sent_back_and_nothing_is_recorded(self, client, contest, bob):
        client.force_login(bob)

        response = client.post(reverse("submissions:consents_agree", args=[contest.slug]))

        assert response.status_code == 302 and response.url == reverse("submissions:my_clips", args=[contest.slug])
        assert not Consent.objects.filter(user=bob).exists()

    def test_a_confirmed_co_author_is_asked_again_and_agrees_as_a_co_author(
        self, client, contest, alice, bob, registration
    ):
        coauthor = CoAuthor.objects.create(
            registration=registration,
            full_name="Cầm Văn Bob",
            email="bob@example.com",
            date_of_birth=BOB_ID[1],
            id_number=BOB_ID[0],
            user=bob,
            confirmed_at=timezone.now(),
        )
        consents_record(registration=registration, kinds=PERSON_KINDS, user=bob, coauthor=coauthor)
        new = _new_version(contest, asks_again=True)
        client.force_login(bob)
        my_clips = reverse("submissions:my_clips", args=[contest.slug])
        assert 'id="consents-ask-again"' in client.get(my_clips).content.decode()

        client.post(reverse("submissions:consents_agree", args=[contest.slug]), {"text": [new.pk]})

        assert list(coauthor.consents.filter(text=new).values_list("user", flat=True)) == [bob.pk]
        assert not registration.consents.filter(text=new, coauthor=None).exists()
        assert 'id="consents-ask-again"' not in client.get(my_clips).content.decode()

    def test_agreeing_takes_a_post_from_someone_signed_in(self, client, contest, alice, registration):
        url = reverse("submissions:consents_agree", args=[contest.slug])

        assert client.post(url).url.startswith(reverse("account_login"))
        client.force_login(alice)
        assert client.get(url).status_code == 405


class TestPrivacyNotice:
    def test_the_page_shows_the_current_version_and_its_date(self, client, contest):
        consent_text_current(contest=contest, kind=Kind.PRIVACY_NOTICE)
        notice = consent_text_add(
            contest=contest, kind=Kind.PRIVACY_NOTICE, body="Thông báo mới.", asks_again=False, user=None
        )

        page = client.get("/test-contest/bao-mat/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

        assert "Thông báo mới." in page
        assert f"Version 2, of {timezone.localdate(notice.created_at):%d/%m/%Y}" in page

    def test_the_notice_sends_the_reader_to_their_data_and_names_the_contact(self, client, contest):
        page = client.get("/test-contest/bao-mat/").content.decode()

        assert f'href="{reverse("submissions:my_data")}"' in page
        assert (
            reverse("submissions:my_data") in consent_text_current(contest=contest, kind=Kind.PRIVACY_NOTICE).body
        )
        assert contest.contact_email in page

    def test_every_page_of_the_contest_links_it_in_the_footer(self, client, contest):
        for url in ("/test-contest/", "/test-contest/the-le/", "/test-contest/bao-mat/"):
            assert 'href="/test-contest/bao-mat/"' in client.get(url).content.decode()

    def test_a_page_of_no_contest_links_the_portals_list_of_notices(self, client, contest):
        page = client.get(reverse("account_login")).content.decode()

        assert f'href="{reverse("submissions:privacy_notices")}"' in page
        assert client.get(reverse("submissions:privacy_notices")).url == "/test-contest/bao-mat/"

    def test_with_several_contests_the_list_names_each(self, client, contest):
        Contest.objects.filter(pk=contest.pk).update(slug="mot")
        contest.pk = None
        contest.slug, contest.code_prefix, contest.name = "hai", "HAI", "Cuộc thi thứ hai"
        contest.save()

        page = client.get(reverse("submissions:privacy_notices")).content.decode()

        assert 'href="/mot/bao-mat/"' in page and 'href="/hai/bao-mat/"' in page

    def test_its_address_is_not_a_contests(self, contest):
        contest.slug = "bao-mat"

        with pytest.raises(Exception, match="bao-mat"):
            contest.full_clean()


CONSENT_TEXTS = "/admin/submissions/consenttext/"


class TestTheCommitteeEditsTheTexts:
    def test_a_new_version_starts_from_the_current_wording(self, client, contest, committee):
        current = consent_text_current(contest=contest, kind=Kind.RULES)
        client.force_login(committee)

        response = client.get(f"{CONSENT_TEXTS}add/", {"kind": Kind.RULES})

        assert response.status_code == 200
        assert response.context["adminform"].form.initial == {"kind": Kind.RULES, "body": current.body}

    def test_the_committee_adds_a_version(self, client, contest, committee):
        consent_text_current(contest=contest, kind=Kind.RULES)
        client.force_login(committee)

        response = client.post(
            f"{CONSENT_TEXTS}add/?kind=rules", {"kind": Kind.RULES, "body": "Thể lệ mới.", "asks_again": "on"}
        )

        assert response.status_code == 302
        text = consent_text_current(contest=contest, kind=Kind.RULES)
        assert (text.version, text.body, text.asks_again, text.created_by) == (2, "Thể lệ mới.", True, committee)

    def test_the_list_offers_a_new_version_of_each_text(self, client, contest, committee):
        client.force_login(committee)

        page = client.get(CONSENT_TEXTS).content.decode()

        for kind in Kind.values:
            assert f'href="{CONSENT_TEXTS}add/?kind={kind}"' in page

    def test_adding_without_choosing_a_text_goes_back_to_the_list(self, client, contest, committee):
        client.force_login(committee)

        assert client.get(f"{CONSENT_TEXTS}add/").url == CONSENT_TEXTS

    def test_a_saved_version_can_be_read_but_neither_changed_nor_deleted(self, client, contest, committee):
        text = consent_text_current(contest=contest, kind=Kind.RULES)
        client.force_login(committee)
        page = f"{CONSENT_TEXTS}{text.pk}/change/"

        assert client.get(page).status_code == 200
        assert client.post(page, {"kind": Kind.RULES, "body": "Sửa lén.", "asks_again": ""}).status_code == 403
        assert client.post(f"{CONSENT_TEXTS}{text.pk}/delete/", {"post": "yes"}).status_code == 403
        text.refresh_from_db()
        assert text.body != "Sửa lén."

    def test_the_office_may_not_edit_the_texts(self, client, contest, office):
        client.force_login(office)

        assert client.get(CONSENT_TEXTS).status_code == 403
        assert client.get(f"{CONSENT_TEXTS}add/", {"kind": Kind.RULES}).status_code == 403

    def test_another_contests_texts_are_not_found(self, client, contest, committee):
        other = Contest.objects.get(pk=contest.pk)
        other.pk = None
        other.slug, other.code_prefix = "khac", "KHAC"
        other.save()
        theirs = consent_text_current(contest=other, kind=Kind.RULES)
        client.force_login(committee)

        assert client.get(f"{CONSENT_TEXTS}{theirs.pk}/change/").status_code == 404


CONSENTS = "/admin/submissions/consent/"


class TestWhoAgreedToWhat:
    def test_the_list_names_the_person_the_version_and_when(self, client, contest, office, registration):
        client.force_login(office)

        response = client.get(CONSENTS, HTTP_ACCEPT_LANGUAGE="en")

        page = response.content.decode()
        assert response.context["cl"].result_count == 3
        assert "Lò Thị Alice" in page and "the contest rules v1" in page
        assert "alice@example.com" not in page and ALICE_ID[0] not in page

    def test_nobody_adds_changes_or_deletes_a_consent(self, client, contest, committee, registration):
        consent = registration.consents.first()
        client.force_login(committee)

        assert client.get(f"{CONSENTS}add/").status_code == 403
        assert client.post(f"{CONSENTS}{consent.pk}/change/", {}).status_code == 403
        assert client.post(f"{CONSENTS}{consent.pk}/delete/", {"post": "yes"}).status_code == 403
        assert Consent.objects.count() == 3

    def test_an_entrant_never_reaches_it(self, client, contest, alice, registration):
        client.force_login(alice)

        assert client.get(CONSENTS).status_code == 302

    def test_a_staff_member_outside_every_role_is_refused(self, client, contest, registration):
        outsider = get_user_model().objects.create_user(email="ngoai@example.com", password="x", is_staff=True)
        client.force_login(outsider)

        assert client.get(CONSENTS).status_code == 403
