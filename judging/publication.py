"""Publishing the results: the contest's phase moves to "results published", the public results page opens and
every finalist's authors are told, by e-mails drafted in the outbox, where the committee releases them as it
does the decision mails (or releases them with the publication): the winners of their prize, the other finalists
that their clip won none this time; the registrant and each co-author with an address, a mail each."""

import logging
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.outbox import OutboxDrafts, drafts_release
from contest_portal.mail.services import mail_draft
from contest_portal.permissions import may_publish_results, may_release_mail
from contest_portal.refusals import Refusal
from submissions.decision_mail import sample_submission
from submissions.gallery import finalist_authors
from submissions.phases import Phase, contest_move
from submissions.recipients import clip_recipients, drafts_for, is_coauthor_key
from submissions.templatetags.portal import vnd

from .models import Award, FinalRound, PrizeTier
from .prizes import check_run_for_awards
from .runs import approved_run, check_may, check_phase, lock_final_round
from .services import scorecards_outstanding

log = logging.getLogger(__name__)

AWARD_TEMPLATE = ("award", "Thông báo đạt giải")
AWARD_KEY_PREFIX = "award:"
NO_PRIZE_TEMPLATE = ("finalist_no_prize", "Thông báo kết quả Chung kết: clip chưa đạt giải")
NO_PRIZE_KEY_PREFIX = "no_prize:"
# The kinds of the mails publication drafts, for the prize page's count of those waiting.
RESULT_MAIL_KINDS = (AWARD_TEMPLATE[0], NO_PRIZE_TEMPLATE[0])


# Publication.


def results_url(contest):
    """The public results page's address, as the mails and the committee's confirmation give it."""
    # A template's preview may draw on a made-up contest, with no address of its own.
    path = reverse("judging:results", args=[contest.slug]) if contest.slug else "/"
    return settings.SITE_URL.rstrip("/") + path


def _award_context(award):
    registration = award.submission.registration
    # Written as the mail's language writes amounts: 5.000.000 đ.
    with translation.override(settings.LANGUAGE_CODE):
        amount = vnd(award.tier.amount)
    return {
        "contest": award.tier.contest,
        "submission": award.submission,
        "registration": registration,
        "authors": finalist_authors(award.submission),
        "award": award,
        "tier": award.tier,
        "amount": amount,
        "honour": award.tier.honour,
        "results_url": results_url(award.tier.contest),
    }


# Whom a result mail is for, as the committee's confirmation counts them.
WINNER, WITHOUT_PRIZE, COAUTHOR = "winner", "without_prize", "coauthor"


def _role(kind, dedupe_key):
    if is_coauthor_key(dedupe_key):
        return COAUTHOR
    return WINNER if kind == AWARD_TEMPLATE[0] else WITHOUT_PRIZE


@dataclass(frozen=True)
class ResultMails:
    """How many result mails there are, by whom they are for: the registrants of awarded clips (one mail per
    prize), those of the finalists without a prize, and the co-authors of either."""

    winners: int = 0
    without_prize: int = 0
    coauthors: int = 0

    @property
    def total(self):
        return self.winners + self.without_prize + self.coauthors

    @classmethod
    def of(cls, roles):
        counted = Counter(roles)
        return cls(winners=counted[WINNER], without_prize=counted[WITHOUT_PRIZE], coauthors=counted[COAUTHOR])

    def __str__(self):
        return ngettext(
            "%(total)d e-mail: %(winners)d to prize winners, %(without_prize)d to finalists without a prize, "
            "%(coauthors)d to co-authors",
            "%(total)d e-mails: %(winners)d to prize winners, %(without_prize)d to finalists without a prize, "
            "%(coauthors)d to co-authors",
            self.total,
        ) % {
            "total": self.total,
            "winners": self.winners,
            "without_prize": self.without_prize,
            "coauthors": self.coauthors,
        }


def _result_mails(contest):
    """What publication tells, as (template, dedupe key, context, recipients): one mail per award and one per
    finalist that won nothing, each to the clip's registrant and its co-authors with an address
    (submissions.recipients); a recipient's dedupe key is the one here followed by their suffix."""
    awards = (
        Award.objects.filter(tier__contest=contest)
        .select_related("tier__contest", "submission__registration__user")
        .prefetch_related("submission__authors__coauthor")
        .order_by("tier__order", "rank", "id")
    )
    for award in awards:
        key = f"{AWARD_KEY_PREFIX}{award.pk}"
        yield AWARD_TEMPLATE, key, _award_context(award), clip_recipients(award.submission)
    without_prize = (
        contest.submissions.finalists()
        .exclude(pk__in=Award.objects.filter(tier__contest=contest).values("submission"))
        .select_related("contest", "registration__user")
        .prefetch_related("authors__coauthor")
        .order_by("sequence")
    )
    for finalist in without_prize:
        key = f"{NO_PRIZE_KEY_PREFIX}{finalist.pk}"
        yield NO_PRIZE_TEMPLATE, key, _no_prize_context(finalist), clip_recipients(finalist)


def _no_prize_context(finalist):
    return {
        "contest": finalist.contest,
        "submission": finalist,
        "registration": finalist.registration,
        "authors": finalist_authors(finalist),
        "results_url": results_url(finalist.contest),
    }


