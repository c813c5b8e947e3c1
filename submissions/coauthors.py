"""Co-authors who speak for themselves: the registrant names each one with an e-mail address, the portal mails
them a link, and they confirm their own details and consents, or decline and are removed.

A co-author counts against the clip limit from the moment the registrant names them (they are recorded on
each clip entered after that); a clip with a co-author who has not confirmed may be screened, but it cannot be
awarded a prize (SubmissionQuerySet.awaiting_coauthors)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.services import mail_render_and_queue
from contest_portal.refusals import NotAllowed, Refusal

from .consents import PERSON_KINDS, consents_record
from .guardians import guardian_save
from .mailed_links import link_row, link_token
from .models import CoAuthor, Submission, SubmissionAuthor, SubmissionEvent, needs_guardian

log = logging.getLogger(__name__)

_SALT = "submissions.coauthor-invitation"

# What the registrant tells about a co-author that the co-author vouches for when they confirm: a change to
# any of it asks them to confirm again.
CONFIRMED_DETAILS = ("full_name", "email", "date_of_birth", "id_number")


def identity_may_change(contest):
    """Whether a co-author confirming now may still correct who they are: while the registration form may."""
    from .phases import phase_allows

    return phase_allows(contest, "register")


def coauthor_token(coauthor):
    return link_token(coauthor, salt=_SALT)


def coauthor_from_token(token):
    """The co-author the link was sent to, or None for a link altered, declined or sent to an old address."""
    return link_row(
        token, salt=_SALT, queryset=CoAuthor.objects.select_related("registration__contest", "registration__user")
    )


def _link(path):
    return settings.SITE_URL.rstrip("/") + path


# A registrant who keeps changing a co-author's details must not turn the portal into a way to flood someone's
# mailbox: past this many invitations a day to one address, the link (which stays valid) is not mailed again.
INVITATIONS_PER_DAY = 3


def coauthor_invite(*, coauthor):
    """Mails the co-author the link to confirm; the registration's save calls it for everyone newly named (or
    asked to confirm again). Returns whether a mail went out."""
    registration = coauthor.registration
    now = timezone.now()
    CoAuthor.objects.filter(pk=coauthor.pk).update(invited_at=now)
    sent_today = OutgoingMail.objects.filter(
        kind="coauthor_invitation", to=coauthor.email, created_at__gte=now - timedelta(days=1)
    ).count()
    if sent_today >= INVITATIONS_PER_DAY:
        log.info("co-author %s: invitation not mailed again today", coauthor.pk)
        return False
    mail_render_and_queue(
        template="coauthor_invitation",
        context={
            "contest": registration.contest,
            "registration": registration,
            "coauthor": coauthor,
            "link": _link(reverse("submissions:coauthor_invitation", args=[coauthor_token(coauthor)])),
        },
        to=coauthor.email,
        kind="coauthor_invitation",
        # Asked again after the registrant changed what they vouch for: a new mail, not the first one again.
        dedupe_key=f"coauthor_invitation:{coauthor.pk}:{now.isoformat()}",
    )
    return True


def _check_invited_account(coauthor, user):
    if user.email.lower() != coauthor.email.lower():
        raise NotAllowed(
            _(
                "This invitation was sent to another e-mail address. Sign in with the account of the address "
                "the invitation came to."
            )
        )
    if coauthor.registration.user_id == user.pk:
        raise Refusal(_("You registered this group yourself: a co-author is someone else."))


@transaction.atomic
def coauthor_confirm(*, coauthor, user, details, guardian=None):
    """The co-author, signed in with the invited address, confirms `details` (full_name, date_of_birth,
    id_number, organisation, phone; corrected where the registrant got them wrong) and gives their own
    consents. Under the contest's guardian age they name their guardian (`guardian`, the GuardianForm's
    fields), who is mailed a consent link. Clips no screener has decided yet take the corrected details.

    A co-author may confirm after the deadline too (the prizes wait for it), but then only as named: who they
    are (name, birth date, ID number) no longer changes, as the registrant's own details do not."""
    from .services import _check_clip_limit

    coauthor = CoAuthor.objects.select_for_update().select_related("registration__contest").get(pk=coauthor.pk)
    _check_invited_account(coauthor, user)
    registration = coauthor.registration
    contest = registration.contest
    if not identity_may_change(contest):
        details = {name: value for name, value in details.items() if name not in CONFIRMED_DETAILS}
    before = coauthor.id_number
    for name, value in details.items():
        setattr(coauthor, name, value)
    coauthor.full_clean(exclude=["registration", "user"])
    if coauthor.id_number == registration.id_number:
        raise Refusal(_("This is the registrant's ID number: give your own."), field="id_number")
    clips = Submission.objects.filter(authors__coauthor=coauthor).counting_towards_limit()
    if coauthor.id_number != before:
        _check_clip_limit(contest=contest, people={coauthor.id_number: coauthor.full_name}, adding=clips.count())
    minor = needs_guardian(coauthor, contest)
    if minor and guardian is None:
        raise Refusal(
            _("You are under %(age)d on the day entries close: name your parent or guardian, who will consent.")
            % {"age": contest.guardian_age},
            field="guardian",
        )
    coauthor.user = user
    coauthor.confirmed_at = timezone.now()
    coauthor.save()
    consents_record(registration=registration, kinds=PERSON_KINDS, user=user, coauthor=coauthor)
    saved_guardian = guardian_save(registration=registration, coauthor=coauthor, data=guardian) if minor else None
    authorships = SubmissionAuthor.objects.filter(coauthor=coauthor)
    authorships.update(needs_guardian=minor, guardian=saved_guardian)
    authorships.filter(submission__status=Submission.Status.RECEIVED, submission__decided_at__isnull=True).update(
        full_name=coauthor.full_name,
        id_number=coauthor.id_number,
        date_of_birth=coauthor.date_of_birth,
        organisation=coauthor.organisation,
    )
    log.info("co-author %s of registration %s confirmed", coauthor.pk, registration.pk)
    return coauthor


