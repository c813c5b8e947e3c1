"""The rights of the people whose data the portal holds (Decree 13/2023/NĐ-CP on personal data protection, and
the Personal Data Protection Law): to have a copy of all of it, to correct it (the registration form, while the
contest's phase allows) and to have it erased.

Erasure goes contest by contest, as far as the contest's phase allows:
- before the deadline (the contest not yet closed for entries) nothing has been decided on what the person
  sent: their registration form goes, with the co-authors and guardians named on it and their consents, and
  their clips with every file, and the uploads they had started. A co-author leaves the group: the group's
  clips stay the registrant's, without them.
- after it, the clips are entries of the contest: the preliminary round decided on them as they were, the jury
  scored the finalists, the results stand on them. They stay, files included, and what names the person on
  them is anonymised: ID number, date of birth, gender, phone, address, e-mail, name and organisation. A prize
  winner keeps their name, ID number, address and organisation: the results and certificates name the winners,
  and the accounts of a prize payment must show who was paid (Law on Accounting 2015, Article 41; the personal
  income tax withheld on a prize is declared against the ID number).
The account goes with the rest when nothing kept belongs to it; else (a registration form kept after the
deadline) it is anonymised and closed. Staff accounts are not erased here: the contests' records name the
staff who decided, scored and looked at personal data.

person_erasure_plan says all of this for one person, in sentences; the confirmation page shows them, and
person_erase does what the page said, or refuses when the plan changed since (a deadline passed meanwhile)."""

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contest_portal.mail.models import OutgoingMail
from contest_portal.refusals import NotAllowed, Refusal

from .anonymisation import (
    ANONYMISED_BIRTH_DATE,
    ANONYMISED_NAME,
    AUTHOR,
    COAUTHOR,
    REGISTRATION,
    anonymised_email,
    anonymised_id_number,
)
from .media.pipeline import media_file_names
from .models import (
    AudienceVote,
    CoAuthor,
    Consent,
    Contest,
    Guardian,
    Registration,
    StaffRole,
    Submission,
    SubmissionAuthor,
    SubmissionDocument,
    SubmissionEvent,
    Upload,
)
from .phases import Phase, contest_phase
from .share_image import share_image_names
from .stages import submissions_stages
from .uploads import upload_part_path
from .winners import winning_clips

log = logging.getLogger(__name__)

# Until entries close nothing has been decided on a clip that could not be undone.
BEFORE_THE_DEADLINE = frozenset({Phase.DRAFT, Phase.ANNOUNCED, Phase.OPEN})


def before_the_deadline(contest):
    return contest_phase(contest) in BEFORE_THE_DEADLINE


def _site(path):
    return settings.SITE_URL.rstrip("/") + path


def _addresses(user):
    """Every address the portal knows as this person's: the account's, those confirmed with it, and those
    they wrote on a registration form or confirmed as a co-author."""
    addresses = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    addresses.update(Registration.objects.filter(user=user).values_list("email", flat=True))
    addresses.update(CoAuthor.objects.filter(user=user).values_list("email", flat=True))
    return {address.lower() for address in addresses if address}


def _mails_to(user):
    condition = Q(pk__in=[])
    for address in _addresses(user):
        condition |= Q(to__iexact=address)
    return OutgoingMail.objects.filter(condition)


# The copy of everything.


def _registration_data(registration):
    return {
        "contest": registration.contest.slug,
        "contest_name": registration.contest.name,
        "full_name": registration.full_name,
        "date_of_birth": registration.date_of_birth,
        "gender": registration.gender,
        "id_number": registration.id_number,
        "phone": registration.phone,
        "email": registration.email,
        "organisation": registration.organisation,
        "locality": registration.locality.name if registration.locality else "",
        "address": registration.address,
        "category": registration.category.name if registration.category else "",
        "group_name": registration.group_name,
        "declares_originality": registration.declares_originality,
        "accepts_rules": registration.accepts_rules,
        "consents_to_publication": registration.consents_to_publication,
        "consents_to_data_processing": registration.consents_to_data_processing,
        "created_at": registration.created_at,
        "updated_at": registration.updated_at,
        # What the registrant wrote of the others: not their ID numbers, birth dates or phones, which are theirs.
        "coauthors": [
            {
                "full_name": coauthor.full_name,
                "email": coauthor.email,
                "organisation": coauthor.organisation,
                "invited_at": coauthor.invited_at,
                "confirmed_at": coauthor.confirmed_at,
            }
            for coauthor in registration.coauthors.all()
        ],
    }


