"""Publishing the results: the contest's phase moves to "results published", the public results page opens and
every finalist's author is told, by an e-mail drafted in the outbox, where the committee releases it as it does
the decision mails: the winners of their prize, the other finalists that their clip won none this time."""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.outbox import OutboxDrafts
from contest_portal.mail.services import mail_draft
from contest_portal.permissions import may_publish_results
from contest_portal.refusals import Refusal
from submissions.decision_mail import sample_submission
from submissions.gallery import finalist_authors
from submissions.phases import Phase, contest_move
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


def _results_url(contest):
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
        "results_url": _results_url(award.tier.contest),
    }


def _draft_result_mails(contest):
    """A draft for each award, and one for each finalist that won nothing (the dedupe keys keep any of them
    from being drafted twice). Returns how many were drafted."""
    awards = list(
        Award.objects.filter(tier__contest=contest)
        .select_related("tier__contest", "submission__registration__user")
        .prefetch_related("submission__authors")
        .order_by("tier__order", "rank", "id")
    )
    without_prize = (
        contest.submissions.finalists()
        .exclude(pk__in=[award.submission_id for award in awards])
        .select_related("contest", "registration__user")
        .prefetch_related("authors")
        .order_by("sequence")
    )
    drafted = set(
        OutgoingMail.objects.filter(dedupe_key__startswith=AWARD_KEY_PREFIX).values_list("dedupe_key", flat=True)
    ) | set(
        OutgoingMail.objects.filter(dedupe_key__startswith=NO_PRIZE_KEY_PREFIX).values_list(
            "dedupe_key", flat=True
        )
    )
    key, description = AWARD_TEMPLATE
    mails = [
        mail_draft(
            key=key,
            description=description,
            context=_award_context(award),
            to=award.submission.registration.user.email,
            dedupe_key=f"{AWARD_KEY_PREFIX}{award.pk}",
        )
        for award in awards
        if f"{AWARD_KEY_PREFIX}{award.pk}" not in drafted
    ]
    key, description = NO_PRIZE_TEMPLATE
    mails += [
        mail_draft(
            key=key,
            description=description,
            context={
                "contest": contest,
                "submission": finalist,
                "registration": finalist.registration,
                "authors": finalist_authors(finalist),
                "results_url": _results_url(contest),
            },
            to=finalist.registration.user.email,
            dedupe_key=f"{NO_PRIZE_KEY_PREFIX}{finalist.pk}",
        )
        for finalist in without_prize
        if f"{NO_PRIZE_KEY_PREFIX}{finalist.pk}" not in drafted
    ]
    OutgoingMail.objects.bulk_create(mails)
    return len(mails)


@transaction.atomic
def results_publish(*, contest, user, reason=""):
    """Publishes the results: the contest's phase becomes "results published", the public results page opens,
    and an e-mail per award, and one per finalist without a prize, is drafted in the outbox for the committee
    to release.

    Refused outside the final round, without an approved, current run and its prizes, and while a finalist
    still waits for a judge's scorecard, unless `reason` says why the committee publishes without it (kept in
    the contest's history). Publishing again changes nothing. Needs judging.publish_results. Returns True when
    this call published."""
    check_may(user, may_publish_results, _("You may not publish the results."))
    final_round = lock_final_round(contest)
    if final_round.results_published_at is not None:
        return False
    check_phase(contest, "publish_results")
    run = approved_run(contest)
    check_run_for_awards(run)
    if not Award.objects.filter(tier__contest=contest, run=run).exists():
        raise Refusal(_("Award the prizes from the approved run before publishing."))
    reason = reason.strip()
    outstanding = scorecards_outstanding(contest)
    if outstanding and not reason:
        raise Refusal(
            _(
                "Scorecards are still missing for %(codes)s: wait for the judges, or give the reason to "
                "publish without them."
            )
            % {"codes": ", ".join(outstanding)},
            field="reason",
        )
    contest_move(contest=contest, user=user, action="publish_results", to=Phase.PUBLISHED, reason=reason)
    now = timezone.now()
    FinalRound.objects.filter(pk=final_round.pk, results_published_at__isnull=True).update(
        results_published_at=now
    )
    final_round.results_published_at = now
    contest.judging = final_round
    drafted = _draft_result_mails(contest)
    log.info("Results of %s published by user %s; %d e-mails drafted", contest.slug, user.pk, drafted)
    return True


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
        "results_url": _results_url(contest),
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
