"""Telling entrants the preliminary round's decision: drafted in the outbox, sent when the committee releases it.

Nothing is sent when a screener clicks. After each decision, decision_mail_prepare words a draft from the
committee's editable template; the committee reviews the outbox and releases the drafts in bulk
(contest_portal.mail.outbox.drafts_release), which holds back a draft telling a decision changed since and,
through DECISION_DRAFTS registered here, records that the entrants were told.

There is one draft per submission, decision and recipient (recipients.py: the registrant, and each co-author
with an e-mail address). Its dedupe key names the submission and the instant of the decision
(`decision:<submission pk>:<decided_at>`, then `:coauthor:<pk>` for a co-author): a decision changed before
release rewords the same drafts, and a decision changed after the entrant was told gets new mails, while a
decision already mailed is never mailed twice (the key is unique). The entrant counts as told when the
registrant's mail is released."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.outbox import OutboxDrafts
from contest_portal.mail.services import DRAFT_FIELDS, mail_draft

from .models import Contest, Registration, Submission, SubmissionEvent
from .recipients import COAUTHOR_KEY, clip_recipients, drafts_for, is_coauthor_key

Status = Submission.Status
Draft = OutgoingMail.State.DRAFT

# The editable template for each decision, and what the committee reads about it in the admin.
DECISION_TEMPLATES = {
    Status.SHORTLISTED: ("decision_shortlisted", "Thông báo kết quả Sơ loại: clip vào vòng Chung kết"),
    Status.NOT_SELECTED: ("decision_not_selected", "Thông báo kết quả Sơ loại: clip không được chọn"),
    Status.DISQUALIFIED: ("decision_disqualified", "Thông báo clip không đủ điều kiện dự thi"),
}
KEY_PREFIX = "decision:"


def _dedupe_key(submission, recipient=None):
    decided_at = submission.decided_at.astimezone(datetime.UTC)
    key = f"{KEY_PREFIX}{submission.pk}:{decided_at:%Y%m%dT%H%M%S.%fZ}"
    return key + (recipient.key_suffix if recipient else "")


def _submission_pk(dedupe_key):
    return int(dedupe_key.removeprefix(KEY_PREFIX).split(":", 1)[0])


def _decision_key(dedupe_key):
    """The key without its recipient: which decision the mail tells."""
    return dedupe_key.split(COAUTHOR_KEY, 1)[0]


def _recipient_suffix(dedupe_key):
    return dedupe_key[len(_decision_key(dedupe_key)) :]


def _has_decision(submission):
    return submission.status in DECISION_TEMPLATES and submission.decided_at is not None


def _my_clips_path(contest):
    # A template's preview may draw on a made-up contest, with no address of its own.
    return reverse("submissions:my_clips", args=[contest.slug]) if contest.slug else "/"


def _context(submission):
    return {
        "contest": submission.contest,
        "submission": submission,
        "registration": submission.registration,
        "reason": submission.decision_reason,
        "my_clips_url": settings.SITE_URL.rstrip("/") + _my_clips_path(submission.contest),
    }


def _draft(submission):
    """The decision's mail, worded once for all its recipients: addressed to the registrant."""
    key, description = DECISION_TEMPLATES[Status(submission.status)]
    return mail_draft(
        key=key,
        description=description,
        context=_context(submission),
        to=submission.registration.user.email,
        dedupe_key=_dedupe_key(submission),
    )


def _prepare(submission_pk, *, reword):
    # The submission's row lock orders this after a decision being taken and before (or after) a release.
    submission = Submission.objects.select_for_update().get(pk=submission_pk)
    waiting = OutgoingMail.objects.filter(dedupe_key__startswith=f"{KEY_PREFIX}{submission.pk}:", state=Draft)
    if not _has_decision(submission):
        # There is no decision to tell any more; a draft was never sent, so it goes.
        waiting.delete()
        return None
    prefetch_related_objects([submission], "registration__user", "authors__coauthor")
    earlier = list(waiting.only("pk", "dedupe_key"))
    worded = None
    mails = []
    for recipient in clip_recipients(submission):
        mailed = OutgoingMail.objects.filter(dedupe_key=_dedupe_key(submission, recipient)).first()
        if mailed and (mailed.state != Draft or not reword):
            # This decision is drafted already (perhaps reworded by the committee since), or already released.
            mails.append(mailed)
            continue
        worded = worded or _draft(submission)
        [new] = drafts_for(draft=worded, recipients=[recipient], dedupe_key=_dedupe_key(submission))
        draft = mailed or next(
            (m for m in earlier if _recipient_suffix(m.dedupe_key) == recipient.key_suffix), None
        )
        # Reworded in place while it is a draft: the decision changed before release, or the template did.
        if draft and OutgoingMail.objects.filter(pk=draft.pk, state=Draft).update(
            **{field: getattr(new, field) for field in DRAFT_FIELDS}
        ):
            mails.append(OutgoingMail.objects.get(pk=draft.pk))
            continue
        new.save()
        mails.append(new)
    # Drafts for someone no longer among the recipients (a co-author removed, an address corrected) were
    # never sent: they go.
    waiting.exclude(pk__in=[mail.pk for mail in mails]).delete()
    return mails[0]