def _coauthorship_data(coauthor):
    registration = coauthor.registration
    return {
        "contest": registration.contest.slug,
        "group_name": registration.group_name,
        "full_name": coauthor.full_name,
        "email": coauthor.email,
        "date_of_birth": coauthor.date_of_birth,
        "id_number": coauthor.id_number,
        "organisation": coauthor.organisation,
        "phone": coauthor.phone,
        "invited_at": coauthor.invited_at,
        "confirmed_at": coauthor.confirmed_at,
    }


def _guardian_data(guardian):
    return {
        "contest": guardian.registration.contest.slug,
        "full_name": guardian.full_name,
        "relation": guardian.relation,
        "phone": guardian.phone,
        "email": guardian.email,
        "invited_at": guardian.invited_at,
        "consented_at": guardian.consented_at,
        "withdrawn_at": guardian.withdrawn_at,
    }


def _consent_data(consent):
    return {
        "contest": consent.registration.contest.slug,
        "text": consent.text.kind,
        "version": consent.text.version,
        "wording": consent.text.body,
        "given_by": "guardian" if consent.guardian_id else "you",
        "given_at": consent.given_at,
        "withdrawn_at": consent.withdrawn_at,
    }


def _is_theirs(author, user):
    if author.is_registrant:
        return author.submission.registration.user_id == user.pk
    return author.coauthor is not None and author.coauthor.user_id == user.pk


def _author_data(author, user):
    data = {"full_name": author.full_name, "organisation": author.organisation, "registrant": author.is_registrant}
    if _is_theirs(author, user):
        data.update(you=True, id_number=author.id_number, date_of_birth=author.date_of_birth)
    return data


def _clip_data(clip, user):
    """A clip as its entrants may know it: the decision once the committee's e-mail told it, the stages My clips
    shows; never the screeners' recommendations and notes, nor who decided."""
    told = clip.decision_notified_at is not None
    return {
        "contest": clip.contest.slug,
        "code": clip.code,
        "title": clip.title,
        "genre": clip.genre.name,
        "summary": clip.summary,
        "status": clip.status_for_entrant,
        "decision_told_at": clip.decision_notified_at,
        "decision_reason": clip.decision_reason if told else "",
        "stages": [
            {"stage": stage.key, "label": stage.label, "state": stage.state, "at": stage.at}
            for stage in clip.stages.stages
        ],
        "submitted_at": clip.submitted_at,
        "withdrawn_at": clip.withdrawn_at,
        "file_name": clip.original_filename,
        "size": clip.size,
        "sha256": clip.sha256,
        "container": clip.container,
        "duration": clip.duration,
        "width": clip.width,
        "height": clip.height,
        "video_codec": clip.video_codec,
        "audio_codec": clip.audio_codec,
        "rotation": clip.rotation,
        "frame_rate": clip.frame_rate,
        "bitrate": clip.bitrate,
        "video": clip.media_state,
        "authors": [_author_data(author, user) for author in clip.authors.all()],
    }


def _stored_size(field_file):
    try:
        return field_file.storage.size(field_file.name)
    except FileNotFoundError:
        return None


def _clip_files(clip):
    """The files of one of the person's own clips, each with the private address they may fetch it from."""
    files = [
        {
            "clip": clip.code,
            "kind": "original",
            "name": clip.original_filename,
            "size": clip.size,
            "url": _site(reverse("submissions:original", args=[clip.code])),
        }
    ]
    for kind, field_file, view, name in [
        ("preview", clip.preview, "submissions:preview", f"{clip.code}.mp4"),
        ("thumbnail", clip.thumbnail, "submissions:thumbnail", f"{clip.code}.jpg"),
    ]:
        if field_file:
            files.append(
                {
                    "clip": clip.code,
                    "kind": kind,
                    "name": name,
                    "size": _stored_size(field_file),
                    "url": _site(reverse(view, args=[clip.code])),
                }
            )
    files += [
        {
            "clip": clip.code,
            "kind": "document",
            "name": document.original_filename,
            "size": document.size,
            "url": _site(reverse("submissions:document", args=[clip.code, document.pk])),
        }
        for document in clip.documents.all()
    ]
    return files


