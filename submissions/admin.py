from dataclasses import dataclass, field

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from contest_portal.admin import ContestOptionFilter, OthersAreNotFound, ReadOnly, WorkingContestScope, admin_page
from contest_portal.permissions import (
    may_change_authors,
    may_publish_finalists,
    may_run_contest,
    may_screen,
    may_view_outbox,
    may_view_registrations,
    may_view_submissions,
)
from contest_portal.personal_data import PERSONAL_FIELDS, personal_data_access_log, sees_personal_data
from contest_portal.refusals import Refusal
from contest_portal.roles import ROLES

from .admin_audience import AudienceVoteWindowInline, FaqEntryInline, audience_vote_page
from .coauthors import clip_waiting_for
from .copying import contest_copy
from .fanpage_pack import may_export_fanpage_pack
from .guardians import guardians_needed_recount
from .identity import mask_id_number
from .media.containers import CONTAINER_DEMUXERS
from .media.pipeline import TECHNICAL_FLAGS, technical_flag_labels
from .media.probe import format_duration
from .models import (
    CONFIGURABLE_FORM_FIELDS,
    ClipGenre,
    CoAuthor,
    Contest,
    EntrantCategory,
    FieldRequirement,
    Guardian,
    Locality,
    Registration,
    ScreeningReview,
    StaffRole,
    Submission,
    SubmissionAuthor,
    SubmissionDocument,
    Upload,
)
from .phases import (
    Phase,
    contest_announce,
    contest_archive,
    contest_close_preliminary,
    contest_phase,
    phase_description,
    undecided_clips,
)
from .publication import finalists_publish, publish_confirmation_context
from .reports import may_export, submissions_export
from .screening import (
    CHECKLIST,
    DECISIONS,
    EVENT_ACTIONS,
    decision_is_told_to,
    decisions_allowed,
    screening_review_save,
    submission_decide,
)
from .services import submission_authors_change
from .staff import contests_of, role_grant, staff_contest, working_contest_switch

Status = Submission.Status


class EntrantCategoryInline(admin.TabularInline):
    model = EntrantCategory
    extra = 0


class ClipGenreInline(admin.TabularInline):
    model = ClipGenre
    extra = 0


class LocalityInline(admin.TabularInline):
    model = Locality
    extra = 0


ROLE_GROUP_NAMES = [role.group_name for role in ROLES.values()]


