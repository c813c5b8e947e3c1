"""Copying a contest: the committee starts a new draft (next year's, another department's) from one it ran.

What configures a contest is copied: its texts, limits, formats, form fields and lists (genres, categories,
localities), its help page's questions, its own mail templates, and, through the listeners of `contest_copied`, what other apps keep for it (judging copies the
prize tiers, the rubric and the final round's settings). Nothing about people is: no registrations, clips,
reviews, judges' panels, scores, consents, votes or history; nor the audience vote's dates, which are the
source's; nor the consent texts and privacy notice, which name
their contest: the copy words its own from the defaults (submissions.consents). The copy is a draft with its own address, code prefix and dates;
the committee members of the source (the one copying among them) hold their role in it, to prepare it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from contest_portal.mail.models import MailTemplate
from contest_portal.permissions import may_run_contest
from contest_portal.refusals import NotAllowed, Refusal
from contest_portal.roles import role_group

from .models import Contest, ContestEvent, StaffRole
from .phases import Phase

contest_copied = Signal()  # sender=Contest class, source, copy, user

# What the committee gives the copy; everything else configurable comes from the source.
GIVEN = ("slug", "code_prefix", "name", "short_name", "opens_at", "closes_at")
# Where the source stands, not what it is: the copy starts from nothing of it.
NOT_COPIED = (
    "id",
    "stage",
    "finalists_published_at",
    "last_sequence",
    "results_expected_on",
    "personal_data_anonymised_at",
)


def _copied_fields():
    return [
        field.name
        for field in Contest._meta.concrete_fields
        if field.name not in GIVEN and field.name not in NOT_COPIED
    ]


def _refusal(error):
    """The first message of a ValidationError, with the field it is about."""
    for field, messages in error.message_dict.items():
        return Refusal(messages[0], field=None if field == "__all__" else field)
    return Refusal(error.messages[0])


@transaction.atomic
def contest_copy(*, contest, user, slug, code_prefix, name, short_name, opens_at, closes_at):
    """A new draft contest configured as `contest`, at `slug`, with its own code prefix and window. Needs
    submissions.run_contest. Returns the copy."""
    if not may_run_contest(user, contest):
        raise NotAllowed(_("Only the Organizing Committee may copy a contest."))
    copy = Contest(
        **{name_: getattr(contest, name_) for name_ in _copied_fields()},
        slug=slug,
        code_prefix=code_prefix,
        name=name,
        short_name=short_name,
        opens_at=opens_at,
        closes_at=closes_at,
        stage=Phase.DRAFT,
    )
    try:
        copy.full_clean()
    except ValidationError as error:
        raise _refusal(error) from None
    copy.save()
    for related in ("categories", "genres", "localities", "faq_entries"):
        manager = getattr(contest, related)
        manager.model.objects.bulk_create(row_for(choice, copy) for choice in manager.all())
    MailTemplate.objects.bulk_create(
        row_for(template, copy) for template in MailTemplate.objects.filter(contest=contest)
    )
    committee = role_group("committee")
    StaffRole.objects.bulk_create(
        StaffRole(contest=copy, user_id=user_id, group=committee)
        for user_id in {*contest.staff_roles.filter(group=committee).values_list("user_id", flat=True), user.pk}
        if not user.is_superuser or user_id != user.pk
    )
    ContestEvent.objects.create(
        contest=copy,
        actor=user,
        action="copied",
        to_phase=Phase.DRAFT,
        reason=_("Copied from %(contest)s") % {"contest": contest.short_name},
    )
    contest_copied.send(sender=Contest, source=contest, copy=copy, user=user)
    return copy


def row_for(row, contest):
    """An unsaved row like `row` (a genre, a prize tier, a criterion...) for another contest."""
    values = {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}
    del values[row._meta.pk.attname], values["contest_id"]
    return type(row)(**values, contest=contest)
