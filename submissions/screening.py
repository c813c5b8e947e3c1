"""The preliminary round: screeners' recommendations and the decision on each clip.

Every change of a clip's state in this round goes through submission_decide, which checks the permission, the
phase and the transition, records who and when, writes the audit history and drafts the e-mail telling the
entrant (decision_mail.py), as pretalx's set_submission_state does. The admin's buttons and bulk actions call
it, and ask decisions_allowed which decisions to offer; nothing else sets Submission.status to a decision."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contest_portal.permissions import may_change_told_decision, may_disqualify, may_screen
from contest_portal.refusals import NotAllowed, Refusal

from .decision_mail import decision_mail_prepare
from .models import ScreeningReview, Submission, SubmissionEvent
from .phases import phase_allows, phase_check

Status = Submission.Status
DECISIONS = {Status.SHORTLISTED, Status.NOT_SELECTED, Status.DISQUALIFIED}
# Which decisions may follow which state. Withdrawn clips are out of the contest.
ALLOWED = {
    Status.RECEIVED: {Status.SHORTLISTED, Status.NOT_SELECTED, Status.DISQUALIFIED},
    Status.SHORTLISTED: {Status.NOT_SELECTED, Status.DISQUALIFIED},
    Status.NOT_SELECTED: {Status.SHORTLISTED, Status.DISQUALIFIED},
    Status.DISQUALIFIED: set(),
    Status.WITHDRAWN: set(),
}
# The screening checklist: each item answered yes or no (or left open), with a note.
CHECKLIST = [
    ("content_on_theme", "content_note"),
    ("form_ok", "form_note"),
    ("technical_quality_ok", "technical_quality_note"),
    ("rules_compliance_ok", "rules_compliance_note"),
]
CHECKLIST_FIELDS = {name for item in CHECKLIST for name in item}
# What each SubmissionEvent.action means, as the audit history shows it.
EVENT_ACTIONS = {
    "decided": _("decided"),
    "decision_changed_after_notice": _("decision changed after the entrant was told"),
    "told": _("entrant told (e-mail released)"),
    "published": _("finalists published"),
    "unpublished": _("publication withdrawn"),
    "authors_changed": _("authors changed"),
}


def _check_may_screen(user, contest):
    if not may_screen(user, contest):
        raise NotAllowed(_("You may not screen clips."))


def _check_permission(user, submission, decision):
    if decision == Status.DISQUALIFIED and not may_disqualify(user, submission.contest):
        raise NotAllowed(_("Only the Organizing Committee may disqualify a clip."))
    if submission.decision_notified_at and not may_change_told_decision(user, submission.contest):
        raise NotAllowed(
            _("The entrant has been told about %(code)s; only the Organizing Committee may change the decision.")
            % {"code": submission.code}
        )


@dataclass(frozen=True)
class Decided:
    """What submission_decide did: whether the clip's state changed (the outcome is true then), and, when the
    committee's mail template could not be rendered, why the entrant's e-mail is not drafted yet."""

    changed: bool
    mail_problem: str = ""

    def __bool__(self):
        return self.changed


def decisions_allowed(user, submission):
    """The decisions `user` may take on `submission` now, in the order the screening page offers them: none
    without the screening permission or outside screening's phases, none once the entrant was told unless the
    user may change a told decision, never disqualification without its permission."""
    if not may_screen(user, submission.contest) or not phase_allows(submission.contest, "screen"):
        return []
    if decision_is_told_to(user, submission):
        return []
    allowed = ALLOWED[Status(submission.status)]
    if not may_disqualify(user, submission.contest):
        allowed = allowed - {Status.DISQUALIFIED}
    return [
        decision
        for decision in (Status.SHORTLISTED, Status.NOT_SELECTED, Status.DISQUALIFIED)
        if decision in allowed
    ]


def decision_is_told_to(user, submission):
    """Whether the decision stands for `user` because the entrant has been told it (the committee may change it)."""
    return submission.decision_notified_at is not None and not may_change_told_decision(user, submission.contest)


def _check_consented(submission):
    """A clip with an author under the guardian age is not screened before their guardian consents."""
    if Submission.objects.filter(pk=submission.pk).awaiting_guardian().exists():
        raise Refusal(
            _("%(code)s waits for a guardian's consent: it is screened once the guardian has consented.")
            % {"code": submission.code}
        )


@transaction.atomic
def submission_decide(*, submission, user, decision, reason=""):
    """Takes the preliminary round's decision on a clip and drafts the e-mail telling it, for the committee to
    release. Deciding what is already decided changes nothing, but drafts the mail if it is missing (a template
    fixed since). A template the committee broke stops the draft, not the decision: the outcome says why.

    Returns a Decided, true when the clip's state changed."""
    changed = _decide(submission=submission, user=user, decision=decision, reason=reason)
    try:
        decision_mail_prepare(submission=submission)
    except Refusal as refusal:
        return Decided(changed, mail_problem=str(refusal.message))
    return Decided(changed)


