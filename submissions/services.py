"""The contest's rules: the submission window, the clip limit, and what an entrant may do with a clip.

Views, admin actions, commands and tasks all go through these functions; each one either does what
it is asked or raises a Refusal carrying the message to show and the HTTP status to answer with."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contest_portal.mail.services import mail_render_and_queue
from contest_portal.permissions import may_change_authors
from contest_portal.refusals import (
    ClipLimitReached,
    FileNotAccepted,
    FileTooLarge,
    NotAllowed,
    Refusal,
    WindowClosed,
)

from .consents import CONSENT_FIELDS, consents_record
from .documents import DocumentRejected, check_document
from .guardians import guardian_link_clip_authors, guardian_save
from .media.probe import ClipRejected, probe_clip
from .models import (
    CoAuthor,
    Contest,
    ContestEvent,
    Registration,
    Submission,
    SubmissionAuthor,
    SubmissionDocument,
    SubmissionEvent,
    check_person,
    needs_guardian,
)
from .phases import Phase, contest_phase, phase_allows, phase_check

log = logging.getLogger(__name__)


def _localtime(value):
    return formats.date_format(timezone.localtime(value), "H:i:s d/m/Y")


def contest_check_open(contest, action="submit", now=None):
    """Whether the contest's phase allows an entrant's `action` now, or at `now` (submissions.phases): before
    or after the window the refusal says when it opens or closed; in any other phase, which phase it is."""
    now = now or timezone.now()
    if phase_allows(contest, action, now):
        return
    if contest.stage == Phase.ANNOUNCED and contest.is_upcoming(now):
        raise WindowClosed(_("Submissions open at %(time)s.") % {"time": _localtime(contest.opens_at)})
    if contest.stage == Phase.ANNOUNCED or not contest.is_open(now):
        raise WindowClosed(
            _("Submissions closed at %(time)s; changes are no longer possible.")
            % {"time": _localtime(contest.closes_at)}
        )
    phase_check(contest, action, now)


def _check_undecided(submission):
    """A clip a screener has decided keeps its title, summary and authors: the decision was taken on them. The
    entrant is not told which decision before the committee's e-mail does."""
    if submission.decided_at is not None or submission.status not in (
        Submission.Status.RECEIVED,
        Submission.Status.WITHDRAWN,
    ):
        raise Refusal(_("%(code)s has been screened: it can no longer be changed.") % {"code": submission.code})


def _clip_count(contest, id_number, *, excluding=None):
    """The clips this person is a recorded author of in the contest, withdrawn ones apart."""
    entries = Submission.objects.filter(contest=contest).counting_towards_limit().by_person(id_number)
    if excluding is not None:
        entries = entries.exclude(pk=excluding.pk)
    return entries.count()


def clips_left(*, contest, people, excluding=None):
    """How many more clips `people` (id number -> name) may enter together: what the one with the fewest left has
    left. The page, the form and submission_create all ask this, so what an entrant is told is what holds."""
    if not people:
        return contest.clips_per_author
    used = max(_clip_count(contest, id_number, excluding=excluding) for id_number in people)
    return max(contest.clips_per_author - used, 0)


def registration_clips_left(registration):
    """How many more clips the registration's author(s) may enter, counting what each co-authored elsewhere."""
    return clips_left(contest=registration.contest, people=_people(registration))


def _check_clip_limit(*, contest, people, adding, excluding=None):
    """Each person in `people` (id number -> name) may be an author of at most clips_per_author clips."""
    for id_number, name in sorted(people.items()):
        count = _clip_count(contest, id_number, excluding=excluding)
        if count + adding > contest.clips_per_author:
            raise ClipLimitReached(
                ngettext(
                    "%(name)s is already an author of %(count)d clip in this contest; each author or group "
                    "may enter at most %(limit)d clips.",
                    "%(name)s is already an author of %(count)d clips in this contest; each author or group "
                    "may enter at most %(limit)d clips.",
                    count,
                )
                % {"name": name, "count": count, "limit": contest.clips_per_author}
            )


def _people(registration, coauthors=None):
    """The people a clip entered now is entered for: the registrant and, for a group, each co-author."""
    coauthors = registration.coauthors.all() if coauthors is None else coauthors
    people = {registration.id_number: registration.full_name}
    people.update({c.id_number: c.full_name for c in coauthors})
    return people


# What identifies the registrant as an author: recorded on each clip, so it cannot change once one counts.
_AUTHOR_IDENTITY = ("id_number", "date_of_birth")