def _upload_data(upload):
    return {
        "contest": upload.registration.contest.slug,
        "file_name": upload.filename,
        "title": upload.metadata.get("title", ""),
        "summary": upload.metadata.get("summary", ""),
        "length": upload.length,
        "received": upload.offset,
        "state": upload.state,
        "refusal": upload.refusal,
        "created_at": upload.created_at,
        "last_byte_at": upload.received_at,
        "expires_at": upload.expires_at,
        "clip": upload.submission.code if upload.submission else "",
    }


def person_data_export(*, user):
    """Everything the portal holds about `user`, as a dict ready for JSON: the account, each registration form
    with the co-authors they named, their part as a co-author in others' groups, their guardians, the consents
    given by or for them, their clips and the group clips they co-author (as the entrants see them), their
    uploads, the e-mails sent to them, and their files with the addresses to download them from.

    Of other people, only what this person wrote or may see: the co-authors' names, not their ID numbers."""
    registrations = list(
        Registration.objects.filter(user=user)
        .select_related("contest", "locality", "category")
        .prefetch_related("coauthors")
        .order_by("created_at", "pk")
    )
    coauthorships = list(CoAuthor.objects.filter(user=user).select_related("registration__contest").order_by("pk"))
    guardians = Guardian.objects.filter(
        Q(registration__user=user, coauthor=None) | Q(coauthor__user=user)
    ).select_related("registration__contest")
    consents = Consent.objects.filter(
        Q(registration__user=user, coauthor=None, guardian=None)
        | Q(coauthor__user=user, guardian=None)
        | Q(guardian__in=guardians)
    ).select_related("text", "registration__contest")
    clips = (
        Submission.objects.select_related("contest", "genre", "registration")
        .prefetch_related("documents", "authors__coauthor")
        .order_by("contest_id", "sequence")
    )
    own = submissions_stages(submissions=clips.filter(registration__user=user), user=user)
    coauthored = submissions_stages(
        submissions=clips.filter(authors__coauthor__user=user).exclude(registration__user=user).distinct(),
        user=user,
    )
    uploads = Upload.objects.filter(user=user).select_related("registration__contest", "submission")
    mails = _mails_to(user).exclude(state=OutgoingMail.State.DRAFT).order_by("created_at", "pk")
    return {
        "exported_at": timezone.now(),
        "portal": settings.SITE_URL,
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
        },
        "registrations": [_registration_data(registration) for registration in registrations],
        "coauthorships": [_coauthorship_data(coauthor) for coauthor in coauthorships],
        "guardians": [_guardian_data(guardian) for guardian in guardians.order_by("pk")],
        "consents": [_consent_data(consent) for consent in consents.order_by("given_at", "pk")],
        "clips": [_clip_data(clip, user) for clip in own],
        "coauthored_clips": [_clip_data(clip, user) for clip in coauthored],
        "uploads": [_upload_data(upload) for upload in uploads.order_by("created_at")],
        # Drafts are left out: a decision waiting in the committee's outbox is not told yet.
        "emails": [
            {
                "to": mail.to,
                "subject": mail.subject,
                "kind": mail.kind,
                "state": mail.state,
                "queued_at": mail.created_at,
                "sent_at": mail.sent_at,
            }
            for mail in mails
        ],
        "audience_votes": [
            {
                "contest": vote.contest.slug,
                "finalist": vote.submission.code,
                "at": vote.created_at,
                "address": vote.address,
            }
            for vote in AudienceVote.objects.filter(user=user)
            .select_related("contest", "submission")
            .order_by("pk")
        ],
        "files": [file for clip in own for file in _clip_files(clip)],
    }


# What erasure would do.


@dataclass
class Line:
    """One thing the erasure takes away or leaves, as the confirmation page says it; `why` for what stays."""

    text: str
    why: str = ""