@transaction.atomic
def coauthor_decline(*, coauthor, user):
    """The invited person says they are not an author: they leave the group and every clip it names them on,
    and the registrant is told."""
    coauthor = CoAuthor.objects.select_for_update().select_related("registration__contest").get(pk=coauthor.pk)
    _check_invited_account(coauthor, user)
    registration = coauthor.registration
    for authorship in SubmissionAuthor.objects.filter(coauthor=coauthor).select_related("submission"):
        SubmissionEvent.objects.create(
            submission=authorship.submission,
            actor=user,
            action="coauthor_declined",
            from_status=authorship.submission.status,
            to_status=authorship.submission.status,
            reason=_("%(name)s declined to be named as a co-author.") % {"name": coauthor.full_name},
        )
        authorship.delete()
    mail_render_and_queue(
        template="coauthor_declined",
        context={
            "contest": registration.contest,
            "registration": registration,
            "coauthor_name": coauthor.full_name,
            "link": _link(reverse("submissions:registration", args=[registration.contest.slug])),
        },
        to=registration.user.email,
        kind="coauthor_declined",
        dedupe_key=f"coauthor_declined:{coauthor.pk}",
    )
    coauthor.delete()
    log.info("a co-author of registration %s declined", registration.pk)


def coauthor_invitations_pending(registration):
    """The co-authors who have not confirmed yet, for the registrant's page."""
    return [coauthor for coauthor in registration.coauthors.all() if not coauthor.is_confirmed]


def clip_waiting_for(submission):
    """Who a clip waits for, from its recorded authors (prefetch authors__coauthor and authors__guardian):
    {"coauthors": names of co-authors who have not confirmed, "guardians": names of minors whose guardian
    has not consented}. The same rules as SubmissionQuerySet.awaiting_coauthors and awaiting_guardian."""
    coauthors, guardians = [], []
    for author in submission.authors.all():
        if author.needs_confirmation and (author.coauthor is None or not author.coauthor.is_confirmed):
            coauthors.append(author.full_name)
        if author.needs_guardian and (author.guardian is None or not author.guardian.has_consented):
            guardians.append(author.full_name)
    return {"coauthors": coauthors, "guardians": guardians}
