import re

from django import forms
from django.utils import formats
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .consents import CONSENT_FIELDS, consent_text_current
from .identity import validate_phone
from .media.probe import format_duration
from .models import CONFIGURABLE_FORM_FIELDS, CoAuthor, FieldRequirement, Guardian, Registration, Submission

DECLARATIONS = ["declares_originality", "accepts_rules", "consents_to_publication", "consents_to_data_processing"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PersonFormMixin(forms.Form):
    """Separators are dropped here so the model's checks (ID number against birth date, phone) see digits."""

    id_number = forms.CharField(
        label=_("Personal ID number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_id_number(self):
        return re.sub(r"[\s.\-]", "", self.cleaned_data["id_number"])

    def clean_phone(self):
        phone = self.cleaned_data.get("phone")
        return validate_phone(phone) if phone else phone


class RegistrationForm(PersonFormMixin, forms.ModelForm):
    """The Phiếu đăng ký dự thi, with the fields the contest asks for."""

    class Meta:
        model = Registration
        fields = [
            "full_name",
            "date_of_birth",
            "gender",
            "id_number",
            "phone",
            "email",
            "organisation",
            "locality",
            "address",
            "category",
            "group_name",
            *DECLARATIONS,
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "gender": forms.RadioSelect,
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }
        # In the entrant's words, as a co-author's confirmation has them; the full wording is shown beside each.
        labels = {
            "accepts_rules": _("I have read and accept the contest rules."),
            "consents_to_publication": _("I agree that the clips may be published if they reach the final round."),
            "consents_to_data_processing": _(
                "I agree that my personal data is processed to run the contest, as the privacy notice says."
            ),
        }

    def __init__(self, *args, contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.contest = contest
        # The model's checks need the contest (the minimum age on its closing day) before the form is saved.
        self.instance.contest = contest
        self.fields["locality"].queryset = contest.localities.all()
        self.fields["category"].queryset = contest.categories.all()
        for name in CONFIGURABLE_FORM_FIELDS:
            requirement = contest.field_requirement(name)
            if requirement == FieldRequirement.HIDDEN:
                del self.fields[name]
            else:
                self.fields[name].required = requirement == FieldRequirement.REQUIRED
        if "gender" in self.fields:
            self.fields["gender"].choices = self.fields["gender"].choices[1:]
        if not contest.allows_groups:
            del self.fields["group_name"]
        for name in DECLARATIONS:
            self.fields[name].required = True
        # Each box agrees to the contest's current version of its text, shown beside it (submissions.consents).
        self.consents = [
            (self[name], consent_text_current(contest=contest, kind=kind)) for name, kind in CONSENT_FIELDS.items()
        ]
        self.fields["id_number"].help_text = _("The 12 digits of your citizen ID card (CCCD).")


class CoAuthorForm(PersonFormMixin, forms.ModelForm):
    """A co-author as the registrant names them; the e-mail address is where their invitation to confirm goes."""

    class Meta:
        model = CoAuthor
        fields = ["full_name", "email", "date_of_birth", "id_number", "organisation", "phone"]
        widgets = {
            "date_of_birth": DateInput(),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, contest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        if contest is not None:
            # As for the registrant: the minimum age is the contest's, on its closing day.
            self.instance.registration = Registration(contest=contest)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def validate_unique(self):
        """The list is saved whole by the service, which checks it; nothing to compare row by row here."""


class BaseCoAuthorFormSet(forms.BaseFormSet):
    def __init__(self, *args, registrant_id_number=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.registrant_id_number = registrant_id_number

    def clean(self):
        if any(self.errors):
            return
        seen, emails = set(), set()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            id_number = form.cleaned_data.get("id_number")
            if id_number in seen:
                form.add_error("id_number", _("This person is listed twice."))
            seen.add(id_number)
            email = form.cleaned_data.get("email")
            if email in emails:
                form.add_error(
                    "email", _("Each co-author needs their own e-mail address: the invitation goes there.")
                )
            emails.add(email)

    def coauthors(self):
        return [
            {
                name: form.cleaned_data.get(name, "") or ("" if name != "date_of_birth" else None)
                for name in CoAuthorForm.Meta.fields
            }
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form)
        ]


class GuardianForm(forms.ModelForm):
    """The parent or guardian of an author under the contest's guardian age: they receive the consent link."""

    class Meta:
        model = Guardian
        fields = ["full_name", "relation", "phone", "email"]
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }

    def clean_phone(self):
        return validate_phone(self.cleaned_data["phone"])

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def guardian(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CoAuthorConfirmForm(PersonFormMixin, forms.ModelForm):
    """What a co-author checks and corrects about themselves, with their own consents."""

    accepts_rules = forms.BooleanField(label=_("I have read and accept the contest rules."))
    consents_to_publication = forms.BooleanField(
        label=_("I agree that the clips may be published if they reach the final round.")
    )
    consents_to_data_processing = forms.BooleanField(
        label=_("I agree that my personal data is processed to run the contest, as the privacy notice says.")
    )

    class Meta:
        model = CoAuthor
        fields = ["full_name", "date_of_birth", "id_number", "organisation", "phone"]
        widgets = {"date_of_birth": DateInput()}

    def __init__(self, *args, identity_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if identity_locked:
            # After the deadline who a co-author is stays as named (submissions.coauthors.coauthor_confirm).
            for name in ("full_name", "date_of_birth", "id_number"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Entries are closed: this can no longer change here.")

    def details(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


CoAuthorFormSet = forms.formset_factory(
    CoAuthorForm, formset=BaseCoAuthorFormSet, extra=1, can_delete=True, max_num=10, validate_max=True
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.odt"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class SubmissionDetailsForm(forms.ModelForm):
    class Meta:
        model = Submission
        fields = ["title", "genre", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["genre"].queryset = contest.genres.all()
        self.fields["genre"].empty_label = None
        self.fields["genre"].widget = forms.RadioSelect(choices=self.fields["genre"].choices)


class SubmissionForm(SubmissionDetailsForm):
    clip = forms.FileField(
        label=_("Clip"),
        widget=forms.ClearableFileInput(attrs={"accept": "video/*,.mp4,.mov,.avi,.mkv,.webm"}),
    )
    documents = MultipleFileField(label=_("Accompanying documents (PDF, DOCX, ODT)"), required=False)

    class Meta(SubmissionDetailsForm.Meta):
        pass


# The file name endings phones and computers give each container's files (media.containers), to tell a format
# the contest does not accept before a byte is sent; the server still decides by the file's own bytes.
CLIP_EXTENSIONS = {
    "mp4": "mp4",
    "m4v": "mp4",
    "mov": "mov",
    "qt": "mov",
    "3gp": "3gp",
    "3g2": "3gp",
    "avi": "avi",
    "mkv": "mkv",
    "webm": "webm",
}


def clip_rules(contest):
    """What the clip form's script (js/clip-check.js) checks a picked file against before sending a byte: the
    contest's limits, and the server's refusals (services._check_clip_size, media.probe) as templates in the
    reader's language, with what the page already knows filled in, so that the browser says what the server
    would. The msgids are the server's own: one translation serves both."""
    accepted = ", ".join(name.upper() for name in contest.accepted_containers)
    return {
        "max_size": contest.max_clip_size,
        "min_duration": contest.min_duration,
        "max_duration": contest.max_duration,
        "accepted": list(contest.accepted_containers),
        "extensions": CLIP_EXTENSIONS,
        "messages": {
            "too_large": gettext("The clip is %(size)s; the largest accepted is %(max)s."),
            "duration": gettext("The clip lasts %(duration)s; it must last between %(min)s and %(max)s.")
            % {
                "duration": "%(duration)s",
                "min": format_duration(contest.min_duration),
                "max": format_duration(contest.max_duration),
            },
            "format": gettext("This file format (%(format)s) is not accepted. Accepted formats: %(accepted)s.")
            % {"format": "%(format)s", "accepted": accepted},
        },
        # Django's filesizeformat and bytes_exact (templatetags.portal), and media.probe.format_duration.
        "sizes": {
            "byte": ngettext("%(size)d byte", "%(size)d bytes", 1),
            "bytes": ngettext("%(size)d byte", "%(size)d bytes", 2),
            "units": [gettext("%s KB"), gettext("%s MB"), gettext("%s GB"), gettext("%s TB"), gettext("%s PB")],
            "exact": gettext("%(size)s (%(bytes)s bytes)"),
        },
        "durations": {
            "seconds": gettext("%(seconds)s s"),
            "minutes": gettext("%(minutes)d min"),
            "minutes_seconds": gettext("%(minutes)d min %(seconds)02d s"),
            "hours": gettext("%(hours)d h"),
            "hours_minutes": gettext("%(hours)d h %(minutes)02d min"),
            "hours_minutes_seconds": gettext("%(hours)d h %(minutes)02d min %(seconds)02d s"),
        },
        "decimal_separator": formats.get_format("DECIMAL_SEPARATOR"),
        "thousand_separator": formats.get_format("THOUSAND_SEPARATOR"),
        "number_grouping": formats.get_format("NUMBER_GROUPING"),
    }
