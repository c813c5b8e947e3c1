"""The admin home's "to do" panel and links, each shown to the roles whose work it is: `{% load screening_admin %}`."""

from django import template
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from submissions.gallery import may_export_fanpage_pack
from submissions.models import Contest, ScreeningReview, Submission
from submissions.reports import may_export

register = template.Library()


@register.simple_tag(takes_context=True)
def screening_todo(context):
    """For a screener: how many clips wait for a decision, how many lack their recommendation, and the first
    of those to open. None for anyone else."""
    user = context["request"].user
    if not user.has_perm("submissions.screen_submission"):
        return None
    mine = ScreeningReview.objects.filter(submission=OuterRef("pk"), reviewer=user.pk)
    waiting = Submission.objects.filter(status=Submission.Status.RECEIVED).annotate(reviewed=Exists(mine))
    counts = waiting.aggregate(to_decide=Count("pk"), without_mine=Count("pk", filter=Q(reviewed=False)))
    first = waiting.filter(reviewed=False).order_by("-contest__opens_at", "sequence").only("pk").first()
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
    outbox, the publication of the finalists and the fanpage pack."""
    user = context["request"].user
    links = []
    if user.has_perm("submissions.view_submission"):
        links.append((_("Statistics"), reverse("reports:statistics")))
    if may_export(user):
        links.append((_("Export every clip (CSV)"), reverse("reports:export", args=["csv"])))
        links.append((_("Export every clip (XLSX)"), reverse("reports:export", args=["xlsx"])))
    if user.has_perm("mail.view_outgoingmail"):
        links.append((_("Outbox"), reverse("admin:mail_outgoingmail_changelist")))
    contest = Contest.objects.current() if user.is_staff else None
    if contest is not None and user.has_perm("submissions.publish_finalists"):
        links.append(
            (_("Publish the finalists"), reverse("admin:submissions_submission_publish", args=[contest.slug]))
        )
    if contest is not None and may_export_fanpage_pack(user):
        links.append((_("Fanpage pack"), reverse("submissions:fanpage_pack", args=[contest.slug])))
    return links