@transaction.atomic
def registration_save(*, contest, user, fields, coauthors=(), guardian=None):
    """Creates or updates the entrant's registration form, from before the opening until the deadline;
    `coauthors` replaces the group's list, and each co-author newly named (or whose details changed) is
    mailed a link to confirm (submissions.coauthors). A registrant under the contest's guardian age names
    their guardian (`guardian`, the GuardianForm's fields), who is mailed a consent link.

    Who authored a clip already submitted is recorded on the clip (SubmissionAuthor), so a change to the list
    counts for the clips entered after it only. A name or organisation corrected here is corrected on the
    clips no screener has decided yet too."""
    contest_check_open(contest, "register")
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    registration = Registration.objects.filter(contest=contest, user=user).first() or Registration(
        contest=contest, user=user
    )
    recorded = {name: getattr(registration, name) for name in _AUTHOR_IDENTITY}
    for name, value in fields.items():
        setattr(registration, name, value)
    new_coauthors = [CoAuthor(**data) for data in coauthors]
    if not registration.group_name:
        new_coauthors = []
    # The model's checks (ID number, birth date, age) raise ValidationError, which the forms have shown already.
    registration.full_clean(exclude=["contest", "user"])
    for coauthor in new_coauthors:
        coauthor.registration = registration
        coauthor.full_clean(exclude=["registration"])
    if any(coauthor.id_number == registration.id_number for coauthor in new_coauthors):
        raise Refusal(
            _("%(name)s is listed as a co-author, with your own ID number: list only the other authors.")
            % {"name": next(c.full_name for c in new_coauthors if c.id_number == registration.id_number)}
        )
    unreachable = next((coauthor for coauthor in new_coauthors if not coauthor.email), None)
    if unreachable is not None:
        raise Refusal(
            _("Give the e-mail address of %(name)s: each co-author confirms by a link sent there.")
            % {"name": unreachable.full_name}
        )
    own_addresses = {user.email.lower(), registration.email.lower()}
    if any(coauthor.email.lower() in own_addresses for coauthor in new_coauthors):
        raise Refusal(
            _(
                "%(name)s is listed with your own e-mail address: each co-author confirms from their own, so give "
                "theirs."
            )
            % {"name": next(c.full_name for c in new_coauthors if c.email.lower() in own_addresses)}
        )
    minor = needs_guardian(registration, contest)
    if minor and guardian is None:
        raise Refusal(
            _(
                "You are under %(age)d on the day entries close: name your parent or guardian, who will be asked "
                "to consent."
            )
            % {"age": contest.guardian_age},
            field="guardian",
        )
    if registration.pk and registration.submissions.counting_towards_limit().exists():
        if any(getattr(registration, name) != recorded[name] for name in _AUTHOR_IDENTITY):
            raise Refusal(
                _(
                    "Your ID number and date of birth are recorded on the clips you submitted and can no longer "
                    "change here. If they are wrong, write to the organizers."
                ),
                field="id_number",
            )
    registration.save()
    new_coauthors = _coauthors_replace(registration, new_coauthors)
    _correct_undecided_authors(registration, [registration, *new_coauthors])
    if minor:
        guardian_save(registration=registration, data=guardian)
    else:
        registration.guardians.filter(coauthor=None).delete()
    SubmissionAuthor.objects.filter(submission__registration=registration, is_registrant=True).update(
        needs_guardian=minor
    )
    guardian_link_clip_authors(registration=registration)
    consents_record(
        registration=registration,
        kinds=[kind for name, kind in CONSENT_FIELDS.items() if getattr(registration, name)],
        user=user,
    )
    return registration


def _coauthors_replace(registration, listed):
    """Makes the group's co-authors the `listed` ones (unsaved CoAuthor rows), keeping those already named
    (matched by e-mail address, else ID number) with their confirmation, unless what they vouched for changed:
    then, and for everyone new, an invitation to confirm goes out. Returns the saved rows."""
    from .coauthors import CONFIRMED_DETAILS, coauthor_invite

    named = list(registration.coauthors.all())
    by_email = {c.email.lower(): c for c in named if c.email}
    by_id_number = {c.id_number: c for c in named}
    saved, to_invite = [], []
    for person in listed:
        existing = by_email.get(person.email.lower()) or by_id_number.get(person.id_number)
        if existing is None or existing in saved:
            person.registration = registration
            person.save()
            saved.append(person)
            to_invite.append(person)
            continue
        changed = any(getattr(existing, name) != getattr(person, name) for name in CONFIRMED_DETAILS)
        for name in ("full_name", "email", "date_of_birth", "id_number", "organisation", "phone"):
            setattr(existing, name, getattr(person, name))
        if changed:
            existing.confirmed_at, existing.user = None, None
        existing.save()
        saved.append(existing)
        if changed or existing.invited_at is None:
            to_invite.append(existing)
    registration.coauthors.exclude(pk__in=[c.pk for c in saved]).delete()
    for coauthor in to_invite:
        coauthor_invite(coauthor=coauthor)
    return saved