class StaffRoleInline(admin.TabularInline):
    """Who works on the contest, in which role: the portal administrator's to give (submissions/staff.py)."""

    model = StaffRole
    extra = 0
    autocomplete_fields = ["user"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["group"].queryset = Group.objects.filter(name__in=ROLE_GROUP_NAMES)
        return formset

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


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


class ContestCopyForm(forms.Form):
    """What a copied contest does not take from its source: its names, address, code prefix and window."""

    name = forms.CharField(label=_("name"), max_length=300)
    short_name = forms.CharField(label=_("short name"), max_length=120)
    slug = forms.SlugField(label=_("address (slug)"), max_length=50)
    code_prefix = forms.CharField(label=_("submission code prefix"), max_length=20)
    opens_at = forms.DateTimeField(
        label=_("submissions open"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_at = forms.DateTimeField(
        label=_("submissions close"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


@admin.register(Contest)
class ContestAdmin(OthersAreNotFound, admin.ModelAdmin):
    form = ContestAdminForm
    list_display = ["short_name", "code_prefix", "opens_at", "closes_at", "phase"]
    prepopulated_fields = {"slug": ["short_name"]}
    # judging/admin.py adds the prize tiers.
    inlines = [
        EntrantCategoryInline,
        ClipGenreInline,
        LocalityInline,
        StaffRoleInline,
        FaqEntryInline,
        AudienceVoteWindowInline,
    ]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "code_prefix", "organizer", "theme"]}),
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
                    "min_age",
                    "guardian_age",
                    "rolling_screening",
                    "results_expected_on",
                ]
            },
        ),
        (_("Registration form"), {"fields": [f"form_field_{name}" for name in CONFIGURABLE_FORM_FIELDS]}),
        (_("Contact"), {"fields": ["contact_email", "fanpage_name", "fanpage_url"]}),
        (_("Personal data"), {"fields": ["retention_months"]}),
    ]

    def get_queryset(self, request):
        # A staff member's own contests; opening one is working on it.
        return contests_of(request.user)

    def get_object(self, request, object_id, from_field=None):
        contest = super().get_object(request, object_id, from_field)
        if contest is not None:
            working_contest_switch(request, contest)
        return contest

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and not request.user.is_superuser:
            # Whoever makes a contest prepares it: they hold the committee's role in it.
            role_grant(request.user, "committee", obj)
        if change and {"guardian_age", "closes_at"} & set(form.changed_data):
            # Who is under the guardian age is counted on the closing day.
            guardians_needed_recount(contest=obj)

    @admin.display(description=_("phase"))
    def phase(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:submissions_contest_phase", args=[obj.pk]),
            contest_phase(obj).label,
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/phase/", wrap(self.phase_view), name="submissions_contest_phase"),
            path("<path:object_id>/copy/", wrap(self.copy_view), name="submissions_contest_copy"),
            path(
                "<path:object_id>/audience-vote/",
                wrap(self.audience_vote_view),
                name="submissions_contest_audience_vote",
            ),
            *super().get_urls(),
        ]

    def phase_view(self, request, object_id):
        """The contest's lifecycle on one page: where it is, what comes next and the committee's move to it
        (confirmed), and its history."""
        contest = self.get_object(request, unquote(object_id))
        if contest is None:
            raise Http404(_("There is no such contest."))
        if not self.has_view_permission(request, contest):
            raise PermissionDenied
        phase = contest_phase(contest)
        move = PHASE_MOVES.get(phase)
        may_move = may_run_contest(request.user)
        status = 200
        if request.method == "POST":
            if not (may_move and move):
                raise PermissionDenied
            if request.POST.get("confirm") != "yes":
                self.message_user(request, _("Tick the box to confirm the move."), messages.ERROR)
                status = 400
            else:
                try:
                    move.service(contest=contest, user=request.user)
                except Refusal as refusal:
                    self.message_user(request, refusal.message, messages.ERROR)
                    status = refusal.status
                else:
                    self.message_user(request, move.done, messages.SUCCESS)
                    return redirect("admin:submissions_contest_phase", contest.pk)
        context = {
            **admin_page(self, request),
            "title": _("Phases of %(contest)s") % {"contest": contest.short_name},
            "contest": contest,
            "phase": phase,
            "description": phase_description(contest),
            "timeline": [(each, each == phase) for each in Phase],
            "move": move if may_move else None,
            "may_copy": may_move,
            "undecided": list(undecided_clips(contest)) if phase == Phase.PRELIMINARY else [],
            # Who closing the preliminary round concerns, for its confirmation.
            "finalist_count": contest.submissions.finalists().count() if phase == Phase.PRELIMINARY else None,
            "events": contest.events.select_related("actor").order_by("-created_at", "-id"),
        }
        return TemplateResponse(request, "admin/submissions/contest/phase.html", context, status=status)

    def audience_vote_view(self, request, object_id):
        return audience_vote_page(self, request, object_id)

    def copy_view(self, request, object_id):
        """A new draft from this contest: the committee names it and gives its dates; the rest is copied."""
        contest = self.get_object(request, unquote(object_id))
        if contest is None:
            raise Http404(_("There is no such contest."))
        if not may_run_contest(request.user):
            raise PermissionDenied
        status = 200
        if request.method == "POST":
            form = ContestCopyForm(request.POST)
            if form.is_valid():
                try:
                    copy = contest_copy(contest=contest, user=request.user, **form.cleaned_data)
                except Refusal as refusal:
                    form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
                else:
                    self.message_user(
                        request,
                        _("%(copy)s is a new draft, copied from %(contest)s: check its texts and dates.")
                        % {"copy": copy.short_name, "contest": contest.short_name},
                        messages.SUCCESS,
                    )
                    return redirect("admin:submissions_contest_change", copy.pk)
            status = 400
        else:
            form = ContestCopyForm(
                initial={
                    "name": contest.name,
                    "short_name": contest.short_name,
                    "slug": f"{contest.slug}-2",
                    "code_prefix": "",
                    "opens_at": contest.opens_at,
                    "closes_at": contest.closes_at,
                }
            )
        context = {
            **admin_page(self, request),
            "title": _("Copy %(contest)s into a new draft") % {"contest": contest.short_name},
            "contest": contest,
            "form": form,
        }
        return TemplateResponse(request, "admin/submissions/contest/copy.html", context, status=status)


