"""The committee's switch that opens the finalist gallery (and closes it again, with a reason), and its page.

Nothing of the gallery is public until the committee publishes; from then on every finalist of the contest is
shown, including one decided later, and a clip that stops being a finalist leaves it at once."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contest_portal.permissions import may_publish_finalists
from contest_portal.refusals import NotAllowed, Refusal

from .models import Contest, Submission, SubmissionEvent
from .phases import phase_check
from .staff import staff_contest

log = logging.getLogger(__name__)

SHORTLISTED = Submission.Status.SHORTLISTED  # the state the publication events record


# The committee's switch.


@transaction.atomic
def finalists_publish(*, contest, user):
    """Opens the gallery of the contest's finalists to everyone. Publishing again changes nothing.

    Returns True when this call published them."""
    if not may_publish_finalists(user, contest):
        raise NotAllowed(_("Only the Organizing Committee may publish the finalists."))
    phase_check(contest, "publish_finalists")
    finalists = list(Submission.objects.filter(contest=contest).finalists().only("pk"))
    if not finalists:
        raise Refusal(_("There is no finalist to publish yet."))
    now = timezone.now()
    published = Contest.objects.filter(pk=contest.pk, finalists_published_at__isnull=True).update(
        finalists_published_at=now
    )
    if not published:
        # Already published, by another click or another member of the committee.
        contest.refresh_from_db(fields=["finalists_published_at"])
        return False
    contest.finalists_published_at = now
    _record(finalists, user=user, action="published")
    log.info("Finalists of %s published by user %s: %d clips", contest.slug, user.pk, len(finalists))
    return True


@transaction.atomic
def finalists_unpublish(*, contest, user, reason):
    """Takes the gallery down again, when it was published by mistake; the reason goes in each finalist's
    history. Returns True when this call took it down."""
    if not may_publish_finalists(user, contest):
        raise NotAllowed(_("Only the Organizing Committee may withdraw the publication."))
    phase_check(contest, "publish_finalists")
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Give the reason for withdrawing the publication."), field="reason")
    withdrawn = Contest.objects.filter(pk=contest.pk, finalists_published_at__isnull=False).update(
        finalists_published_at=None
    )
    contest.finalists_published_at = None
    if not withdrawn:
        return False
    finalists = Submission.objects.filter(contest=contest).finalists().only("pk")
    _record(finalists, user=user, action="unpublished", reason=reason)
    log.info("Finalists of %s unpublished by user %s: %s", contest.slug, user.pk, reason)
    return True


def _record(finalists, *, user, action, reason=""):
    SubmissionEvent.objects.bulk_create(
        SubmissionEvent(
            submission=finalist,
            actor=user,
            action=action,
            from_status=SHORTLISTED,
            to_status=SHORTLISTED,
            reason=reason,
        )
        for finalist in finalists
    )


# The committee's page.


def _publishing_contest(request, slug):
    """The contest of a publication page: a 404 unless the person works on it, a 403 unless they publish."""
    contest = staff_contest(request, slug)
    if not may_publish_finalists(request.user, contest):
        raise PermissionDenied
    return contest


@login_required
def publication(request, slug):
    contest = _publishing_contest(request, slug)
    last_event = (
        SubmissionEvent.objects.filter(submission__contest=contest, action__in=["published", "unpublished"])
        .select_related("actor")
        .last()
    )
    return render(
        request,
        "submissions/gallery_publication.html",
        {
            "contest": contest,
            "finalist_count": Submission.objects.filter(contest=contest).finalists().count(),
            "last_event": last_event,
        },
    )


def gallery_url(contest):
    """The public gallery's address, as the committee's confirmation gives it."""
    return settings.SITE_URL.rstrip("/") + reverse("submissions:gallery", args=[contest.slug])


def publish_confirmation_context(contest):
    """What the confirmation before publishing shows, on this page and in the admin: the finalists the public
    will see, and where."""
    finalists = contest.submissions.finalists().select_related("genre").order_by("sequence")
    return {"contest": contest, "finalists": list(finalists), "gallery_url": gallery_url(contest)}


@require_POST
@login_required
def publication_publish(request, slug):
    """Publishes once the committee confirms: a POST without confirm=yes shows what will become public first."""
    contest = _publishing_contest(request, slug)
    if request.POST.get("confirm") != "yes":
        return render(request, "submissions/gallery_publish_confirm.html", publish_confirmation_context(contest))
    try:
        published = finalists_publish(contest=contest, user=request.user)
    except Refusal as refusal:
        messages.error(request, str(refusal.message))
    else:
        if published:
            messages.success(
                request,
                _("The finalists are published: the gallery is open to everyone at %(url)s.")
                % {"url": gallery_url(contest)},
            )
        else:
            messages.info(request, _("The finalists were already published."))
    return redirect("submissions:publication", slug=contest.slug)


@require_POST
@login_required
def publication_unpublish(request, slug):
    contest = _publishing_contest(request, slug)
    try:
        finalists_unpublish(contest=contest, user=request.user, reason=request.POST.get("reason", ""))
    except Refusal as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("The publication is withdrawn: the gallery is closed."))
    return redirect("submissions:publication", slug=contest.slug)