def _correct_undecided_authors(registration, people):
    undecided = SubmissionAuthor.objects.filter(
        submission__registration=registration,
        submission__status=Submission.Status.RECEIVED,
        submission__decided_at__isnull=True,
    )
    for person in people:
        undecided.filter(id_number=person.id_number).update(
            full_name=person.full_name, organisation=person.organisation
        )


def _check_clip_size(contest, size):
    from .templatetags.portal import bytes_exact

    if size > contest.max_clip_size:
        shown, largest = filesizeformat(size), filesizeformat(contest.max_clip_size)
        if shown == largest:
            # Rounded, a clip a little over the limit reads as the limit itself: the exact counts differ.
            shown, largest = bytes_exact(size), bytes_exact(contest.max_clip_size)
        raise FileTooLarge(
            _("The clip is %(size)s; the largest accepted is %(max)s.") % {"size": shown, "max": largest},
            field="clip",
        )


def submission_check_limit(*, registration):
    """Raises ClipLimitReached, naming the person, if one of the registration's authors has no clip left."""
    _check_clip_limit(contest=registration.contest, people=_people(registration), adding=1)


def submission_check_allowed(*, registration, size=None, now=None):
    """Whether the registration's author(s) may submit a clip (of `size` bytes) now (or at `now`): the window,
    the clip limit and the size, checked before any byte is read. Raises a Refusal; submission_create checks
    again."""
    contest = registration.contest
    contest_check_open(contest, now=now)
    submission_check_limit(registration=registration)
    if size is not None:
        _check_clip_size(contest, size)


def _check_clip_file(contest, clip):
    _check_clip_size(contest, clip.size)
    try:
        return probe_clip(
            clip.temporary_file_path(),
            accepted_containers=contest.accepted_containers,
            min_duration=contest.min_duration,
            max_duration=contest.max_duration,
            expected_size=clip.size,
        )
    except ClipRejected as refusal:
        raise FileNotAccepted(refusal.message, field="clip") from None


def _check_documents(documents):
    for document in documents:
        try:
            check_document(document)
        except DocumentRejected as refusal:
            raise FileNotAccepted(refusal.message, field="documents") from None


def _documents_save(submission, documents, saved_files):
    """Stores checked documents on the clip; each stored file is added to `saved_files` so that the caller
    removes them if its transaction fails. Returns the new rows."""
    records = []
    for document in documents:
        record = SubmissionDocument(
            submission=submission,
            original_filename=document.name[:255],
            size=document.size,
            sha256=document.sha256,
        )
        record.file.save(document.name, document, save=False)
        saved_files.append(record.file)
        record.save()
        records.append(record)
    return records


