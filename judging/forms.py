from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.utils.translation import gettext_lazy as _

from submissions.models import Submission

from .models import Assignment, Criterion, FinalRound, Panel
from .services import (
    SCORE_STEP,
    criterion_validate,
    final_round_validate,
    jury,
    validate_max_points,
    validate_weight,
)


class DigitsFirstDecimalField(forms.DecimalField):
    """A DecimalField that refuses a number of too many digits before any other validator sees it.

    Django runs every validator of a field, even after one refused: a score of 400 digits, or of 400 decimals,
    reached the step validator, which works in floats and failed on it ("math domain error", a 500). Checked
    in validate(), which runs before the validators and stops them when it refuses."""

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values:
            DecimalValidator(self.max_digits, self.decimal_places)(value)

    def prepare_value(self, value):
        # The database's trailing zeros ("30.00", a weight of "1.000") read as thousands in Vietnamese.
        return plain_decimal(value) if isinstance(value, Decimal) else super().prepare_value(value)


def _limit_choices(form, **querysets):
    """Limits the choices of the fields the admin put on the form. A page shown read-only (to whom may view but
    not change) has every field read-only, and the form none of them."""
    for name, queryset in querysets.items():
        if name in form.fields:
            form.fields[name].queryset = queryset


def _add_errors(form, error):
    """A service's ValidationError on the form: beside each field the form shows, above the form otherwise
    (the list of criteria edits only some of their fields)."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class CriterionForm(forms.ModelForm):
    """A line of the rubric, checked against the scale and the scores already given (services.criterion_validate)."""

    class Meta:
        model = Criterion
        fields = ["contest", "name", "description", "max_points", "weight", "order", "breaks_ties"]
        field_classes = {"max_points": DigitsFirstDecimalField, "weight": DigitsFirstDecimalField}
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Checked on the fields, so a wrong value is named beside its field, not as a broken database check.
        for name, validator in (("max_points", validate_max_points), ("weight", validate_weight)):
            if name in self.fields:
                self.fields[name].validators.append(validator)

    def _post_clean(self):
        super()._post_clean()
        try:
            criterion_validate(criterion=self.instance)
        except ValidationError as error:
            _add_errors(self, error)


class FinalRoundForm(forms.ModelForm):
    class Meta:
        model = FinalRound
        fields = [
            "contest",
            "scoring_ends_at",
            "assignment",
            "judges_per_clip",
            "min_scorecards",
            "method",
            "disagreement_threshold",
            "blind",
        ]
        field_classes = {"disagreement_threshold": DigitsFirstDecimalField}

    def _post_clean(self):
        super()._post_clean()
        try:
            final_round_validate(final_round=self.instance)
        except ValidationError as error:
            _add_errors(self, error)


def _finalists(contest):
    finalists = Submission.objects.finalists()
    if contest is not None:
        finalists = finalists.filter(contest=contest)
    return finalists.order_by("-contest__opens_at", "sequence")


class PanelForm(forms.ModelForm):
    """A panel: judges of the jury and finalists of the panel's contest."""

    # The contest being worked on, set by the admin: the judges and finalists offered are its own.
    working_contest = None

    class Meta:
        model = Panel
        fields = ["contest", "name", "judges", "submissions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_choices(self, judges=jury(self.working_contest), submissions=_finalists(self.working_contest))

    def clean(self):
        cleaned = super().clean()
        contest = cleaned.get("contest")
        others = [
            clip.code for clip in cleaned.get("submissions", []) if contest and clip.contest_id != contest.pk
        ]
        if others:
            self.add_error(
                "submissions", _("Not finalists of this contest: %(codes)s.") % {"codes": ", ".join(others)}
            )
        return cleaned


class AssignmentForm(forms.ModelForm):
    """An assignment the committee adds by hand: a judge of the jury and a finalist."""

    working_contest = None  # as PanelForm's

    class Meta:
        model = Assignment
        fields = ["submission", "judge"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_choices(self, judge=jury(self.working_contest), submission=_finalists(self.working_contest))


class ScorecardForm(forms.Form):
    """One number per criterion of the rubric, within its bounds, and a comment.

    A draft may leave criteria blank; submitting needs every one."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 60})
    )

    def __init__(self, *args, criteria, submitting=False, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[self.field_name(criterion)] = DigitsFirstDecimalField(
                label=criterion.name,
                help_text=criterion.description,
                required=submitting,
                min_value=0,
                max_value=plain_decimal(criterion.max_points),
                max_digits=6,
                decimal_places=2,
                step_size=SCORE_STEP,
                disabled=disabled,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "class": "score-input"}),
            )
        self.fields["comment"].disabled = disabled

    def clean(self):
        cleaned = super().clean()
        if not self.fields.keys() & self.data.keys():
            # A browser sends every field of the scorecard's form, blank or not: a POST with none of them (JSON,
            # plain text, another form) did not come from it, and must not save an empty draft.
            raise ValidationError(_("Nothing of the scorecard arrived: send it again from its page."))
        return cleaned

    @staticmethod
    def field_name(criterion):
        return f"criterion_{criterion.pk}"

    def rows(self):
        """(criterion, bound field) in the rubric's order."""
        return [(criterion, self[self.field_name(criterion)]) for criterion in self.criteria]

    def points(self):
        """{criterion id: points or None}, for scorecard_save."""
        return {criterion.pk: self.cleaned_data.get(self.field_name(criterion)) for criterion in self.criteria}


def plain_decimal(value):
    """27.50 -> 27.5, 30.00 -> 30: what a number input shows, without the database's trailing zeros."""
    return Decimal(format(value.normalize(), "f"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