def _decide(*, submission, user, decision, reason):
    decision = Status(decision)
    reason = reason.strip()
    if decision not in DECISIONS:
        raise Refusal(_("Choose finalist, not selected or disqualified."))
    _check_may_screen(user, submission.contest)
    submission = Submission.objects.select_for_update().select_related("contest").get(pk=submission.pk)
    if submission.status == decision:
        return False
    phase_check(submission.contest, "screen")
    _check_permission(user, submission, decision)
    _check_consented(submission)
    if decision not in ALLOWED[Status(submission.status)]:
        raise Refusal(
            _("%(code)s is %(state)s: it cannot become %(decision)s.")
            % {"code": submission.code, "state": submission.get_status_display(), "decision": decision.label}
        )
    if decision in (Status.NOT_SELECTED, Status.DISQUALIFIED) and not reason:
        raise Refusal(_("Give the reason: the entrant will read it."), field="reason")
    was_told = submission.decision_notified_at is not None
    SubmissionEvent.objects.create(
        submission=submission,
        actor=user,
        action="decision_changed_after_notice" if was_told else "decided",
        from_status=submission.status,
        to_status=decision,
        reason=reason,
    )
    submission.status = decision
    submission.decision_reason = reason
    submission.decided_by = user
    submission.decided_at = timezone.now()
    # A changed decision must be told again.
    submission.decision_notified_at = None
    submission.save(
        update_fields=[
            "status",
            "decision_reason",
            "decided_by",
            "decided_at",
            "decision_notified_at",
            "updated_at",
        ]
    )
    return True


@transaction.atomic
def screening_review_save(*, submission, reviewer, recommendation, comment="", **checklist):
    """Records (or updates) one screener's recommendation and checklist on a clip.

    `checklist` takes the fields of CHECKLIST: content_on_theme=True, content_note="…", and so on."""
    unknown = set(checklist) - CHECKLIST_FIELDS
    if unknown:
        raise TypeError(f"Not on the checklist: {', '.join(sorted(unknown))}")
    _check_may_screen(reviewer, submission.contest)
    # Locked, so a withdrawal cannot slip in between the check and the save.
    submission = Submission.objects.select_for_update().select_related("contest").get(pk=submission.pk)
    phase_check(submission.contest, "screen")
    if submission.status == Status.WITHDRAWN:
        raise Refusal(_("%(code)s was withdrawn: it is not screened.") % {"code": submission.code})
    _check_consented(submission)
    if any(checklist.get(answer) not in (True, False, None) for answer, _note in CHECKLIST):
        raise TypeError("Checklist answers are True, False or None.")
    fields = {"recommendation": recommendation, "comment": comment.strip(), **checklist}
    try:
        # An answer may be left open (None), which full_clean would call blank.
        ScreeningReview(submission=submission, reviewer=reviewer, **fields).full_clean(
            exclude=[answer for answer, _note in CHECKLIST], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        raise Refusal(" ".join(error.messages)) from error
    review, _created = ScreeningReview.objects.update_or_create(
        submission=submission, reviewer=reviewer, defaults=fields
    )
    return review
