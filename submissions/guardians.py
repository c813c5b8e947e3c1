"""Guardians of the authors under the contest's guardian age (Contest.guardian_age, on the day entries close):
the registrant names theirs on the registration form, a co-author when they confirm. The guardian is mailed a
link that needs no account; until they consent, the clips that author is on are neither screened nor
published (SubmissionQuerySet.awaiting_guardian). They may withdraw the consent later: the minor's clips are
withdrawn and their personal data erased."""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contest_portal.mail.services import mail_render_and_queue
from contest_portal.refusals import Refusal

from .consents import consents_record
from .mailed_links import link_row, link_token
from .models import ConsentText, Guardian, Submission, SubmissionAuthor, SubmissionEvent, needs_guardian

log = logging.getLogger(__name__)

_SALT = "submissions.guardian-consent"


def guardian_token(guardian):
    return link_token(guardian, salt=_SALT)


def guardian_from_token(token):
    """The guardian the link was mailed to, or None for a link altered or sent to an address since changed."""
    return link_row(
        token, salt=_SALT, queryset=Guardian.objects.select_related("registration__contest", "coauthor")
    )


def guardian_minor_name(guardian):
    return guardian.coauthor.full_name if guardian.coauthor_id else guardian.registration.full_name


def guardian_clips(guardian):
    """The clips the guardian's child is an author of."""
    return Submission.objects.filter(authors__guardian=guardian).distinct().order_by("sequence")


def guardian_save(*, registration, coauthor=None, data):
    """Records the guardian of the registrant (coauthor=None) or of a co-author, from the GuardianForm's
    fields, and mails them the consent link when they are new or their address changed. A guardian who had
    consented keeps their consent unless the address changed (then it is someone else's to give)."""
    guardian = Guardian.objects.filter(registration=registration, coauthor=coauthor).first()
    if guardian is None:
        guardian = Guardian(registration=registration, coauthor=coauthor)
    changed_address = guardian.email != data["email"]
    for name, value in data.items():
        setattr(guardian, name, value)
    if changed_address:
        guardian.consented_at = guardian.withdrawn_at = None
    guardian.full_clean(exclude=["registration", "coauthor"])
    guardian.save()
    if changed_address:
        _invite(guardian)
    return guardian


def _invite(guardian):
    registration = guardian.registration
    now = timezone.now()
    Guardian.objects.filter(pk=guardian.pk).update(invited_at=now)
    mail_render_and_queue(
        template="guardian_consent",
        context={
            "contest": registration.contest,
            "guardian": guardian,
            "minor_name": guardian_minor_name(guardian),
            "link": settings.SITE_URL.rstrip("/")
            + reverse("submissions:guardian_consent", args=[guardian_token(guardian)]),
        },
        to=guardian.email,
        kind="guardian_consent",
        dedupe_key=f"guardian_consent:{guardian.pk}:{now.isoformat()}",
    )


@transaction.atomic
def guardian_consent(*, guardian):
    """The guardian consents, by the mailed link, for the minor to take part: recorded against the current
    version of the contest's guardian consent text."""
    guardian = Guardian.objects.select_for_update().get(pk=guardian.pk)
    if guardian.withdrawn_at is not None:
        raise Refusal(_("You withdrew this consent: the clips were withdrawn and cannot come back."))
    if guardian.consented_at is not None:
        return guardian
    guardian.consented_at = timezone.now()
    guardian.save(update_fields=["consented_at"])
    consents_record(
        registration=guardian.registration,
        kinds=[ConsentText.Kind.GUARDIAN],
        coauthor=guardian.coauthor,
        guardian=guardian,
        now=guardian.consented_at,
    )
    log.info("guardian %s consented", guardian.pk)
    return guardian


@transaction.atomic
def guardian_withdraw(*, guardian):
    """The guardian withdraws their consent (or refuses it): every clip the minor is an author of is withdrawn
    and the minor's personal data erased (submissions.subject_rights). A minor co-author leaves the group;
    the registrant's other clips stay."""
    from .subject_rights import person_erase_from_registration

    # Only its own row is locked: PostgreSQL locks nothing on the nullable side of the join to a co-author.
    guardian = (
        Guardian.objects.select_for_update(of=("self",))
        .select_related("registration", "coauthor")
        .get(pk=guardian.pk)
    )
    if guardian.withdrawn_at is not None:
        return guardian
    now = timezone.now()
    for submission in guardian_clips(guardian).exclude(status=Submission.Status.WITHDRAWN):
        SubmissionEvent.objects.create(
            submission=submission,
            action="guardian_withdrew",
            from_status=submission.status,
            to_status=Submission.Status.WITHDRAWN,
            reason=_("The guardian of %(name)s withdrew their consent.") % {"name": guardian_minor_name(guardian)},
        )
        Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.WITHDRAWN, withdrawn_at=now)
    guardian.withdrawn_at = now
    guardian.save(update_fields=["withdrawn_at"])
    guardian.consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)
    person_erase_from_registration(registration=guardian.registration, coauthor=guardian.coauthor)
    log.info("guardian %s withdrew consent", guardian.pk)
    return guardian


def guardian_link_clip_authors(*, registration):
    """Points the registrant's recorded authorships at their guardian (called after the registration's save)."""
    guardian = Guardian.objects.filter(registration=registration, coauthor=None).first()
    SubmissionAuthor.objects.filter(submission__registration=registration, is_registrant=True).update(
        guardian=guardian
    )


def guardians_needed_recount(*, contest):
    """Counts again which recorded authors of `contest`'s clips need a guardian, after its guardian age or its
    closing day changed: a clip may start, or stop, waiting for one. Returns how many authors changed."""
    changed = []
    for author in SubmissionAuthor.objects.filter(submission__contest=contest).exclude(
        submission__status=Submission.Status.WITHDRAWN
    ):
        minor = needs_guardian(author, contest)
        if minor != author.needs_guardian:
            author.needs_guardian = minor
            changed.append(author)
    SubmissionAuthor.objects.bulk_update(changed, ["needs_guardian"])
    return len(changed)