@dataclass
class ContestErasure:
    """What becomes of one person's part in one contest."""

    contest: Contest
    before_the_deadline: bool
    summary: str = ""
    registration: Registration | None = None
    registration_won: bool = False
    clips: list = field(default_factory=list)
    uploads: int = 0
    # (co-author row, whether a clip it is an author of won a prize)
    coauthorships: list = field(default_factory=list)
    goes: list = field(default_factory=list)
    stays: list = field(default_factory=list)

    def key(self):
        return (
            self.contest.pk,
            self.before_the_deadline,
            self.registration.pk if self.registration else None,
            self.registration_won,
            tuple(sorted(clip.pk for clip in self.clips)),
            tuple(sorted((coauthor.pk, won) for coauthor, won in self.coauthorships)),
        )


@dataclass
class ErasurePlan:
    refusal: str = ""
    contests: list = field(default_factory=list)
    mails: int = 0
    deletes_account: bool = True
    goes: list = field(default_factory=list)
    stays: list = field(default_factory=list)

    @property
    def digest(self):
        """A fingerprint of what would be done: the page sends it back, so the erasure done is the one read."""
        shape = repr(([part.key() for part in self.contests], self.deletes_account))
        return hashlib.sha256(shape.encode()).hexdigest()[:32]


def person_erasure_refusal(user):
    """Why this account may not be erased here, or ""."""
    if user.is_staff or user.is_superuser or StaffRole.objects.filter(user=user).exists():
        return _(
            "This is a staff account. The contests' records name the staff who screened, decided, scored and "
            "looked at personal data, and those records stay: a staff account is closed by the portal's "
            "administrator, not erased here."
        )
    return ""


def _codes(clips):
    return ", ".join(clip.code for clip in clips)


def _group(registration):
    return registration.group_name or registration.full_name


def _closed_on(contest):
    return formats.date_format(timezone.localtime(contest.closes_at), "d/m/Y")


def _winning_ids(contest):
    return set(winning_clips(contest).values_list("pk", flat=True))


def _registration_part(part, registration, winning):
    part.registration = registration
    part.clips = list(Submission.objects.filter(registration=registration).order_by("sequence"))
    part.uploads = _unfinished_uploads(registration).count()
    count = len(part.clips)
    if part.before_the_deadline:
        part.goes.append(
            Line(
                _(
                    "Your registration form: your details, your consents, and the co-authors and guardians named on it."
                )
            )
        )
        if part.clips:
            part.goes.append(
                Line(
                    ngettext(
                        "Your clip %(codes)s, with its files: the original, its preview and thumbnail, its "
                        "documents.",
                        "Your %(count)d clips %(codes)s, with their files: the originals, their previews and "
                        "thumbnails, their documents.",
                        count,
                    )
                    % {"count": count, "codes": _codes(part.clips)}
                )
            )
    else:
        part.registration_won = any(clip.pk in winning for clip in part.clips)
        if part.registration_won:
            part.goes.append(
                Line(
                    _("On your registration form and on your clips: your date of birth, gender, phone and e-mail.")
                )
            )
            part.stays.append(
                Line(
                    _("Your name, ID number, address and organisation."),
                    _(
                        "You won a prize: the results and the certificates name you, and the accounts of the prize "
                        "payment must show who was paid (Law on Accounting 2015, Article 41; the personal income "
                        "tax withheld on a prize is declared against the ID number)."
                    ),
                )
            )
        else:
            part.goes.append(
                Line(
                    _(
                        "On your registration form and on your clips: your name, ID number, date of birth, gender, "
                        "phone, address, e-mail and organisation."
                    )
                )
            )
        if registration.guardians.filter(coauthor=None).exists():
            part.goes.append(Line(_("Your guardian's name, phone and e-mail.")))
        if part.clips:
            part.stays.append(
                Line(
                    ngettext(
                        "Your clip %(codes)s, with its title, summary and files, and the decisions and scores on it.",
                        "Your %(count)d clips %(codes)s, with their titles, summaries and files, and the decisions "
                        "and scores on them.",
                        count,
                    )
                    % {"count": count, "codes": _codes(part.clips)},
                    _(
                        "The preliminary round and the jury judged the entries as they were sent, and the contest's "
                        "records stand on them. If a clip shows you and you want it taken down, write to the "
                        "organizers."
                    ),
                )
            )
        part.stays.append(
            Line(
                _("Your entrant category, district and group name, and your declarations on the form."),
                _("They name nobody by themselves, and the contest's statistics count them."),
            )
        )
        part.stays.append(_consents_line())
        if registration.coauthors.exists():
            part.stays.append(
                Line(
                    _("The details of the co-authors you named."),
                    _("They are theirs, not yours: each of them may ask for their own to be erased."),
                )
            )
    if part.uploads:
        part.goes.append(
            Line(
                ngettext(
                    "The upload you started and did not finish, with what it received.",
                    "The %(count)d uploads you started and did not finish, with what they received.",
                    part.uploads,
                )
                % {"count": part.uploads}
            )
        )


