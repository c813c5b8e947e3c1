"""Admin pieces the apps share. This package is not an app: nothing is registered here."""

import re

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404

# A row id as the database keeps it (a 64-bit integer): at most 19 digits. "5,000 digits".isdigit() is true
# too, and int() of it raises past 4,300 digits; the database would refuse it past 19 anyway.
_ROW_ID = re.compile(r"[0-9]{1,19}")


def row_id(value):
    """The id of a row named in a URL or a form (a string of ASCII digits), or None for anything else."""
    value = str(value)
    return int(value) if _ROW_ID.fullmatch(value) and int(value) < 2**63 else None


def admin_page(model_admin, request):
    """What a page of a ModelAdmin's own view needs besides its title and content, as the admin's own pages
    have it: the site's context (menu, user links) and the model's options (breadcrumbs)."""
    opts = model_admin.model._meta
    return {**model_admin.admin_site.each_context(request), "opts": opts, "app_label": opts.app_label}


class ByNameFilter(admin.RelatedOnlyFieldListFilter):
    """A list's filter by a person (a judge, who awarded a prize) offering their names, by get_full_name (their
    e-mail address only when they gave no name), rather than the addresses accounts are known by. A subclass
    sets `label` where the field's own name is not translated (a foreign key without a verbose_name)."""

    label = None

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        if self.label:
            self.title = self.label

    def field_choices(self, field, request, model_admin):
        listed = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk", flat=True)
        people = field.related_model.objects.filter(pk__in=listed)
        return sorted(((person.pk, person.get_full_name()) for person in people), key=lambda c: c[1].lower())


class ContestOptionFilter(admin.RelatedFieldListFilter):
    """A list's filter by one of the contest's own lists (its genres, entrant categories, districts): every
    option of the contest being worked on, in that list's order. Read from the short list itself, not from the
    rows (as RelatedOnlyFieldListFilter does, a DISTINCT over every clip of the contest on every page)."""

    def field_choices(self, field, request, model_admin):
        contest = getattr(request.user, "working_contest", None)
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"contest": contest},
            ordering=self.field_admin_ordering(field, request, model_admin),
        )


class ReadOnly:
    """For a ModelAdmin or an inline whose rows change only through the services, or never: nobody adds,
    changes or deletes them by form, and whoever may view them reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OthersAreNotFound:
    """For a ModelAdmin whose queryset leaves out what the person may not reach: an object outside it is a 404
    on each of its pages, before any question of permission (which would tell that it exists)."""

    def _found_or_404(self, request, object_id):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._found_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._found_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._found_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's admin sends an unknown id to the index with a message.
        raise Http404


class WorkingContestScope(OthersAreNotFound):
    """For a ModelAdmin of one contest's things: its lists and object pages hold only the contest the staff
    member is working on (`request.user.working_contest`, put there by submissions.staff), so another contest's
    clip, scorecard or mail is a 404, whatever the role; a choice of contest in its forms is that contest.

    `contest_lookup` is the path from the model to its contest."""

    contest_lookup = "contest"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        contest = getattr(request.user, "working_contest", None)
        if contest is None:
            return queryset.none()
        return queryset.filter(**{self.contest_lookup: contest})

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.working_contest = getattr(request.user, "working_contest", None)
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "contest":
            contest = getattr(request.user, "working_contest", None)
            kwargs["queryset"] = db_field.related_model._default_manager.filter(pk=getattr(contest, "pk", None))
            kwargs["initial"] = contest
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
