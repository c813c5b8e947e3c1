"""Publishing the results: the contest's phase moves to "results published", the public results page opens and
the award e-mails are drafted in the outbox, where the committee releases them as it does the decision mails."""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.services import MailTemplateError, mail_template_get, mail_template_render
from contest_portal.permissions import may_publish_results
from submissions.gallery import finalist_authors
from submissions.phases import Phase, contest_move
from submissions.services import Refusal
from submissions.templatetags.portal import vnd

from .models import Award, FinalRound
from .prizes import check_run_for_awards
from .runs import approved_run, check_may, check_phase, lock_final_round
from .services import scorecards_outstanding

log = logging.getLogger(__name__)

AWARD_TEMPLATE = ("award", "Thông báo đạt giải")
AWARD_KEY_PREFIX = "award:"


# Publication.


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
        "results_url": settings.SITE_URL.rstrip("/") + reverse("judging:results"),
    }


def _draft_award_mails(contest):
    key, description = AWARD_TEMPLATE

    template = mail_template_get(key=key, description=description)
    awards = (
        Award.objects.filter(tier__contest=contest)
        .select_related("tier__contest", "submission__registration__user")
        .prefetch_related("submission__authors")
        .order_by("tier__order", "rank", "id")
    )
    drafted = set(
        OutgoingMail.objects.filter(dedupe_key__startswith=AWARD_KEY_PREFIX).values_list("dedupe_key", flat=True)
    )
    mails = []
    for award in awards:
        dedupe_key = f"{AWARD_KEY_PREFIX}{award.pk}"
        if dedupe_key in drafted:
            continue
        try:
            subject, text, html = mail_template_render(template=template, context=_award_context(award))
        except MailTemplateError as error:
            raise Refusal(
                _("The e-mail template “%(template)s” needs fixing: %(error)s")
                % {"template": template, "error": error.message}
            ) from error
        mails.append(
            OutgoingMail(
                state=OutgoingMail.State.DRAFT,
                kind=key,
                dedupe_key=dedupe_key,
                to=award.submission.registration.user.email,
                from_email=settings.DEFAULT_FROM_EMAIL,
                subject=subject,
                body_text=text,
                body_html=html,
            )
        )
    OutgoingMail.objects.bulk_create(mails)
    return len(mails)


@transaction.atomic
def results_publish(*, contest, user, reason=""):
    """Publishes the results: the contest's phase becomes "results published", the public results page opens,
    and an e-mail per award is drafted in the outbox for the committee to release.

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
    drafted = _draft_award_mails(contest)
    log.info("Results of %s published by user %s; %d award e-mails drafted", contest.slug, user.pk, drafted)
    return True