def _consents_line():
    return Line(
        _("The record of which version of which text you agreed to, and when, marked withdrawn."),
        _(
            "It shows that the portal had your consent for what it did until now, as Decree 13/2023/NĐ-CP asks it "
            "to be able to show."
        ),
    )


def _coauthorship_part(part, coauthor, winning):
    group = _group(coauthor.registration)
    if part.before_the_deadline:
        part.coauthorships.append((coauthor, False))
        part.goes.append(
            Line(
                _(
                    "Your details as a co-author in “%(group)s”, your consents and your guardian's details, and your "
                    "name on the group's clips."
                )
                % {"group": group}
            )
        )
        part.stays.append(
            Line(
                _("The clips of “%(group)s”, without you among their authors.") % {"group": group},
                _("They are the entries of the group's registrant."),
            )
        )
        return
    won = SubmissionAuthor.objects.filter(coauthor=coauthor, submission_id__in=winning).exists()
    part.coauthorships.append((coauthor, won))
    if won:
        part.goes.append(
            Line(
                _(
                    "As a co-author in “%(group)s”: your date of birth, phone and e-mail, and your guardian's details."
                )
                % {"group": group}
            )
        )
        part.stays.append(
            Line(
                _("Your name, ID number and organisation as a co-author in “%(group)s”.") % {"group": group},
                _(
                    "A clip of yours won a prize: the results and the certificates name you, and the accounts of "
                    "the prize payment must show who was paid (Law on Accounting 2015, Article 41)."
                ),
            )
        )
    else:
        part.goes.append(
            Line(
                _(
                    "As a co-author in “%(group)s”: your name, ID number, date of birth, phone, e-mail and "
                    "organisation, and your guardian's details."
                )
                % {"group": group}
            )
        )
    part.stays.append(
        Line(
            _("The clips of “%(group)s”, with you among their authors, anonymised.") % {"group": group},
            _("They are the entries of the group's registrant, judged as they were sent."),
        )
    )
    part.stays.append(_consents_line())


def person_erasure_plan(*, user):
    """What erasing `user`'s personal data would do, contest by contest, in the sentences the confirmation page
    shows (an ErasurePlan); `refusal` says why it may not be done at all. person_erase does what this says."""
    plan = ErasurePlan(refusal=person_erasure_refusal(user))
    registrations = {
        registration.contest_id: registration
        for registration in Registration.objects.filter(user=user).select_related("contest")
    }
    coauthorships = {}
    for coauthor in CoAuthor.objects.filter(user=user).select_related("registration__contest").order_by("pk"):
        coauthorships.setdefault(coauthor.registration.contest_id, []).append(coauthor)
    contests = Contest.objects.filter(pk__in={*registrations, *coauthorships}).order_by("opens_at", "pk")
    for contest in contests:
        part = ContestErasure(contest=contest, before_the_deadline=before_the_deadline(contest))
        winning = set() if part.before_the_deadline else _winning_ids(contest)
        if part.before_the_deadline:
            part.summary = _("Its entries have not closed yet: nothing has been decided on what you sent.")
        else:
            part.summary = _(
                "Its entries closed on %(date)s: the clips are entries of the contest, judged as they were sent."
            ) % {"date": _closed_on(contest)}
        if contest.pk in registrations:
            _registration_part(part, registrations[contest.pk], winning)
        for coauthor in coauthorships.get(contest.pk, []):
            _coauthorship_part(part, coauthor, winning)
        plan.contests.append(part)
    plan.mails = _mails_to(user).exclude(state=OutgoingMail.State.SENDING).count()
    if plan.mails:
        plan.goes.append(
            Line(
                ngettext(
                    "The e-mail the portal sent you, from its log.",
                    "The %(count)d e-mails the portal sent you, from its log.",
                    plan.mails,
                )
                % {"count": plan.mails}
            )
        )
    plan.deletes_account = not any(part.registration and not part.before_the_deadline for part in plan.contests)
    if plan.deletes_account:
        plan.goes.append(Line(_("Your account: you are signed out and cannot sign in again.")))
    else:
        plan.goes.append(
            Line(_("Your name and e-mail address on your account: you are signed out and cannot sign in again."))
        )
        plan.stays.append(
            Line(
                _("Your account, closed and anonymised."),
                _("The registration forms kept above belong to an account."),
            )
        )
    return plan


