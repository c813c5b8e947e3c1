"""The committee's side of the audience and of the help page: the contest's FAQ and audience vote dates (inlines
of the contest), the vote's page (counts per finalist during the vote, the latest fanpage counts, and the bursts
submissions.audience_vote flags), and the fanpage counts recorded with their screenshots, which are evidence:
recorded, never changed or deleted (a newer record supersedes). Imported by submissions/admin.py."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from contest_portal.admin import WorkingContestScope, admin_page
from contest_portal.permissions import may_record_fanpage_counts, may_view_audience_votes, may_view_fanpage_counts
from contest_portal.personal_data import personal_data_access_log

from .audience_vote import (
    ADDRESS_VOTES,
    BURST_KINDS,
    BURST_VOTES,
    BURST_WINDOW,
    NEW_ACCOUNT_AGE,
    contest_vote_bursts,
    vote_counts,
    vote_window,
)
from .fanpage_counts import SCREENSHOT_NOT_A_PICTURE, fanpage_count_record, latest_fanpage_counts, screenshot_check
from .models import AudienceVoteWindow, FanpageCount, FaqEntry, Submission


class FaqEntryInline(admin.StackedInline):
    model = FaqEntry
    extra = 0
    fields = ["position", "question", "answer"]


class AudienceVoteWindowInline(admin.StackedInline):
    """No row, no vote: the committee adds one to hold an audience vote on the gallery."""

    model = AudienceVoteWindow
    extra = 0
    max_num = 1


def audience_vote_page(model_admin, request, object_id):
    """The contest's audience vote for the committee: every finalist's votes (also while the vote is open),
    its latest fanpage count, and the bursts flagged."""
    contest = model_admin.get_object(request, unquote(object_id))
    if contest is None:
        raise Http404(_("There is no such contest."))
    if not may_view_audience_votes(request.user, contest):
        raise PermissionDenied
    counts = vote_counts(contest=contest)
    fanpage = latest_fanpage_counts(contest=contest) if may_view_fanpage_counts(request.user, contest) else {}
    bursts = contest_vote_bursts(contest=contest)
    flagged = {burst.submission_id for burst in bursts if burst.submission_id}
    finalists = list(
        Submission.objects.filter(contest=contest).finalists().order_by("sequence").only("pk", "code", "title")
    )
    for finalist in finalists:
        finalist.votes = counts.get(finalist.pk, 0)
        finalist.fanpage = fanpage.get(finalist.pk)
        finalist.flagged = finalist.pk in flagged
    by_pk = {finalist.pk: finalist for finalist in finalists}
    # The addresses of the bursts flagged by address are the voters' personal data, shown unmasked.
    personal_data_access_log(
        user=request.user,
        contest=contest,
        what=gettext_noop("Audience vote: addresses of flagged bursts"),
        records=sum(1 for burst in bursts if burst.address),
        path=request.get_full_path(),
    )
    context = {
        **admin_page(model_admin, request),
        "title": _("Audience vote of %(contest)s") % {"contest": contest.short_name},
        "contest": contest,
        "window": vote_window(contest),
        "finalists": sorted(finalists, key=lambda finalist: -finalist.votes),
        "total": sum(counts.values()),
        "bursts": [(burst, BURST_KINDS[burst.kind], by_pk.get(burst.submission_id)) for burst in bursts],
        "rules": {
            "address_votes": ADDRESS_VOTES,
            "burst_votes": BURST_VOTES,
            "burst_minutes": int(BURST_WINDOW.total_seconds() // 60),
            "new_hours": int(NEW_ACCOUNT_AGE.total_seconds() // 3600),
        },
        "may_see_fanpage": may_view_fanpage_counts(request.user, contest),
        "may_record_fanpage": may_record_fanpage_counts(request.user, contest),
    }
    return TemplateResponse(request, "admin/submissions/contest/audience_vote.html", context)


class FanpageCountForm(forms.ModelForm):
    class Meta:
        model = FanpageCount
        fields = ["submission", "count", "screenshot"]
        # Django's image field reads the content with Pillow first: its refusal says what screenshot_check does.
        error_messages = {"screenshot": {"invalid_image": SCREENSHOT_NOT_A_PICTURE}}

    def clean_screenshot(self):
        screenshot = self.cleaned_data["screenshot"]
        screenshot_check(screenshot)
        return screenshot


def _staff_name(user):
    return user.full_name or user.email


@admin.register(FanpageCount)
class FanpageCountAdmin(WorkingContestScope, admin.ModelAdmin):
    contest_lookup = "submission__contest"
    form = FanpageCountForm
    list_display = ["submission", "count", "recorded_by_name", "recorded_at", "screenshot_link"]
    list_select_related = ["submission", "recorded_by"]
    actions = None  # no bulk delete: the records are evidence
    shown = ["submission", "count", "screenshot_picture", "recorded_by_name", "recorded_at"]

    def get_fields(self, request, obj=None):
        return FanpageCountForm.Meta.fields if obj is None else self.shown

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.shown

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "submission":
            contest = getattr(request.user, "working_contest", None)
            kwargs["queryset"] = Submission.objects.filter(contest=contest).finalists().order_by("sequence")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        record = fanpage_count_record(
            submission=obj.submission,
            count=obj.count,
            screenshot=form.cleaned_data["screenshot"],
            user=request.user,
        )
        # The admin logs and links the record the service made.
        obj.pk, obj.screenshot, obj.recorded_by, obj.recorded_at = (
            record.pk,
            record.screenshot,
            record.recorded_by,
            record.recorded_at,
        )

    @admin.display(description=_("recorded by"))
    def recorded_by_name(self, obj):
        return _staff_name(obj.recorded_by)

    @admin.display(description=_("screenshot"))
    def screenshot_link(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("submissions:fanpage_screenshot", args=[obj.pk]),
            _("open"),
        )

    @admin.display(description=_("screenshot"))
    def screenshot_picture(self, obj):
        url = reverse("submissions:fanpage_screenshot", args=[obj.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" width="320"></a>',
            url,
            url,
            _("Screenshot of the fanpage post"),
        )
