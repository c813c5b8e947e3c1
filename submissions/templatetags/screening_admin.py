"""The admin home's panels: the contest's phase, the "to do" list and links, each shown to the roles whose work
it is: `{% load screening_admin %}`."""

from django import template
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contest_portal.permissions import (
    may_publish_finalists,
    may_publish_results,
    may_rank,
    may_run_contest,
    may_score,
    may_screen,
    may_view_audience_votes,
    may_view_outbox,
    may_view_submissions,
)
from submissions.fanpage_pack import may_export_fanpage_pack
from submissions.models import ScreeningReview, Submission
from submissions.phases import contest_phase, phase_allows, phase_description
from submissions.reports import may_export

register = template.Library()


@register.simple_tag(takes_context=True)
def screening_todo(context):
    """For a screener: how many clips wait for a decision, how many lack their recommendation, and the first
    of those to open. None for anyone else."""
    user = context["request"].user
    contest = getattr(user, "working_contest", None)
    if contest is None or not may_screen(user, contest):
        return None
    mine = ScreeningReview.objects.filter(submission=OuterRef("pk"), reviewer=user.pk)
    waiting = Submission.objects.undecided().filter(contest=contest).annotate(reviewed=Exists(mine))
    counts = waiting.aggregate(to_decide=Count("pk"), without_mine=Count("pk", filter=Q(reviewed=False)))
    first = waiting.filter(reviewed=False).order_by("sequence").only("pk").first()
    changelist = reverse("admin:submissions_submission_changelist")
    return {
        **counts,
        "queue_url": f"{changelist}?status__exact=received",
        "without_mine_url": f"{changelist}?status__exact=received&mine=no",
        "first_url": reverse("admin:submissions_submission_screen", args=[first.pk]) if first else "",
    }


@register.simple_tag(takes_context=True)
def contest_work_links(context):
    """(label, url) of the pages beside the model lists that this user may open: statistics, exports, the
    outbox, the publication of the finalists, the fanpage pack and the audience vote."""
    user = context["request"].user
    links = []
    if may_view_submissions(user):
        links.append((_("Statistics"), reverse("reports:statistics")))
    if may_export(user):
        links.append((_("Export every clip (CSV)"), reverse("reports:export", args=["csv"])))
        links.append((_("Export every clip (XLSX)"), reverse("reports:export", args=["xlsx"])))
    if may_view_outbox(user):
        links.append((_("Outbox"), reverse("admin:mail_outgoingmail_changelist")))
    contest = getattr(user, "working_contest", None)
    if contest is not None and may_publish_finalists(user):
        links.append(
            (_("Publish the finalists"), reverse("admin:submissions_submission_publish", args=[contest.slug]))
        )
    if contest is not None and may_export_fanpage_pack(user):
        links.append((_("Fanpage pack"), reverse("submissions:fanpage_pack", args=[contest.slug])))
    if contest is not None and may_view_audience_votes(user):
        links.append((_("Audience vote"), reverse("admin:submissions_contest_audience_vote", args=[contest.pk])))
    return links


# Each role's work, by the predicate of contest_portal.permissions it needs and the action the phase must allow (submissions.phases).
_ROLE_WORK = [
    (may_screen, "screen", gettext_lazy("screen the clips")),
    (may_publish_finalists, "publish_finalists", gettext_lazy("publish the finalists")),
    (may_score, "score", gettext_lazy("score your finalists")),
    (may_rank, "rank", gettext_lazy("rank the finalists and award the prizes")),
    (may_publish_results, "publish_results", gettext_lazy("publish the results")),
]


@register.simple_tag(takes_context=True)
def contest_phase_panel(context):
    """For staff: the contest being worked on, the phase it is in, and, for the committee, its phase page."""
    user = context["request"].user
    contest = getattr(user, "working_contest", None)
    if contest is None:
        return None
    return {
        "contest": contest,
        "phase": contest_phase(contest),
        "description": phase_description(contest),
        "may_now": [label for may, action, label in _ROLE_WORK if may(user) and phase_allows(contest, action)],
        "phase_url": reverse("admin:submissions_contest_phase", args=[contest.pk])
        if may_run_contest(user)
        else "",
    }