def submission_create(*, registration, title, genre, summary, clip, documents=(), received_at=None):
    """Accepts a clip (an UploadedFile already on disk, with its sha256) for the registration's author(s).

    The slow checks (reading the video) run first, outside any lock; the window and the limit are checked
    again under the contest row lock, which also serialises the allocation of submission codes. A clip whose
    last byte arrived earlier (`received_at`, a resumable upload checked by a worker) is judged by the window
    as it was then: the check's delay never makes it late."""
    contest = registration.contest
    submitted_at = received_at or timezone.now()
    submission_check_allowed(registration=registration, now=submitted_at)
    if genre.contest_id != contest.pk:
        raise Refusal(_("Choose one of this contest's genres."), field="genre")
    info = _check_clip_file(contest, clip)
    _check_documents(documents)

    saved_files = []
    try:
        with transaction.atomic():
            contest = Contest.objects.select_for_update().get(pk=contest.pk)
            contest_check_open(contest, now=submitted_at)
            # As the registration is now, under the lock that registration_save takes too.
            registration = Registration.objects.get(pk=registration.pk)
            _check_clip_limit(contest=contest, people=_people(registration), adding=1)
            Contest.objects.filter(pk=contest.pk).update(last_sequence=F("last_sequence") + 1)
            contest.refresh_from_db(fields=["last_sequence"])
            submission = Submission(
                contest=contest,
                registration=registration,
                sequence=contest.last_sequence,
                code=f"{contest.code_prefix}-{contest.last_sequence:04d}",
                title=title,
                genre=genre,
                summary=summary,
                original_filename=clip.name[:255],
                size=clip.size,
                sha256=clip.sha256,
                container=info.container,
                duration=info.duration,
                width=info.width,
                height=info.height,
                video_codec=info.video_codec,
                audio_codec=info.audio_codec,
                rotation=info.rotation,
                frame_rate=info.frame_rate,
                bitrate=info.bitrate,
                submitted_at=submitted_at,
            )
            submission.clip.save(f"clip.{info.container}", clip, save=False)
            saved_files.append(submission.clip)
            submission.full_clean()
            submission.save()
            submission_authors_record(submission=submission)
            _documents_save(submission, documents, saved_files)
            _queue_receipt(submission)
            from .tasks import submission_media_task

            submission_media_task.delay_on_commit(submission.pk)
    except BaseException:
        # The row was not saved: do not leave its files behind.
        for field_file in saved_files:
            field_file.storage.delete(field_file.name)
        raise
    log.info("submission %s accepted for contest %s", submission.code, contest.slug)
    return submission


def submission_authors_record(*, submission):
    """Who the clip is entered for, as its registration says at this moment: from now on the clip's own record.
    submission_create calls it as it accepts the clip."""
    registration = submission.registration
    contest = submission.contest
    people = [registration, *registration.coauthors.all()]
    guardians = {guardian.coauthor_id: guardian for guardian in registration.guardians.all()}
    SubmissionAuthor.objects.bulk_create(
        SubmissionAuthor(
            submission=submission,
            order=order,
            is_registrant=person is registration,
            full_name=person.full_name,
            id_number=person.id_number,
            date_of_birth=person.date_of_birth,
            organisation=person.organisation,
            coauthor=None if person is registration else person,
            needs_confirmation=person is not registration,
            needs_guardian=needs_guardian(person, contest),
            guardian=guardians.get(None if person is registration else person.pk),
        )
        for order, person in enumerate(people)
    )


def _queue_receipt(submission):
    """The receipt goes to the registrant and to every co-author named on the clip (confirmed or not: it is
    also how they learn they were named), with the address of My clips, where the clip's stages show."""
    my_clips_url = settings.SITE_URL.rstrip("/") + reverse("submissions:my_clips", args=[submission.contest.slug])
    mail_render_and_queue(
        template="submission_receipt",
        context={
            "submission": submission,
            "contest": submission.contest,
            "recipient_name": submission.registration.full_name,
            "my_clips_url": my_clips_url,
        },
        to=submission.registration.user.email,
        kind="submission_receipt",
        dedupe_key=f"submission_receipt:{submission.pk}",
    )
    for coauthor in submission.registration.coauthors.exclude(email=""):
        mail_render_and_queue(
            template="submission_receipt",
            context={
                "submission": submission,
                "contest": submission.contest,
                "recipient_name": coauthor.full_name,
            },
            to=coauthor.email,
            kind="submission_receipt",
            dedupe_key=f"submission_receipt:{submission.pk}:{coauthor.pk}",
        )


def _check_owner(submission, user):
    if submission.registration.user_id != user.pk:
        raise NotAllowed(_("This clip is not yours."))


@transaction.atomic
def submission_update(*, submission, user, title, genre, summary):
    _check_owner(submission, user)
    contest_check_open(submission.contest, "change_clip")
    if submission.status == Submission.Status.WITHDRAWN:
        raise Refusal(_("A withdrawn clip cannot be changed."))
    _check_undecided(submission)
    if genre.contest_id != submission.contest_id:
        raise Refusal(_("Choose one of this contest's genres."), field="genre")
    submission.title, submission.genre, submission.summary = title, genre, summary
    submission.full_clean()
    submission.save(update_fields=["title", "genre", "summary", "updated_at"])
    return submission


