from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from judging.models import PrizeTier

from .identity import mask_id_number
from .models import (
    ClipGenre,
    CoAuthor,
    Contest,
    EntrantCategory,
    Locality,
    Registration,
    Submission,
    SubmissionDocument,
)


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


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
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
                    "form_fields",
                ]
            },
        ),
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
    list_display = ["code", "title", "genre", "status", "submitted_at", "duration", "size"]
    list_filter = ["contest", "status", "genre"]
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
        "submitted_at",
        "withdrawn_at",
    ]
    exclude = ["clip", "thumbnail"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Entrants' work is never deleted from the admin.
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
