"""Personal data in the admin: which fields are personal, who may see them, and an admin that gives nobody
else a signal of them.

Hiding a column is not enough. Django's admin lets a changelist's query string filter on any of the model's
own fields (`?id_number__startswith=0`), search whatever search_fields names and sort by any column: one row
against none, or the order of the rows, tells the value a character at a time. PersonalDataAdmin refuses
every lookup, search and ordering that reaches a personal field, directly or across relations, for a user
without PERMISSION; every ModelAdmin of the portal uses it (tests/test_personal_data_admin.py checks them all,
the third-party ones included)."""

from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP

from contest_portal.permissions import sees_personal_data

# Defined on the Submission model (submissions.Submission.Meta.permissions) with the others of the contest.
PERMISSION = sees_personal_data.permission

# Model label -> its personal fields. Names, e-mail subjects and clip titles are what screeners work with and
# stay visible; what identifies or locates a person does not.
PERSONAL_FIELDS = {
    "submissions.Registration": {"id_number", "date_of_birth", "phone", "email", "address"},
    "submissions.CoAuthor": {"id_number", "date_of_birth", "phone"},
    "submissions.SubmissionAuthor": {"id_number", "date_of_birth"},
    "submissions.Guardian": {"phone", "email"},
    "accounts.User": {"email"},
    "account.EmailAddress": {"email"},
    "mail.OutgoingMail": {"to"},
}


def personal_data_access_log(*, user, contest, what, records=1, path=""):
    """Records that `user`, a member of staff, was shown unmasked personal data of `records` people or rows in
    `contest`: the page, list, export or print that shows it calls this once each time it is shown, after
    checking the user may see it. Nothing is recorded for no rows (an empty page of a list).

    `what` is the English source text (marked with gettext_noop), so each reader of the log gets it in their
    own language; `path` is the address that showed it, which says whose data."""
    if not records:
        return None
    # The model lives with the contest's other records; this module is imported by every app's admin.
    from django.apps import apps

    access_model = apps.get_model("submissions", "PersonalDataAccess")
    return access_model.objects.create(
        user=user, contest=contest, what=str(what)[:200], records=records, path=path[:500]
    )


def mask_email(address):
    """ "a***@example.com": enough to tell two messages apart, not enough to write to the person."""
    local, _at, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


def touches_personal_data(model, path):
    """Whether a lookup, search field or ordering path (`registration__coauthors__phone__startswith`,
    `-email`, `^user__email`) reaches a personal field from `model`."""
    for part in path.lstrip("-^=@").split(LOOKUP_SEP):
        if part in PERSONAL_FIELDS.get(model._meta.label, ()):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a transform or a lookup ("year", "startswith"): the path has left the models
        if field.related_model is None:
            return False
        model = field.related_model
    return False


class PersonalDataChangeList(ChangeList):
    """Refuses a `?o=` column whose ordering reaches personal data: Django sorts by any column's ordering
    field, whether or not the column is shown as sortable."""

    def __init__(self, request, *args, **kwargs):
        self.hides_personal_data = not sees_personal_data(request.user)
        super().__init__(request, *args, **kwargs)

    def get_ordering_field(self, field_name):
        field = super().get_ordering_field(field_name)
        if self.hides_personal_data and isinstance(field, str) and touches_personal_data(self.model, field):
            return None
        return field


class PersonalDataAdmin:
    """A ModelAdmin mixin: without PERMISSION, no filter, search, list filter or ordering on personal data."""

    def _hides_personal_data(self, request):
        return request is None or not sees_personal_data(request.user)

    def _without_personal(self, request, paths):
        if not self._hides_personal_data(request):
            return paths
        return [path for path in paths if not touches_personal_data(self.model, path)]

    def lookup_allowed(self, lookup, value, request=None):
        if self._hides_personal_data(request) and touches_personal_data(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        return self._without_personal(request, list(super().get_search_fields(request)))

    def get_ordering(self, request):
        return self._without_personal(request, list(super().get_ordering(request) or ()))

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not self._hides_personal_data(request):
            return filters
        return [
            item
            for item in filters
            if not (isinstance(item, (str, tuple)) and touches_personal_data(self.model, _filter_path(item)))
        ]

    def get_changelist(self, request, **kwargs):
        return PersonalDataChangeList


def _filter_path(item):
    return item[0] if isinstance(item, tuple) else item