def submission_documents_add(*, submission, user, documents):
    """Adds accompanying documents to the entrant's own clip (sent after a resumable upload of the clip), while
    the clip may be changed: before the deadline, not withdrawn, not yet screened. Either every document is
    added, or none. Returns the new SubmissionDocument rows."""
    _check_owner(submission, user)
    contest_check_open(submission.contest, "change_clip")
    if submission.status == Submission.Status.WITHDRAWN:
        raise Refusal(_("A withdrawn clip cannot be changed."))
    _check_undecided(submission)
    _check_documents(documents)
    saved_files = []
    try:
        with transaction.atomic():
            return _documents_save(submission, documents, saved_files)
    except BaseException:
        for field_file in saved_files:
            field_file.storage.delete(field_file.name)
        raise


@transaction.atomic
def submission_withdraw(*, submission, user):
    """Withdraws a clip before the deadline; it then no longer counts towards the limit.

    Withdrawing twice changes nothing the second time."""
    _check_owner(submission, user)
    contest_check_open(submission.contest, "change_clip")
    _check_undecided(submission)
    Submission.objects.filter(pk=submission.pk, status=Submission.Status.RECEIVED).update(
        status=Submission.Status.WITHDRAWN, withdrawn_at=timezone.now()
    )
    submission.refresh_from_db()
    return submission


@transaction.atomic
def submission_authors_change(*, submission, user, authors, reason):
    """The committee corrects who authored a submitted clip: `authors` (dicts of full_name, id_number,
    date_of_birth, organisation; the registrant first) replaces the clip's record, with the reason in its
    history. Anyone newly named must have a clip left, as if the clip were entered now."""
    if not may_change_authors(user, submission.contest):
        raise NotAllowed(_("Only the Organizing Committee may change the authors of a clip."))
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Give the reason for the change: it stays in the clip's history."), field="reason")
    contest = Contest.objects.select_for_update().get(pk=submission.contest_id)
    # Once the results are out this is a correction of them, which the results page shows; archived, nothing
    # changes any more.
    correcting = contest_phase(contest) in (Phase.PUBLISHED, Phase.ARCHIVED)
    if correcting:
        phase_check(contest, "correct_results")
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    people = []
    for data in authors:
        person = SubmissionAuthor(submission=submission, **data)
        try:
            check_person(person, contest=contest)
        except ValidationError as error:
            raise Refusal(f"{person.full_name}: {' '.join(error.messages)}") from None
        people.append(person)
    if not people:
        raise Refusal(_("A clip has at least one author."))
    id_numbers = [person.id_number for person in people]
    if len(set(id_numbers)) != len(id_numbers):
        raise Refusal(_("A person is listed twice."))
    before = {author.id_number: author.full_name for author in submission.authors.all()}
    if submission.status != Submission.Status.WITHDRAWN:
        newcomers = {p.id_number: p.full_name for p in people if p.id_number not in before}
        _check_clip_limit(contest=contest, people=newcomers, adding=1, excluding=submission)
    submission.authors.all().delete()
    # The committee vouches for whom it records (no confirmation asked), but a co-author the registration
    # names stays linked (their My clips and mails), and a minor still waits for their guardian.
    coauthors = {c.id_number: c for c in submission.registration.coauthors.all()}
    guardians = {g.coauthor_id: g for g in submission.registration.guardians.all()}
    for order, person in enumerate(people):
        person.order, person.is_registrant = order, order == 0
        person.coauthor = None if person.is_registrant else coauthors.get(person.id_number)
        person.needs_guardian = needs_guardian(person, contest)
        # Guardians are keyed by co-author, None for the registrant's; anyone else the committee names has none.
        if person.is_registrant:
            person.guardian = guardians.get(None)
        elif person.coauthor:
            person.guardian = guardians.get(person.coauthor.pk)
    SubmissionAuthor.objects.bulk_create(people)
    SubmissionEvent.objects.create(
        submission=submission,
        actor=user,
        action="authors_changed",
        from_status=submission.status,
        to_status=submission.status,
        reason=_("%(reason)s (authors before: %(before)s; now: %(after)s)")
        % {
            "reason": reason,
            "before": ", ".join(before.values()),
            "after": ", ".join(p.full_name for p in people),
        },
    )
    if correcting:
        ContestEvent.objects.create(
            contest=contest,
            actor=user,
            action="results_corrected",
            from_phase=Phase.PUBLISHED,
            to_phase=Phase.PUBLISHED,
            reason=_("Authors of %(code)s: %(reason)s") % {"code": submission.code, "reason": reason},
        )
    log.info("authors of %s changed by user %s", submission.code, user.pk)
    return submission