@dataclass(frozen=True)
class PhaseMove:
    """The committee's move out of a phase, as the phase page offers it."""

    service: object
    button: str
    explanation: str
    done: str


PHASE_MOVES = {
    Phase.DRAFT: PhaseMove(
        contest_announce,
        _("Announce the contest"),
        _("Its pages and registration form become public; entries open at the opening time."),
        _("The contest is announced."),
    ),
    Phase.PRELIMINARY: PhaseMove(
        contest_close_preliminary,
        _("Close the preliminary round"),
        _(
            "The decisions stand from then on. The final round opens: the finalists are assigned to the judges "
            "and each judge is told by e-mail."
        ),
        _("The preliminary round is closed; the final round is open and the judges are told."),
    ),
    Phase.PUBLISHED: PhaseMove(
        contest_archive,
        _("Archive the contest"),
        _("Its pages and results stay online; nothing about it changes any more."),
        _("The contest is archived."),
    ),
}


# Without the personal-data permission the ID numbers are masked, and the contact and identity details the
# exports leave out are not shown either (nor can they be filtered, searched or sorted on: personal_data.py).
def _sees_personal_data(request):
    return sees_personal_data(request.user)


def _id_number_field(request):
    return "id_number" if _sees_personal_data(request) else "masked_id_number"


def _shown_personal_data(request, *, contest, what, records=1):
    """A page that showed `request.user` unmasked personal data: in the access log (contest_portal.personal_data)."""
    personal_data_access_log(
        user=request.user, contest=contest, what=what, records=records, path=request.get_full_path()
    )


def _rendered(response, name):
    """What a page of the admin's rendered with `name`, or None for a redirect or a refusal."""
    context = getattr(response, "context_data", None) or {}
    return context.get(name) if response.status_code == 200 else None