# Erasure.


class PlanChanged(Refusal):
    status = 409


def _remove_after_commit(names=(), paths=()):
    """Removes stored files (storage names) and upload files (paths) once the rows naming them are gone for
    good: a transaction rolled back leaves every file in place."""
    names, paths = sorted(set(names) - {""}), sorted(set(paths))

    def remove():
        for name in names:
            default_storage.delete(name)
        for path in paths:
            Path(path).unlink(missing_ok=True)

    transaction.on_commit(remove)


def _stored_files(clip):
    return {
        clip.clip.name,
        *media_file_names(clip),
        *(document.file.name for document in clip.documents.all()),
        *share_image_names(clip),
    }


def _unfinished_uploads(registration):
    """Uploads that never became a clip: a finished one is the record of a clip's arrival, and stays with it."""
    return Upload.objects.filter(registration=registration).exclude(state=Upload.State.COMPLETE)


def _uploads_delete(uploads):
    """Deletes the uploads' rows; returns the paths of their received bytes, to remove after commit."""
    paths = []
    for upload_id in uploads.values_list("pk", flat=True):
        part = upload_part_path(upload_id)
        paths += [part, part.with_suffix(".clip")]
    uploads.delete()
    return paths


def _consents_withdraw(consents, now):
    consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)


def _names_scrub(clips, name):
    """The clips' history keeps what happened, not who: a reason naming the person (an authors' change, a
    guardian's withdrawal) names them no more."""
    if name and name != ANONYMISED_NAME:
        SubmissionEvent.objects.filter(submission__in=clips, reason__contains=name).update(
            reason=Replace("reason", Value(name), Value(ANONYMISED_NAME))
        )


def _authors_anonymise(authors, *, won):
    values = {"date_of_birth": None}
    if not won:
        values.update(full_name=ANONYMISED_NAME, id_number=anonymised_id_number(AUTHOR), organisation="")
    authors.update(**values)


def _registrant_authorships(registration, id_number):
    """The registrant's recorded authorships in the contest: on their own clips, and wherever the committee
    recorded them by hand (found by their ID number)."""
    return SubmissionAuthor.objects.filter(
        Q(submission__registration=registration, is_registrant=True)
        | Q(submission__contest_id=registration.contest_id, id_number=id_number)
    )


def _coauthor_authorships(coauthor):
    return SubmissionAuthor.objects.filter(
        Q(coauthor=coauthor)
        | Q(submission__contest_id=coauthor.registration.contest_id, id_number=coauthor.id_number)
    )


def _registration_delete(registration):
    """Deletes the registration and everything on it: its clips (their history first, which protects them),
    uploads, co-authors, guardians and consents. Returns (storage names, upload paths) to remove."""
    clips = list(
        Submission.objects.filter(registration=registration)
        .select_related("contest")
        .prefetch_related("documents")
    )
    names = set().union(*(_stored_files(clip) for clip in clips))
    paths = _uploads_delete(Upload.objects.filter(registration=registration))
    SubmissionEvent.objects.filter(submission__in=clips).delete()
    Submission.objects.filter(pk__in=[clip.pk for clip in clips]).delete()
    registration.delete()
    return names, paths


