"""Copying a contest into a new draft: the settings come, the people do not; the committee's page for it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contest_portal.refusals import NotAllowed, Refusal
from judging.models import Criterion, FinalRound, PrizeTier
from submissions.copying import contest_copy
from submissions.models import Contest, ContestEvent, Registration, Submission
from submissions.phases import Phase, contest_phase
from tests.conftest import ALICE_ID

pytestmark = pytest.mark.django_db

NEXT_YEAR = {
    "slug": "dien-bien-2025",
    "code_prefix": "CDSDB2025",
    "name": "Cuộc thi Chuyển đổi số tỉnh Điện Biên năm 2025",
    "short_name": "CĐS Điện Biên 2025",
}


def _window():
    now = timezone.now()
    return {"opens_at": now + datetime.timedelta(days=30), "closes_at": now + datetime.timedelta(days=90)}


@pytest.fixture
def run_contest(contest, alice, register, submit, committee):
    """The contest with an entrant, a clip, a final round with its settings and an event in its history."""
    submit(register(alice, "Lò Thị Alice", ALICE_ID))
    FinalRound.objects.update_or_create(contest=contest, defaults={"method": "median", "min_scorecards": 2})
    ContestEvent.objects.create(contest=contest, actor=committee, action="announce", to_phase=Phase.ANNOUNCED)
    return contest


class TestTheService:
    def test_the_copy_takes_the_settings_and_lists(self, run_contest, committee):
        contest = run_contest
        copy = contest_copy(contest=contest, user=committee, **NEXT_YEAR, **_window())

        assert (copy.slug, copy.code_prefix, copy.short_name) == (
            "dien-bien-2025",
            "CDSDB2025",
            "CĐS Điện Biên 2025",
        )
        for field in (
            "theme",
            "eligibility",
            "content_rules",
            "clips_per_author",
            "max_clip_size",
            "min_age",
            "guardian_age",
            "retention_months",
        ):
            assert getattr(copy, field) == getattr(contest, field)
        assert copy.form_fields == contest.form_fields
        assert copy.accepted_containers == contest.accepted_containers
        for related in ("genres", "categories", "localities"):
            names = list(getattr(contest, related).values_list("name", "order"))
            assert names, related
            assert list(getattr(copy, related).values_list("name", "order")) == names
        assert list(copy.prize_tiers.values_list("name", "count", "amount")) == list(
            contest.prize_tiers.values_list("name", "count", "amount")
        )
        assert list(copy.criteria.values_list("name", "max_points", "weight")) == list(
            contest.criteria.values_list("name", "max_points", "weight")
        )
        final_round = FinalRound.objects.get(contest=copy)
        assert (final_round.method, final_round.min_scorecards, final_round.results_published_at) == (
            "median",
            2,
            None,
        )

    def test_the_copy_is_a_draft_with_no_people_and_its_own_history(self, run_contest, committee):
        from django.utils import timezone

        from submissions.consents import consent_text_current
        from submissions.models import ConsentText

        Contest.objects.filter(pk=run_contest.pk).update(personal_data_anonymised_at=timezone.now())
        run_contest.refresh_from_db()
        consent_text_current(contest=run_contest, kind=ConsentText.Kind.RULES)
        copy = contest_copy(contest=run_contest, user=committee, **NEXT_YEAR, **_window())

        assert copy.personal_data_anonymised_at is None
        # Its texts name their own contest: the copy words its own when first asked.
        assert not copy.consent_texts.exists()

        assert contest_phase(copy) == Phase.DRAFT
        assert (copy.last_sequence, copy.finalists_published_at, copy.results_expected_on) == (0, None, None)
        assert not Registration.objects.filter(contest=copy).exists()
        assert not Submission.objects.filter(contest=copy).exists()
        assert list(copy.events.values_list("action", "actor", "to_phase")) == [
            ("copied", committee.pk, Phase.DRAFT)
        ]
        # The source keeps what it had.
        assert run_contest.submissions.count() == 1 and run_contest.genres.count() == copy.genres.count()
        assert Criterion.objects.filter(contest=run_contest).count() == copy.criteria.count()
        assert PrizeTier.objects.filter(contest=run_contest).count() == copy.prize_tiers.count()

    def test_only_the_committee_copies(self, contest, office, english):
        with pytest.raises(NotAllowed, match="Only the Organizing Committee may copy a contest"):
            contest_copy(contest=contest, user=office, **NEXT_YEAR, **_window())
        assert Contest.objects.count() == 1

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"slug": "test-contest"}, "slug", "Contest with this Slug already exists"),
            ({"code_prefix": "cds2024"}, "code_prefix", "Another contest's clips are coded cds2024-"),
        ],
    )
    def test_the_copy_needs_its_own_address_and_code_prefix(
        self, contest, committee, english, change, field, message
    ):
        with pytest.raises(Refusal, match=message) as refusal:
            contest_copy(contest=contest, user=committee, **{**NEXT_YEAR, **change}, **_window())
        assert refusal.value.field == field
        assert Contest.objects.count() == 1

    def test_the_window_must_close_after_it_opens(self, contest, committee, english):
        window = _window()
        with pytest.raises(Refusal):
            contest_copy(
                contest=contest,
                user=committee,
                **NEXT_YEAR,
                opens_at=window["closes_at"],
                closes_at=window["opens_at"],
            )
        assert Contest.objects.count() == 1


class TestThePage:
    def _url(self, contest):
        return reverse("admin:submissions_contest_copy", args=[contest.pk])

    def _post(self, client, contest, **fields):
        window = _window()
        data = {
            **NEXT_YEAR,
            "opens_at": window["opens_at"].strftime("%Y-%m-%dT%H:%M"),
            "closes_at": window["closes_at"].strftime("%Y-%m-%dT%H:%M"),
            **fields,
        }
        return client.post(self._url(contest), data)

    def test_the_phase_page_links_it_for_the_committee(self, client, contest, committee):
        client.force_login(committee)
        page = client.get(reverse("admin:submissions_contest_phase", args=[contest.pk])).content.decode()
        assert f'href="{self._url(contest)}"' in page

    def test_the_committee_makes_a_draft_and_lands_on_it(self, client, contest, committee):
        client.force_login(committee)
        page = client.get(self._url(contest))
        assert page.status_code == 200
        # In Vietnamese by default, with the source's names to start from.
        assert "Tạo bản nháp mới" in page.content.decode()
        assert page.context["form"].initial["slug"] == "test-contest-2"

        response = self._post(client, contest)

        copy = Contest.objects.get(slug="dien-bien-2025")
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:submissions_contest_change", args=[copy.pk])
        assert copy.stage == Phase.DRAFT

    def test_a_prefix_in_use_is_shown_on_its_field(self, client, contest, committee):
        client.force_login(committee)
        client.cookies["django_language"] = "en"

        response = self._post(client, contest, code_prefix="CDS2024")

        assert response.status_code == 400
        assert "Another contest&#x27;s clips are coded CDS2024-" in response.content.decode()
        assert response.context["form"].errors["code_prefix"]
        assert Contest.objects.count() == 1

    def test_a_screener_is_refused(self, client, contest, office):
        client.force_login(office)
        assert client.get(self._url(contest)).status_code == 403
        assert self._post(client, contest).status_code == 403
        assert Contest.objects.count() == 1
