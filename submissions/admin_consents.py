"""The committee's side of consent and personal data (submissions.consents): the contest's consent texts, a
new version at a time; who agreed to which version, when; and the log of staff views of unmasked personal data
(contest_portal.personal_data.personal_data_access_log). All three are records: nothing here changes or
deletes one. Imported by submissions/admin.py."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contest_portal.admin import ReadOnly, WorkingContestScope
from contest_portal.permissions import may_change_contest_settings, may_view_registrations, sees_personal_data

from .consents import consent_text_add, consent_text_current
from .models import Consent, ConsentText, PersonalDataAccess


def _account(user):
    """A member of staff or an entrant's account, by name where it has one: the e-mail address is personal data."""
    if user is None:
        return "—"
    return user.full_name or _("account no. %(number)s") % {"number": user.pk}


def _working_contest(request):
    return getattr(request.user, "working_contest", None)


def _chosen_kind(request):
    kind = request.GET.get("kind")
    return kind if kind in ConsentText.Kind.values else None


@admin.register(ConsentText)
class ConsentTextAdmin(WorkingContestScope, admin.ModelAdmin):
    """The texts people agree to on the registration form, and the privacy notice. A saved version is what
    people agreed to, so it never changes: the committee adds the next version, starting from the current one."""

    list_display = ["kind", "version", "asks_again", "created_at", "author"]
    list_filter = ["kind", "asks_again"]
    ordering = ["kind", "-version"]
    list_select_related = ["created_by"]
    actions = None

    def has_view_permission(self, request, obj=None):
        return may_change_contest_settings(request.user)

    def has_add_permission(self, request):
        return _working_contest(request) is not None and may_change_contest_settings(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("by"))
    def author(self, obj):
        return _account(obj.created_by)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "body", "asks_again"]
        return ["kind", "version", "body", "asks_again", "created_at", "author"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            # The kind is chosen on the list, which prefilled the wording from its current version.
            form.base_fields["kind"].widget = forms.HiddenInput()
            form.base_fields["body"].help_text = _(
                "Starts from the current version. Once saved, this version can no longer change."
            )
        return form

    def get_changeform_initial_data(self, request):
        kind = _chosen_kind(request)
        contest = _working_contest(request)
        if kind is None or contest is None:
            return {}
        return {"kind": kind, "body": consent_text_current(contest=contest, kind=kind).body}

    def add_view(self, request, form_url="", extra_context=None):
        kind = _chosen_kind(request)
        if request.method == "GET" and kind is None:
            self.message_user(request, _("Choose which text to add a version of."), messages.INFO)
            return redirect("admin:submissions_consenttext_changelist")
        if kind is not None and self.has_add_permission(request):
            current = consent_text_current(contest=_working_contest(request), kind=kind)
            extra_context = {
                "title": _("Version %(version)d of %(text)s")
                % {"version": current.version + 1, "text": current.get_kind_display()},
                **(extra_context or {}),
            }
        return super().add_view(request, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        contest = _working_contest(request)
        kinds = []
        if contest is not None and self.has_add_permission(request):
            add = reverse("admin:submissions_consenttext_add")
            kinds = [(label, f"{add}?{urlencode({'kind': kind})}") for kind, label in ConsentText.Kind.choices]
        return super().changelist_view(request, {"consent_kinds": kinds, **(extra_context or {})})

    def save_model(self, request, obj, form, change):
        text = consent_text_add(
            contest=_working_contest(request),
            kind=obj.kind,
            body=obj.body,
            asks_again=obj.asks_again,
            user=request.user,
        )
        # The admin goes on with the version the service saved (its number is the service's to give).
        obj.pk, obj.contest, obj.version, obj.created_at, obj.created_by = (
            text.pk,
            text.contest,
            text.version,
            text.created_at,
            text.created_by,
        )
        obj._state.adding = False


@admin.register(Consent)
class ConsentAdmin(WorkingContestScope, ReadOnly, admin.ModelAdmin):
    """Who agreed to which version of which text, and when: what the committee shows when asked for it."""

    contest_lookup = "registration__contest"
    list_display = ["given_at", "person", "role", "text", "account", "withdrawn_at"]
    list_filter = ["text__kind", ("text", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["text", "registration", "coauthor", "guardian", "user"]
    search_fields = [
        "registration__full_name",
        "registration__group_name",
        "coauthor__full_name",
        "guardian__full_name",
    ]
    date_hierarchy = "given_at"
    fields = ["text", "wording", "registration", "coauthor", "guardian", "account", "given_at", "withdrawn_at"]
    readonly_fields = fields
    actions = None

    def has_view_permission(self, request, obj=None):
        return may_view_registrations(request.user)

    @admin.display(description=_("person"))
    def person(self, obj):
        return (obj.guardian or obj.coauthor or obj.registration).full_name

    @admin.display(description=_("as"))
    def role(self, obj):
        if obj.guardian_id:
            return _("guardian")
        return _("co-author") if obj.coauthor_id else _("registrant")

    @admin.display(description=_("account"))
    def account(self, obj):
        return _account(obj.user)

    @admin.display(description=_("wording"))
    def wording(self, obj):
        return obj.text.body


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(WorkingContestScope, ReadOnly, admin.ModelAdmin):
    """Each time a member of staff was shown unmasked personal data: for the committee to read, for nobody to
    change."""

    list_display = ["at", "user", "what_shown", "records", "path"]
    list_filter = [("user", admin.RelatedOnlyFieldListFilter), "at"]
    list_select_related = ["user"]
    date_hierarchy = "at"
    fields = ["at", "user", "what_shown", "records", "path"]
    readonly_fields = fields
    actions = None

    def has_view_permission(self, request, obj=None):
        # Those responsible for personal data, who may see it themselves.
        return sees_personal_data(request.user)

    @admin.display(description=_("what"))
    def what_shown(self, obj):
        # Stored as the English source text, so each reader gets it in their own language.
        return gettext(obj.what)