def _registrant_anonymise(registration, *, won, now):
    """Anonymises the registrant, on the form and on their recorded authorships; deletes their unfinished
    uploads. Returns the upload paths to remove."""
    registration = Registration.objects.get(pk=registration.pk)
    authorships = list(_registrant_authorships(registration, registration.id_number).values_list("pk", flat=True))
    values = {"date_of_birth": None, "gender": "", "phone": "", "email": ""}
    if not won:
        values.update(
            full_name=ANONYMISED_NAME,
            id_number=anonymised_id_number(REGISTRATION),
            address="",
            organisation="",
        )
    Registration.objects.filter(pk=registration.pk).update(**values)
    _authors_anonymise(SubmissionAuthor.objects.filter(pk__in=authorships), won=won)
    Guardian.objects.filter(registration=registration, coauthor=None).update(
        full_name=ANONYMISED_NAME, phone="", email=""
    )
    _consents_withdraw(Consent.objects.filter(registration=registration, coauthor=None, guardian=None), now)
    if not won:
        _names_scrub(Submission.objects.filter(authors__pk__in=authorships), registration.full_name)
    return _uploads_delete(_unfinished_uploads(registration))


def _coauthor_erase(coauthor, *, before_the_deadline, won, now):
    """A co-author's part: before the deadline they leave the group (their row goes, with their guardian and
    consents, and they are no longer an author of the group's clips still in the contest; a withdrawn clip keeps
    them, anonymised, in its record); after it they are anonymised where they are."""
    coauthor = CoAuthor.objects.select_related("registration").get(pk=coauthor.pk)
    authorships = _coauthor_authorships(coauthor)
    # Read now: the rows found by the co-author's ID number are found by it no more once it is anonymised.
    authorship_ids = list(authorships.values_list("pk", flat=True))
    clips = list(Submission.objects.filter(authors__pk__in=authorship_ids).distinct())
    if before_the_deadline:
        leaving = list(
            SubmissionAuthor.objects.filter(pk__in=authorship_ids)
            .exclude(submission__status=Submission.Status.WITHDRAWN)
            .select_related("submission")
        )
        SubmissionEvent.objects.bulk_create(
            SubmissionEvent(
                submission=authorship.submission,
                action="author_erased",
                from_status=authorship.submission.status,
                to_status=authorship.submission.status,
                reason=_("A co-author's personal data was erased: they are no longer among the clip's authors."),
                created_at=now,
            )
            for authorship in leaving
        )
        SubmissionAuthor.objects.filter(pk__in=[authorship.pk for authorship in leaving]).delete()
        _authors_anonymise(SubmissionAuthor.objects.filter(pk__in=authorship_ids), won=False)
        _names_scrub(clips, coauthor.full_name)
        coauthor.delete()
        return
    values = {"date_of_birth": ANONYMISED_BIRTH_DATE, "phone": "", "email": "", "user": None}
    if not won:
        values.update(full_name=ANONYMISED_NAME, id_number=anonymised_id_number(COAUTHOR), organisation="")
    CoAuthor.objects.filter(pk=coauthor.pk).update(**values)
    _authors_anonymise(SubmissionAuthor.objects.filter(pk__in=authorship_ids), won=won)
    Guardian.objects.filter(coauthor=coauthor).update(full_name=ANONYMISED_NAME, phone="", email="")
    _consents_withdraw(Consent.objects.filter(coauthor=coauthor, guardian=None), now)
    if not won:
        _names_scrub(clips, coauthor.full_name)


def _account_erase(user, *, delete):
    EmailAddress.objects.filter(user=user).delete()
    if delete:
        user.delete()
        return
    get_user_model().objects.filter(pk=user.pk).update(
        email=anonymised_email(user), full_name="", is_active=False, password=make_password(None)
    )


