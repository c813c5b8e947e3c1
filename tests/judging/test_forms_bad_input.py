"""Bad input on the judging forms. Absurd numbers (hundreds of digits, hundreds of decimals, exponents) are refused
beside their field with a message, before the step validator (which works in floats) sees them; a POST that is
not the scorecard's form saves nothing; a page shown read-only builds its form without the fields it lacks."""

from decimal import Decimal

import pytest
from django.forms import modelform_factory
from django.urls import reverse

from judging.forms import AssignmentForm, CriterionForm, FinalRoundForm, PanelForm, ScorecardForm
from judging.models import Assignment, Criterion, Panel, Scorecard
from judging.services import scorecard_save

from .conftest import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TOO_MANY_DIGITS = "Ensure that there are no more than 6 digits in total."
TOO_MANY_DECIMALS = "Ensure that there are no more than 2 decimal places."

ABSURD_SCORES = [
    ("9" * 400, TOO_MANY_DIGITS),
    ("-" + "9" * 400, TOO_MANY_DIGITS),
    ("1e400", TOO_MANY_DIGITS),
    ("0." + "0" * 400 + "1", TOO_MANY_DIGITS),
    ("1e-400", TOO_MANY_DIGITS),
    ("27.125", TOO_MANY_DECIMALS),
]


class TestTheScorecardForm:
    @pytest.mark.parametrize(("value", "message"), ABSURD_SCORES)
    def test_an_absurd_number_is_refused_with_the_digits_rule(self, criteria, value, message):
        content = criteria[0]

        form = ScorecardForm({ScorecardForm.field_name(content): value}, criteria=criteria)

        assert not form.is_valid()
        assert form.errors == {ScorecardForm.field_name(content): [message]}

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("31", "Ensure this value is less than or equal to 30."),
            (
                "20.1",
                "Ensure this value is a multiple of step size 0.25, starting from 0, e.g. 0, 0.25, 0.50, and so on.",
            ),
            ("Infinity", "Enter a number."),
        ],
    )
    def test_a_number_of_sensible_size_still_meets_the_other_rules(self, criteria, value, message):
        content = criteria[0]

        form = ScorecardForm({ScorecardForm.field_name(content): value}, criteria=criteria)

        assert form.errors == {ScorecardForm.field_name(content): [message]}

    def test_a_score_in_quarters_within_the_scale_is_accepted(self, criteria):
        content = criteria[0]

        form = ScorecardForm({ScorecardForm.field_name(content): "27.75"}, criteria=criteria)

        assert form.is_valid(), form.errors
        assert form.points()[content.pk] == Decimal("27.75")


class TestTheScorecardPage:
    def test_a_400_digit_score_is_named_and_nothing_saved_changes(self, client, judge, assignment, criteria):
        scorecard_save(assignment=assignment, judge=judge, points={criteria[0].pk: 20}, comment="Cũ")
        data = {ScorecardForm.field_name(criteria[0]): "9" * 400, "comment": "Mới", "_save": "1"}

        response = signed_in(client, judge).post(
            reverse("admin:judging_assignment_score", args=[assignment.pk]), data
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert TOO_MANY_DIGITS in html
        assert "Nothing was saved: check the points below." in html
        scorecard = Scorecard.objects.get()
        assert scorecard.comment == "Cũ"
        assert dict(scorecard.scores.values_list("criterion_id", "points")) == {criteria[0].pk: Decimal(20)}


class TestTheRubricAndTheRound:
    @pytest.mark.parametrize("field", ["max_points", "weight"])
    def test_a_criterion_of_400_digits_is_refused_beside_its_field(self, contest, field):
        data = {
            "contest": contest.pk,
            "name": "Âm thanh",
            "max_points": "10",
            "weight": "1",
            "order": "9",
            field: "9" * 400,
        }

        form = CriterionForm(data)

        assert not form.is_valid()
        assert form.errors[field] == [TOO_MANY_DIGITS]
        assert not Criterion.objects.filter(name="Âm thanh").exists()

    def test_a_disagreement_threshold_of_400_digits_is_refused_beside_its_field(self, contest):
        data = {
            "contest": contest.pk,
            "assignment": "everyone",
            "judges_per_clip": "3",
            "min_scorecards": "1",
            "method": "mean",
            "disagreement_threshold": "9" * 400,
        }

        form = FinalRoundForm(data)

        assert not form.is_valid()
        assert form.errors["disagreement_threshold"] == ["Ensure that there are no more than 4 digits in total."]


NOTHING_ARRIVED = "Nothing of the scorecard arrived: send it again from its page."


class TestAPostThatIsNotTheScorecard:
    def test_a_form_with_none_of_its_fields_is_refused(self, criteria):
        form = ScorecardForm({"something": "else"}, criteria=criteria)

        assert not form.is_valid()
        assert form.non_field_errors() == [NOTHING_ARRIVED]

    def test_the_form_as_a_browser_sends_it_blank_is_a_blank_draft(self, criteria):
        data = {"comment": "", **{ScorecardForm.field_name(criterion): "" for criterion in criteria}}

        form = ScorecardForm(data, criteria=criteria)

        assert form.is_valid(), form.errors
        assert set(form.points().values()) == {None}

    @pytest.mark.parametrize(
        ("body", "content_type"),
        [(b'{"comment": "Hay"}', "application/json"), (b"9" * 5000, "text/plain")],
    )
    def test_json_or_plain_text_saves_no_draft(self, client, judge, assignment, body, content_type):
        response = signed_in(client, judge).post(
            reverse("admin:judging_assignment_score", args=[assignment.pk]), body, content_type=content_type
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert NOTHING_ARRIVED in html
        assert "Nothing was saved: check the points below." in html
        assert not Scorecard.objects.exists()


class TestAPageShownReadOnly:
    @pytest.mark.parametrize(
        ("form", "model"), [(AssignmentForm, Assignment), (PanelForm, Panel), (CriterionForm, Criterion)]
    )
    def test_the_form_is_built_without_the_fields_it_lacks(self, form, model):
        read_only = modelform_factory(model, form=form, fields=[])

        assert read_only().fields == {}

    def test_the_committee_reads_an_assignment(self, client, committee, assignment, judge):
        # Assignments are never edited: the admin shows every field read-only, and the form has none.
        response = signed_in(client, committee).get(
            reverse("admin:judging_assignment_change", args=[assignment.pk])
        )

        assert response.status_code == 200
        assert judge.email in response.content.decode()