class _PeopleOfTheRegistration(admin.TabularInline):
    """The people a registration names, as the registrant and they themselves gave them: read-only here."""

    extra = 0

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CoAuthorInline(_PeopleOfTheRegistration):
    model = CoAuthor

    @admin.display(description=_("personal ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    def get_fields(self, request, obj=None):
        if _sees_personal_data(request):
            return ["full_name", "email", "date_of_birth", "id_number", "organisation", "phone", "confirmed_at"]
        return ["full_name", "masked_id_number", "organisation", "confirmed_at"]


class GuardianInline(_PeopleOfTheRegistration):
    """Who consents for an author under the guardian age, and whether they have."""

    model = Guardian

    def get_fields(self, request, obj=None):
        person = ["coauthor", "full_name", "relation"]
        contact = ["phone", "email"] if _sees_personal_data(request) else []
        return [*person, *contact, "invited_at", "consented_at", "withdrawn_at"]

    def has_view_permission(self, request, obj=None):
        # Seen with the registration it belongs to (the roles hold no permission on the model itself).
        return may_view_registrations(request.user)


@admin.register(Registration)
class RegistrationAdmin(WorkingContestScope, admin.ModelAdmin):
    list_display = ["full_name", "group_name", "contest", "category", "locality", "masked_id_number", "created_at"]
    list_filter = [("category", ContestOptionFilter), ("locality", ContestOptionFilter)]
    list_select_related = ["contest", "category", "locality"]
    search_fields = ["full_name", "group_name", "email"]
    inlines = [CoAuthorInline, GuardianInline]

    @admin.display(description=_("personal ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    def get_list_display(self, request):
        return [_id_number_field(request) if name == "masked_id_number" else name for name in self.list_display]

    def get_exclude(self, request, obj=None):
        personal = [] if _sees_personal_data(request) else sorted(PERSONAL_FIELDS["submissions.Registration"])
        return ["user", *personal]

    def get_readonly_fields(self, request, obj=None):
        # The ID number is what the clip limit counts by: it is never edited here.
        # The account is named by its e-mail address, personal data too.
        account = "user" if _sees_personal_data(request) else "account"
        return [_id_number_field(request), "contest", account, "created_at", "updated_at"]

    @admin.display(description=_("account"))
    def account(self, obj):
        return _("account no. %(number)s") % {"number": obj.user_id}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # With the permission, the list shows ID numbers and the page every personal field: both are logged.

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = _rendered(response, "cl")
        if changelist is not None and _sees_personal_data(request):
            _shown_personal_data(
                request,
                contest=getattr(request.user, "working_contest", None),
                what=gettext_noop("List of registration forms"),
                records=len(changelist.result_list),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        registration = _rendered(response, "original")
        if registration is not None and _sees_personal_data(request):
            _shown_personal_data(request, contest=registration.contest, what=gettext_noop("Registration form"))
        return response


class SubmissionDocumentInline(admin.TabularInline):
    model = SubmissionDocument
    extra = 0
    fields = ["original_filename", "size", "sha256"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MyRecommendationFilter(admin.SimpleListFilter):
    title = _("my recommendation")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("yes", _("recorded")), ("no", _("not yet"))]

    def queryset(self, request, queryset):
        # my_recommendation is annotated by SubmissionAdmin.get_queryset.
        if self.value() == "yes":
            return queryset.filter(my_recommendation__isnull=False)
        if self.value() == "no":
            return queryset.filter(my_recommendation__isnull=True)
        return queryset


class TechnicalFlagFilter(admin.SimpleListFilter):
    title = _("technical flag")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return list(TECHNICAL_FLAGS.items())

    def queryset(self, request, queryset):
        if self.value() not in TECHNICAL_FLAGS:
            return queryset
        # The list's JSON text holds each code in double quotes, and no code is part of another. JSONField's
        # `contains` would say it better, but SQLite does not have it.
        return queryset.filter(technical_flags__icontains=f'"{self.value()}"')


YES_NO = [("True", _("yes")), ("False", _("no"))]


class ScreeningReviewForm(forms.ModelForm):
    """One screener's checklist, recommendation and comment on a clip."""

    recommendation = forms.ChoiceField(
        label=_("recommendation"), choices=ScreeningReview.Recommendation.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = ScreeningReview
        fields = [
            *(name for pair in CHECKLIST for name in pair),
            "recommendation",
            "comment",
        ]
        widgets = {
            **{answer: forms.RadioSelect(choices=YES_NO) for answer, _note in CHECKLIST},
            **{note: forms.Textarea(attrs={"rows": 2, "cols": 50}) for _answer, note in CHECKLIST},
            "comment": forms.Textarea(attrs={"rows": 3, "cols": 60}),
        }

    def checklist(self):
        """(answer, note) bound fields, one pair per item of the checklist."""
        return [(self[answer], self[note]) for answer, note in CHECKLIST]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(status.value, status.label) for status in DECISIONS])
    reason = forms.CharField(required=False, widget=forms.Textarea)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason, for every selected clip"),
        help_text=_("The entrants read it in the e-mail telling them the decision."),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
    )


class AuthorForm(forms.ModelForm):
    class Meta:
        model = SubmissionAuthor
        fields = ["full_name", "id_number", "date_of_birth", "organisation"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


AuthorFormSet = forms.modelformset_factory(SubmissionAuthor, form=AuthorForm, extra=1, can_delete=True)


class AuthorsReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the change"),
        help_text=_("It stays in the clip's history."),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
    )


@dataclass
class BulkDecision:
    """What a bulk decision did, clip by clip."""

    changed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (code, why)


@admin.register(Submission)
class SubmissionAdmin(WorkingContestScope, ReadOnly, admin.ModelAdmin):
    """The Standing Office's screening list, a screening page per clip, and the decisions, all through
    submissions.screening. Submitted content is read-only here, and nothing is deleted."""

    # What the screeners decide by first; what they sort and filter by after.
    list_display = [
        "thumbnail_image",
        "screening_link",
        "title",
        "screening_state",
        "media_state",
        "flag_list",
        "duration_display",
        "genre",
        "category",
        "locality",
    ]
    list_display_links = None
    list_filter = [
        "status",
        MyRecommendationFilter,
        ("genre", ContestOptionFilter),
        ("registration__category", ContestOptionFilter),
        ("registration__locality", ContestOptionFilter),
        "media_state",
        TechnicalFlagFilter,
    ]
    list_select_related = ["genre", "registration__category", "registration__locality"]
    list_per_page = 50
    ordering = ["-contest__opens_at", "sequence"]
    search_fields = [
        "code",
        "title",
        "registration__group_name",
        "authors__full_name",
    ]
    actions = ["shortlist_selected", "not_selected_selected", "export_csv", "export_xlsx"]
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

    def get_queryset(self, request):
        mine = ScreeningReview.objects.filter(submission=OuterRef("pk"), reviewer=request.user.pk)
        return (
            super()
            .get_queryset(request)
            .with_votes()
            .annotate(my_recommendation=Subquery(mine.values("recommendation")[:1]))
            .with_waiting()
        )

    # Submitted content is read-only for everyone (ReadOnly): decisions go through the screening page.

    def has_screen_permission(self, request, obj=None):
        return may_screen(request.user)

    def has_change_authors_permission(self, request):
        # The form shows and takes ID numbers.
        return may_change_authors(request.user) and _sees_personal_data(request)

    def has_export_permission(self, request):
        return may_export(request.user)

    def has_publish_permission(self, request):
        return may_publish_finalists(request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Entrants' work is never deleted from the admin.
        actions.pop("delete_selected", None)
        return actions

    # The list's columns.

    def action_checkbox(self, obj):
        # Django's own renders a form widget through the template engine, a millisecond a row: on a page of 50
        # clips, more than the database's work. The same markup, written directly.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    @admin.display(description=_("thumbnail"))
    def thumbnail_image(self, obj):
        if not obj.thumbnail:
            return "—"
        return format_html(
            '<img class="screening-thumb" src="{}?w=160" alt="" loading="lazy" width="80" height="45">',
            reverse("submissions:thumbnail", args=[obj.code]),
        )

    @admin.display(description=_("code"), ordering="sequence")
    def screening_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:submissions_submission_screen", args=[obj.pk]), obj.code
        )

    @admin.display(description=_("entrant category"), ordering="registration__category__order")
    def category(self, obj):
        return obj.registration.category or "—"

    @admin.display(description=_("district / city"), ordering="registration__locality__order")
    def locality(self, obj):
        return obj.registration.locality or "—"

    @admin.display(description=_("duration"), ordering="duration")
    def duration_display(self, obj):
        return format_duration(obj.duration)

    @admin.display(description=_("technical flags"))
    def flag_list(self, obj):
        flags = [str(label) for label in technical_flag_labels(obj.technical_flags)]
        # Who the clip waits for (SubmissionQuerySet.with_waiting): a guardian's consent stops its screening.
        if getattr(obj, "waits_for_guardian", False):
            flags.insert(0, str(_("waiting for a guardian")))
        if getattr(obj, "waits_for_coauthors", False):
            flags.insert(0, str(_("waiting for co-authors")))
        return ", ".join(flags) or "—"

    @admin.display(description=_("screening"), ordering="status")
    def screening_state(self, obj):
        mine = ""
        if obj.my_recommendation:
            mine = ScreeningReview.Recommendation(obj.my_recommendation).label
        return format_html(
            '<span class="screening-status status-{}">{}</span> '
            '<span class="screening-votes" title="{}">{} ✓ · {} ✗</span>{}',
            obj.status,
            obj.get_status_display(),
            _("recommendations: shortlist · do not select"),
            obj.shortlist_votes,
            obj.not_select_votes,
            format_html(' <span class="screening-mine">({})</span>', _("me: %s") % mine) if mine else "",
        )

    # The change view: every fact of the clip, read-only.

    @admin.display(description=_("media problem"))
    def media_problem(self, obj):
        # Stored as the English source text, so each reader gets it in their own language.
        return gettext(obj.media_error) if obj.media_error else "—"

    @admin.display(description=_("technical flags"))
    def technical_flag_list(self, obj):
        return ", ".join(str(label) for label in technical_flag_labels(obj.technical_flags)) or "—"

    # Screens of their own.

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/screen/", wrap(self.screen_view), name="submissions_submission_screen"),
            path("<path:object_id>/decide/", wrap(self.decide_view), name="submissions_submission_decide"),
            path("<path:object_id>/authors/", wrap(self.authors_view), name="submissions_submission_authors"),
            path("publish/<slug:slug>/", wrap(self.publish_view), name="submissions_submission_publish"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        contest = self._listed_contest(request)
        extra_context = {
            # The list's columns need the width more than screeners need the other models' menu.
            "is_nav_sidebar_enabled": False,
            "contest": contest,
            "may_view_statistics": may_view_submissions(request.user),
            "may_export": may_export(request.user),
            "may_publish": contest is not None and self.has_publish_permission(request),
            "may_export_fanpage_pack": contest is not None and may_export_fanpage_pack(request.user),
            "may_view_outbox": may_view_outbox(request.user),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            "screen_url": reverse("admin:submissions_submission_screen", args=[object_id]),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _listed_contest(self, request):
        return getattr(request.user, "working_contest", None)

    def _screened_submission(self, request, object_id):
        submission = self.get_object(request, unquote(object_id))
        if submission is None:
            raise Http404(_("There is no such clip."))
        if not self.has_view_permission(request, submission):
            raise PermissionDenied
        return submission

    def screen_view(self, request, object_id):
        """The screening page: the clip, its facts and documents, the entrant's form, the screeners'
        recommendations and the audit history; my checklist and recommendation; the decision buttons."""
        submission = self._screened_submission(request, object_id)
        may_review = self.has_screen_permission(request) and submission.status != Status.WITHDRAWN
        review = ScreeningReview.objects.filter(submission=submission, reviewer=request.user).first()
        form = ScreeningReviewForm(request.POST or None, instance=review)
        if request.method == "POST":
            if not may_review:
                raise PermissionDenied
            if form.is_valid():
                try:
                    screening_review_save(submission=submission, reviewer=request.user, **form.cleaned_data)
                except Refusal as refusal:
                    self.message_user(request, refusal.message, messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _("Your recommendation on %(code)s is saved.") % {"code": submission.code},
                        messages.SUCCESS,
                    )
                    return self._after_screening(request, submission)
        if _sees_personal_data(request):
            _shown_personal_data(
                request,
                contest=submission.contest,
                what=gettext_noop("Screening page of a clip, with its authors"),
            )
        return TemplateResponse(
            request,
            "admin/submissions/submission/screen.html",
            self._screen_context(request, submission, form=form, may_review=may_review),
        )

    def _screen_context(self, request, submission, *, form, may_review):
        registration = submission.registration
        sees_personal_data = _sees_personal_data(request)

        def id_number(person):
            return person.id_number if sees_personal_data else mask_id_number(person.id_number)

        previous, following = _queue_neighbours(submission)
        reviews = submission.screening_reviews.exclude(reviewer=request.user.pk).select_related("reviewer")
        events = submission.events.select_related("actor").order_by("-created_at", "-id")
        return {
            **admin_page(self, request),
            "is_nav_sidebar_enabled": False,
            "title": _("Screening %(code)s") % {"code": submission.code},
            "original": submission,
            "submission": submission,
            "registration": registration,
            "id_number": id_number(registration),
            "authors": [(author, id_number(author)) for author in submission.authors.all()],
            "may_change_authors": self.has_change_authors_permission(request),
            "sees_personal_data": sees_personal_data,
            "documents": list(submission.documents.all()),
            "flags": technical_flag_labels(submission.technical_flags),
            "media_problem": gettext(submission.media_error) if submission.media_error else "",
            "reviews": [(review, _checklist_rows(review)) for review in reviews],
            "events": [
                (
                    event,
                    EVENT_ACTIONS.get(event.action, event.action),
                    _status_label(event.from_status),
                    _status_label(event.to_status),
                )
                for event in events
            ],
            "form": form,
            "may_review": may_review,
            "decisions": decisions_allowed(request.user, submission),
            "waiting": clip_waiting_for(submission),
            "told_lock": decision_is_told_to(request.user, submission),
            "previous": previous,
            "next": following,
            "queue_size": _queue(submission).count(),
        }

    def _after_screening(self, request, submission):
        """Back to the same clip, or on to the next one in the queue with "…and next"."""
        if "_next" in request.POST:
            _previous, following = _queue_neighbours(submission)
            if following is not None:
                return redirect("admin:submissions_submission_screen", following.pk)
            self.message_user(request, _("No other clip is waiting for a decision."), messages.INFO)
        return redirect("admin:submissions_submission_screen", submission.pk)

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        submission = self._screened_submission(request, object_id)
        if not self.has_screen_permission(request):
            raise PermissionDenied
        form = DecisionForm(request.POST)
        if not form.is_valid():
            self.message_user(request, _("Choose a decision."), messages.ERROR)
            return redirect("admin:submissions_submission_screen", submission.pk)
        decision = Status(form.cleaned_data["decision"])
        try:
            decided = submission_decide(
                submission=submission, user=request.user, decision=decision, reason=form.cleaned_data["reason"]
            )
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return redirect("admin:submissions_submission_screen", submission.pk)
        if decided:
            self.message_user(
                request,
                _("%(code)s: %(decision)s.") % {"code": submission.code, "decision": decision.label},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("%(code)s was already %(decision)s: nothing changed.")
                % {"code": submission.code, "decision": decision.label},
                messages.INFO,
            )
        self._report_mail_problems(request, [decided])
        return self._after_screening(request, submission)

    def authors_view(self, request, object_id):
        """The committee corrects the recorded authors of a clip (submission_authors_change), with a reason."""
        submission = self._screened_submission(request, object_id)
        if not self.has_change_authors_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        formset = AuthorFormSet(data, queryset=submission.authors.all(), prefix="authors")
        reason_form = AuthorsReasonForm(data)
        status = 200
        if request.method == "POST":
            if formset.is_valid() and reason_form.is_valid():
                authors = [
                    {name: form.cleaned_data[name] for name in AuthorForm.Meta.fields}
                    for form in formset.forms
                    # An extra row left blank has no cleaned data.
                    if form.cleaned_data and not form.cleaned_data.get("DELETE")
                ]
                try:
                    submission_authors_change(
                        submission=submission,
                        user=request.user,
                        authors=authors,
                        reason=reason_form.cleaned_data["reason"],
                    )
                except Refusal as refusal:
                    self.message_user(request, refusal.message, messages.ERROR)
                    status = refusal.status
                else:
                    self.message_user(
                        request,
                        _("The authors of %(code)s are changed.") % {"code": submission.code},
                        messages.SUCCESS,
                    )
                    return redirect("admin:submissions_submission_screen", submission.pk)
            else:
                status = 400
        # Only those who see personal data may change the authors: the form shows their ID numbers.
        _shown_personal_data(request, contest=submission.contest, what=gettext_noop("Authors of a clip"))
        context = {
            **admin_page(self, request),
            "title": _("Authors of %(code)s") % {"code": submission.code},
            "submission": submission,
            "formset": formset,
            "reason_form": reason_form,
        }
        return TemplateResponse(request, "admin/submissions/submission/authors.html", context, status=status)

    def _report_mail_problems(self, request, outcomes):
        """A template the committee broke stops the drafting, not the decision: once, what to fix."""
        for decided in outcomes:
            if decided.mail_problem:
                self.message_user(
                    request,
                    _("The decision is recorded, but its e-mail could not be drafted. %(why)s")
                    % {"why": decided.mail_problem},
                    messages.WARNING,
                )
                return

    # Bulk actions.

    def _decide_each(self, request, queryset, decision, reason=""):
        outcome = BulkDecision()
        decisions = []
        for submission in queryset.order_by("contest_id", "sequence"):
            try:
                decided = submission_decide(
                    submission=submission, user=request.user, decision=decision, reason=reason
                )
            except Refusal as refusal:
                outcome.refused.append((submission.code, refusal.message))
                continue
            decisions.append(decided)
            (outcome.changed if decided else outcome.unchanged).append(submission)
        self._report_mail_problems(request, decisions)
        self._report(request, outcome, decision)

    def _report(self, request, outcome, decision):
        count = len(outcome.changed)
        self.message_user(
            request,
            ngettext("%(count)d clip is now %(decision)s.", "%(count)d clips are now %(decision)s.", count)
            % {"count": count, "decision": decision.label},
            messages.SUCCESS if count else messages.WARNING,
        )
        if outcome.unchanged:
            count = len(outcome.unchanged)
            self.message_user(
                request,
                ngettext(
                    "%(count)d was %(decision)s already: %(codes)s.",
                    "%(count)d were %(decision)s already: %(codes)s.",
                    count,
                )
                % {
                    "count": count,
                    "decision": decision.label,
                    "codes": ", ".join(submission.code for submission in outcome.unchanged),
                },
                messages.INFO,
            )
        for code, why in outcome.refused:
            self.message_user(request, _("%(code)s refused: %(why)s") % {"code": code, "why": why}, messages.ERROR)

    @admin.action(description=_("Shortlist the selected clips (finalists)"), permissions=["screen"])
    def shortlist_selected(self, request, queryset):
        self._decide_each(request, queryset, Status.SHORTLISTED)

    @admin.action(description=_("Not selected, with one reason"), permissions=["screen"])
    def not_selected_selected(self, request, queryset):
        """Asks for the reason first, on a page of its own, as deleting asks for a confirmation."""
        form = ReasonForm(request.POST if "post" in request.POST else None)
        if form.is_valid():
            self._decide_each(request, queryset, Status.NOT_SELECTED, form.cleaned_data["reason"])
            return None
        submissions = list(queryset.order_by("contest_id", "sequence"))
        context = {
            **admin_page(self, request),
            "title": _("Not selected, with one reason"),
            "submissions": submissions,
            "form": form,
            "action": "not_selected_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/submissions/submission/not_selected_confirmation.html", context)

    @admin.action(description=_("Export the selected clips (CSV)"), permissions=["export"])
    def export_csv(self, request, queryset):
        return submissions_export(queryset=queryset, user=request.user, format="csv", path=request.get_full_path())

    @admin.action(description=_("Export the selected clips (XLSX)"), permissions=["export"])
    def export_xlsx(self, request, queryset):
        return submissions_export(
            queryset=queryset, user=request.user, format="xlsx", path=request.get_full_path()
        )

    # Publication of the finalists.

    def publish_view(self, request, slug):
        """Asks the committee to confirm, then opens the public gallery of the contest's finalists: only a POST
        with the confirmation's confirm=yes publishes."""
        contest = staff_contest(request, slug)
        if not self.has_publish_permission(request):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                published = finalists_publish(contest=contest, user=request.user)
            except Refusal as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
            else:
                if published:
                    self.message_user(request, _("The finalists are published."), messages.SUCCESS)
                else:
                    self.message_user(request, _("The finalists were already published."), messages.INFO)
            return redirect("admin:submissions_submission_changelist")
        context = {
            **admin_page(self, request),
            **publish_confirmation_context(contest),
            "title": _("Publish the finalists"),
        }
        return TemplateResponse(request, "admin/submissions/submission/publish_confirmation.html", context)


def _queue(submission):
    """The clips of the same contest still waiting for a decision, other than this one, in code order."""
    return (
        Submission.objects.filter(contest_id=submission.contest_id)
        .undecided()
        .exclude(pk=submission.pk)
        .order_by("sequence")
    )


def _queue_neighbours(submission):
    """The clips before and after this one in the queue; past either end the walk goes round."""
    queue = _queue(submission).only("pk", "code", "sequence")
    following = queue.filter(sequence__gt=submission.sequence).first() or queue.first()
    previous = queue.filter(sequence__lt=submission.sequence).last() or queue.last()
    return previous, following


def _checklist_rows(review):
    """(item, answer, note) for each item of the checklist in a screener's review."""
    return [
        (ScreeningReview._meta.get_field(answer).verbose_name, getattr(review, answer), getattr(review, note))
        for answer, note in CHECKLIST
    ]


def _status_label(value):
    return Status(value).label if value in Status.values else value


@admin.register(Upload)
class UploadAdmin(WorkingContestScope, ReadOnly, admin.ModelAdmin):
    contest_lookup = "registration__contest"
    """Resumable uploads, to look at: the entrant's script, the worker checking them and the expiry task are the
    only ones to change them."""

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
        "received_at",
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


from . import admin_consents  # noqa: E402,F401