@transaction.atomic
def person_erase(*, user, plan_digest):
    """Erases `user`'s personal data as person_erasure_plan says, the plan the person read (`plan_digest`, its
    digest); refuses a staff account (NotAllowed, with the reason) and a plan that has changed since (PlanChanged).
    Files go once the transaction has committed. Returns the plan done."""
    if not get_user_model().objects.select_for_update().filter(pk=user.pk, is_active=True).exists():
        raise Refusal(_("This account's personal data is erased already."))
    contests = {
        *Registration.objects.filter(user=user).values_list("contest_id", flat=True),
        *CoAuthor.objects.filter(user=user).values_list("registration__contest_id", flat=True),
    }
    # The contests' row locks, which the clips' submission and the registration form take too: no clip arrives
    # and no phase moves while this decides what goes.
    list(Contest.objects.select_for_update().filter(pk__in=contests).order_by("pk").values_list("pk", flat=True))
    plan = person_erasure_plan(user=user)
    if plan.refusal:
        raise NotAllowed(plan.refusal)
    if plan_digest != plan.digest:
        raise PlanChanged(
            _(
                "What erasing your data would do has changed since you read it (a deadline may have passed): read it again."
            )
        )
    now = timezone.now()
    names, paths = set(), []
    _mails_to(user).exclude(state=OutgoingMail.State.SENDING).delete()
    for part in plan.contests:
        if part.registration is not None and part.before_the_deadline:
            deleted_names, deleted_paths = _registration_delete(part.registration)
            names |= deleted_names
            paths += deleted_paths
        elif part.registration is not None:
            paths += _registrant_anonymise(part.registration, won=part.registration_won, now=now)
        for coauthor, won in part.coauthorships:
            _coauthor_erase(coauthor, before_the_deadline=part.before_the_deadline, won=won, now=now)
    # The vote stays counted; where it came from goes.
    AudienceVote.objects.filter(user=user).update(address=None)
    _account_erase(user, delete=plan.deletes_account)
    _remove_after_commit(names, paths)
    log.info("personal data of account %s erased (%d contest(s))", user.pk, len(plan.contests))
    return plan


@transaction.atomic
def person_erase_from_registration(*, registration, coauthor=None):
    """Erases one person's part in one registration: the registrant's (coauthor=None), or that co-author's.
    For a guardian who withdraws their consent (submissions.guardians.guardian_withdraw): the minor's personal
    data goes, whatever the phase.

    The registrant's clips are withdrawn (those not withdrawn yet, recorded in their history) and their files
    removed; their uploads go; the registration form stays, anonymised as after the deadline, with the
    withdrawal on record. A co-author is treated as in person_erase: before the deadline they leave the group,
    after it they are anonymised. A prize winner keeps their name, ID number and address, as person_erase
    says why."""
    contest = Contest.objects.select_for_update().get(pk=registration.contest_id)
    winning = _winning_ids(contest)
    now = timezone.now()
    if coauthor is not None:
        won = SubmissionAuthor.objects.filter(coauthor=coauthor, submission_id__in=winning).exists()
        _coauthor_erase(coauthor, before_the_deadline=before_the_deadline(contest), won=won, now=now)
        log.info("personal data of a co-author of registration %s erased", registration.pk)
        return
    clips = list(
        Submission.objects.filter(registration=registration)
        .select_related("contest")
        .prefetch_related("documents")
    )
    staying = [clip for clip in clips if clip.status != Submission.Status.WITHDRAWN]
    SubmissionEvent.objects.bulk_create(
        SubmissionEvent(
            submission=clip,
            action="withdrawn",
            from_status=clip.status,
            to_status=Submission.Status.WITHDRAWN,
            reason=_("Withdrawn: the author's personal data was erased."),
            created_at=now,
        )
        for clip in staying
    )
    Submission.objects.filter(pk__in=[clip.pk for clip in staying]).update(
        status=Submission.Status.WITHDRAWN, withdrawn_at=now
    )
    names = set().union(*(_stored_files(clip) for clip in clips))
    # The original's name stays on the row (its address answers 404 once the file is gone); a clip without a
    # preview or thumbnail is one its pages know how to show.
    Submission.objects.filter(pk__in=[clip.pk for clip in clips]).update(preview="", thumbnail="")
    SubmissionDocument.objects.filter(submission__in=clips).delete()
    won = any(clip.pk in winning for clip in clips)
    paths = _registrant_anonymise(registration, won=won, now=now)
    _remove_after_commit(names, paths)
    log.info("personal data of the registrant of registration %s erased", registration.pk)