def _drafted_keys():
    return set(
        OutgoingMail.objects.filter(
            Q(dedupe_key__startswith=AWARD_KEY_PREFIX) | Q(dedupe_key__startswith=NO_PRIZE_KEY_PREFIX)
        ).values_list("dedupe_key", flat=True)
    )


def result_mails_planned(*, contest):
    """The result mails publishing would draft now, counted as a ResultMails (none drafted twice)."""
    drafted = _drafted_keys()
    return ResultMails.of(
        _role(template[0], key + recipient.key_suffix)
        for template, key, _context, recipients in _result_mails(contest)
        for recipient in recipients
        if key + recipient.key_suffix not in drafted
    )


def result_drafts(*, contest):
    """The result mails of `contest` still waiting in the outbox for the committee to release them."""
    return OutgoingMail.objects.filter(contest=contest, kind__in=RESULT_MAIL_KINDS, state=OutgoingMail.State.DRAFT)


def result_drafts_waiting(*, contest):
    """The result mails waiting in the outbox, counted as a ResultMails."""
    return ResultMails.of(
        _role(kind, key) for kind, key in result_drafts(contest=contest).values_list("kind", "dedupe_key")
    )


def _draft_result_mails(contest):
    """The drafts of _result_mails, each worded once for all its recipients; the dedupe keys keep any of them
    from being drafted twice. Returns how many were drafted."""
    drafted = _drafted_keys()
    mails = []
    for (template, description), key, context, recipients in _result_mails(contest):
        recipients = [recipient for recipient in recipients if key + recipient.key_suffix not in drafted]
        if not recipients:
            continue
        worded = mail_draft(key=template, description=description, context=context, to="", dedupe_key=key)
        mails += drafts_for(draft=worded, recipients=recipients, dedupe_key=key)
    OutgoingMail.objects.bulk_create(mails)
    return len(mails)


def results_publish_check(*, contest, reason=""):
    """Raises the Refusal that publishing the results would meet now, if any: the committee's confirmation page
    asks first, so that nobody confirms what is then refused."""
    check_phase(contest, "publish_results")
    run = approved_run(contest)
    check_run_for_awards(run)
    if not Award.objects.filter(tier__contest=contest, run=run).exists():
        raise Refusal(_("Award the prizes from the approved run before publishing."))
    outstanding = scorecards_outstanding(contest)
    if outstanding and not reason.strip():
        raise Refusal(
            _(
                "Scorecards are still missing for %(codes)s: wait for the judges, or give the reason to "
                "publish without them."
            )
            % {"codes": ", ".join(outstanding)},
            field="reason",
        )


@transaction.atomic
def results_publish(*, contest, user, reason="", release=False):
    """Publishes the results: the contest's phase becomes "results published", the public results page opens,
    and an e-mail per award, and one per finalist without a prize, is drafted in the outbox for the clip's
    registrant and each of its co-authors with an address, for the committee to release; with `release`, they
    are released at once (which needs mail.release_outgoingmail too).

    Refused outside the final round, without an approved, current run and its prizes, and while a finalist
    still waits for a judge's scorecard, unless `reason` says why the committee publishes without it (kept in
    the contest's history). Publishing again changes nothing. Needs judging.publish_results. Returns True when
    this call published."""
    check_may(user, may_publish_results, _("You may not publish the results."))
    if release:
        check_may(user, may_release_mail, _("You may not release e-mails."))
    final_round = lock_final_round(contest)
    if final_round.results_published_at is not None:
        return False
    results_publish_check(contest=contest, reason=reason)
    reason = reason.strip()
    contest_move(contest=contest, user=user, action="publish_results", to=Phase.PUBLISHED, reason=reason)
    now = timezone.now()
    FinalRound.objects.filter(pk=final_round.pk, results_published_at__isnull=True).update(
        results_published_at=now
    )
    final_round.results_published_at = now
    contest.judging = final_round
    drafted = _draft_result_mails(contest)
    log.info("Results of %s published by user %s; %d e-mails drafted", contest.slug, user.pk, drafted)
    if release:
        result_drafts_release(contest=contest, user=user)
    return True


def result_drafts_release(*, contest, user):
    """Releases the result mails of `contest` waiting in the outbox (contest_portal.mail.outbox.drafts_release):
    a second click sends nothing twice. Needs mail.release_outgoingmail. Returns the outbox's Release."""
    return drafts_release(mails=result_drafts(contest=contest), user=user)


def result_mail_sample_context(*, key):
    """A made-up prize winner or finalist to preview the award and no-prize templates with, or None for any other
    template."""
    if key not in RESULT_MAIL_KINDS:
        return None
    submission = sample_submission()
    contest, registration = submission.contest, submission.registration
    context = {
        "contest": contest,
        "submission": submission,
        "registration": registration,
        "authors": registration.full_name,
        "results_url": results_url(contest),
    }
    if key == NO_PRIZE_TEMPLATE[0]:
        return context
    tier = PrizeTier(contest=contest, name="Giải Nhất", amount=10_000_000, honour="Bằng khen")
    with translation.override(settings.LANGUAGE_CODE):
        amount = vnd(tier.amount)
    award = Award(tier=tier, submission=submission)
    return {**context, "award": award, "tier": tier, "amount": amount, "honour": tier.honour}


# The result mails' part in the outbox (contest_portal.mail.outbox): template previews; registered by
# JudgingConfig.ready.
RESULT_DRAFTS = OutboxDrafts(sample_context=lambda key: result_mail_sample_context(key=key))
