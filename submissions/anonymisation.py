"""What a person's data is replaced with once anonymised: the values written both by the erasure a person asks
for (submissions.subject_rights) and by the end of a contest's retention period (submissions.retention)."""

from datetime import date

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad

# Stored data, not a message: in the contest's own language, as the role names are (contest_portal.roles).
ANONYMISED_NAME = "(đã ẩn danh)"

# CoAuthor.date_of_birth cannot be empty. Nobody is born on this day: a date of birth more than OLDEST_AGE
# years back is refused as a typing mistake (models.check_person), so no real author can have it.
ANONYMISED_BIRTH_DATE = date(1900, 1, 1)

# The letter an anonymised ID number starts with, per table. ID numbers are 12 digits: a letter and the row's
# own id make one that is nobody's, so the clip limit and SubmissionQuerySet.by_person, which find people by
# their ID number, never take two anonymised people for one, and rows stay unique where the schema says so
# (a co-author listed once per registration, an author recorded once per clip).
REGISTRATION, COAUTHOR, AUTHOR = "R", "C", "A"


def anonymised_id_number(kind):
    """The expression, for an update, giving each row its anonymised ID number: "R00000000042"."""
    return Concat(Value(kind), LPad(Cast("pk", CharField()), 11, Value("0")), output_field=CharField())


def anonymised_email(user):
    """An address nobody can sign in with or write to (.invalid is reserved for that, RFC 2606), unique as the
    account's e-mail must be."""
    return f"erased-{user.pk}@erased.invalid"