@transaction.atomic
def decision_mail_prepare(*, submission):
    """Drafts the e-mail telling the entrant the decision on `submission`; nothing is sent until it is released.

    Call it after each decision taken through submissions.screening.submission_decide (single or bulk), in the
    same transaction or after it; calling it again when nothing changed is harmless. For each submission:
    - no draft yet for its current decision: one is written from the decision's template;
    - a draft for an earlier decision is still waiting: that draft is reworded for the new decision;
    - the draft for this decision exists (the committee may have edited it) or was released: nothing changes,
      so a decision is never mailed twice, and a decision changed after release gets a new draft.
    A submission without a decision (never decided) has no draft.

    The co-authors with an e-mail address get the same mail, each a draft of their own.

    Returns the registrant's mail (a draft, or the one already released for this decision), or None.
    Raises Refusal when the committee's template cannot be rendered; the message says what to fix."""
    return _prepare(submission.pk, reword=False)


def _decision_drafts(ids):
    """(mail pk, dedupe key, kind) of the decision drafts among these mails."""
    return list(
        OutgoingMail.objects.filter(pk__in=ids, state=Draft, dedupe_key__startswith=KEY_PREFIX).values_list(
            "pk", "dedupe_key", "kind"
        )
    )


def _tells_current_decision(submission, dedupe_key, kind):
    if not _has_decision(submission):
        return False
    current = (_dedupe_key(submission), DECISION_TEMPLATES[Status(submission.status)][0])
    return (_decision_key(dedupe_key), kind) == current


def _hold_back(selected, user):
    """The decision drafts among `selected` that tell a decision changed since: worded again, not sent."""
    submission_ids = sorted({_submission_pk(key) for _pk, key, _kind in _decision_drafts(selected)})
    # Submissions first, then mails: the order in which a decision and its draft take their locks.
    submissions = Submission.objects.select_for_update().filter(pk__in=submission_ids).order_by("pk").in_bulk()
    held_back, stale = set(), set()
    for mail_pk, key, kind in _decision_drafts(selected):
        if not _tells_current_decision(submissions[_submission_pk(key)], key, kind):
            held_back.add(mail_pk)
            stale.add(_submission_pk(key))
    for submission_pk in sorted(stale):
        _prepare(submission_pk, reword=False)
    return held_back


def _record_told(released, user):
    """For each decision mail to a registrant released, the entrant counts as told: decision_notified_at and a
    "told" event. A co-author's mail alone tells nobody's My clips anything the registrant has not been told."""
    told = sorted(
        _submission_pk(key)
        for key in OutgoingMail.objects.filter(pk__in=released, dedupe_key__startswith=KEY_PREFIX).values_list(
            "dedupe_key", flat=True
        )
        if not is_coauthor_key(key)
    )
    if not told:
        return
    now = timezone.now()
    statuses = dict(Submission.objects.filter(pk__in=told).values_list("pk", "status"))
    Submission.objects.filter(pk__in=told).update(decision_notified_at=now, updated_at=now)
    SubmissionEvent.objects.bulk_create(
        SubmissionEvent(
            submission_id=pk,
            actor=user,
            action="told",
            from_status=statuses[pk],
            to_status=statuses[pk],
            created_at=now,
        )
        for pk in told
    )


def _redraft(selected, user):
    submission_ids = sorted({_submission_pk(key) for _pk, key, _kind in _decision_drafts(selected)})
    return sum(1 for pk in submission_ids if _prepare(pk, reword=True) is not None)


def sample_submission(**fields):
    """A made-up clip of the current contest, by a made-up entrant, for previewing a mail template: made up
    rather than taken from a real entrant, so a preview shows no one's personal data."""
    contest = Contest.objects.current() or Contest.objects.first() or Contest(name=_("Contest name"))
    registration = Registration(contest=contest, full_name="Nguyễn Văn An")
    return Submission(
        contest=contest,
        registration=registration,
        code=f"{contest.code_prefix or 'CDS'}-0001",
        title="Chuyển đổi số ở bản em",
        **fields,
    )


def decision_mail_sample_context(*, key):
    """A made-up submission of the current contest to preview a decision template with, or None for other keys.

    Made up rather than taken from a real entrant, so a preview shows no one's personal data."""
    status = next(
        (status for status, (template_key, _d) in DECISION_TEMPLATES.items() if template_key == key), None
    )
    if status is None:
        return None
    submission = sample_submission(
        status=status,
        decision_reason=""
        if status == Status.SHORTLISTED
        else _("The reason given with the decision appears here."),
    )
    return _context(submission)


# The decision mails' part in the outbox (contest_portal.mail.outbox), registered by SubmissionsConfig.ready.
DECISION_DRAFTS = OutboxDrafts(
    hold_back=_hold_back,
    after_release=_record_told,
    redraft=_redraft,
    sample_context=lambda key: decision_mail_sample_context(key=key),
)
