from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from judging.models import PrizeTier

from .identity import mask_id_number
from .media import CONTAINER_DEMUXERS
from .models import (
    CONFIGURABLE_FORM_FIELDS,
    ClipGenre,
    CoAuthor,
    Contest,
    EntrantCategory,
    FieldRequirement,
    Locality,
    Registration,
    Submission,
    SubmissionDocument,
    Upload,
)
from .pipeline import technical_flag_labels


class EntrantCategoryInline(admin.TabularInline):
    model = EntrantCategory
    extra = 0


class ClipGenreInline(admin.TabularInline):
    model = ClipGenre
    extra = 0


class LocalityInline(admin.TabularInline):
    model = Locality
    extra = 0


class PrizeTierInline(admin.TabularInline):
    model = PrizeTier
    extra = 0


FORM_FIELD_LABELS = {
    "date_of_birth": _("Registration form: date of birth"),
    "gender": _("Registration form: gender"),
    "phone": _("Registration form: phone"),
    "organisation": _("Registration form: organisation or school"),
    "locality": _("Registration form: district / city"),
    "address": _("Registration form: address"),
    "category": _("Registration form: entrant category"),
}


class BaseContestAdminForm(forms.ModelForm):
    """The contest's lists of containers and form fields as checkboxes and choices, not raw JSON."""

    accepted_containers = forms.MultipleChoiceField(
        label=_("accepted containers"),
        choices=[(name, name.upper()) for name in CONTAINER_DEMUXERS],
        widget=forms.CheckboxSelectMultiple,
    )
    fanpage_url = forms.URLField(label=_("fanpage URL"), required=False, assume_scheme="https")

    class Meta:
        model = Contest
        exclude = ["form_fields"]  # noqa: DJ006 - the admin's fieldsets list the fields; this one is edited as choices

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CONFIGURABLE_FORM_FIELDS:
            self.fields[f"form_field_{name}"].initial = self.instance.field_requirement(name)

    def clean(self):
        cleaned = super().clean()
        self.instance.form_fields = {
            name: cleaned[f"form_field_{name}"]
            for name in CONFIGURABLE_FORM_FIELDS
            if f"form_field_{name}" in cleaned
        }
        return cleaned


# One choice (required / optional / not asked) per configurable field of the registration form.
ContestAdminForm = type(
    "ContestAdminForm",
    (BaseContestAdminForm,),
    {
        f"form_field_{name}": forms.ChoiceField(label=label, choices=FieldRequirement.choices)
        for name, label in FORM_FIELD_LABELS.items()
    },
)


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    form = ContestAdminForm
    list_display = ["short_name", "code_prefix", "opens_at", "closes_at", "is_published"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [EntrantCategoryInline, ClipGenreInline, LocalityInline, PrizeTierInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "code_prefix", "organizer", "theme", "is_published"]}),
        (
            _("Rules"),
            {
                "fields": [
                    "introduction",
                    "legal_basis",
                    "eligibility",
                    "content_rules",
                    "dossier",
                    "preliminary_round",
                    "final_round",
                ]
            },
        ),
        (
            _("Submissions"),
            {
                "fields": [
                    "opens_at",
                    "closes_at",
                    "clips_per_author",
                    "max_clip_size",
                    "accepted_containers",
                    "min_duration",
                    "max_duration",
                    "allows_groups",
                ]
            },
        ),
        (_("Registration form"), {"fields": [f"form_field_{name}" for name in CONFIGURABLE_FORM_FIELDS]}),
        (_("Contact"), {"fields": ["contact_email", "fanpage_name", "fanpage_url"]}),
    ]


class CoAuthorInline(admin.TabularInline):
    model = CoAuthor
    extra = 0
    fields = ["full_name", "date_of_birth", "masked_id_number", "organisation", "phone"]
    readonly_fields = fields

    @admin.display(description=_("personal ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "group_name", "contest", "category", "locality", "masked_id_number", "created_at"]
    list_filter = ["contest", "category", "locality"]
    list_select_related = ["contest", "category", "locality"]
    search_fields = ["full_name", "group_name", "email"]
    inlines = [CoAuthorInline]
    exclude = ["id_number"]
    readonly_fields = ["masked_id_number", "contest", "user", "created_at", "updated_at"]

    @admin.display(description=_("personal ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SubmissionDocumentInline(admin.TabularInline):
    model = SubmissionDocument
    extra = 0
    fields = ["original_filename", "size", "sha256"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "genre", "status", "media_state", "submitted_at", "duration", "size"]
    list_filter = ["contest", "status", "genre", "media_state"]
    list_select_related = ["genre"]
    search_fields = ["code", "title", "registration__full_name", "registration__group_name"]
    inlines = [SubmissionDocumentInline]
    readonly_fields = [
        "contest",
        "registration",
        "code",
        "sequence",
        "status",
        "original_filename",
        "size",
        "sha256",
        "container",
        "duration",
        "width",
        "height",
        "video_codec",
        "audio_codec",
        "rotation",
        "frame_rate",
        "bitrate",
        "media_state",
        "media_problem",
        "technical_flag_list",
        "submitted_at",
        "withdrawn_at",
    ]
    exclude = ["clip", "thumbnail", "preview", "media_error", "technical_flags"]

    @admin.display(description=_("media problem"))
    def media_problem(self, obj):
        # Stored as the English source text, so each reader gets it in their own language.
        return gettext(obj.media_error) if obj.media_error else "—"

    @admin.display(description=_("technical flags"))
    def technical_flag_list(self, obj):
        return ", ".join(str(label) for label in technical_flag_labels(obj.technical_flags)) or "—"

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Entrants' work is never deleted from the admin.
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Resumable uploads, to look at: the entrant's script and the expiry task are the only ones to change them."""

    list_display = ["filename", "user", "state", "progress", "submission", "updated_at", "expires_at"]
    list_filter = ["state"]
    list_select_related = ["user", "submission"]
    search_fields = ["filename", "user__email", "submission__code"]
    fields = [
        "id",
        "user",
        "registration",
        "filename",
        "metadata",
        "length",
        "offset",
        "state",
        "refusal",
        "submission",
        "locked_until",
        "created_at",
        "updated_at",
        "expires_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("received"))
    def progress(self, obj):
        return f"{obj.offset * 100 // obj.length if obj.length else 100} %"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
