"""The final round in the admin.

For the Organizing Committee: each contest's final-round settings, with the judges' progress, the reminders and
the generation of assignments; the rubric; panels; assignments; the scorecards, read-only, each reopenable with a
reason. For a judge: "Scoring", the queue of the finalists assigned to them, and a scorecard page per clip. A
judge's pages are scoped to their own assignments: another judge's, or a clip not assigned to them, is a 404,
and they reach no scorecard but their own."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Sum
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from contest_portal.admin import ReadOnly, WorkingContestScope, admin_page, row_id
from contest_portal.permissions import (
    may_assign,
    may_oversee_scorecards,
    may_remind_judges,
    may_reopen_scorecard,
    may_score,
    may_view_assignments,
)
from contest_portal.refusals import Refusal
from submissions.models import Contest, finalist_q
from submissions.phases import Phase, contest_phase, phase_description
from submissions.staff import working_contest_switch

from .forms import (
    AssignmentForm,
    CriterionForm,
    FinalRoundForm,
    PanelForm,
    ReasonForm,
    ScorecardForm,
    plain_decimal,
)
from .models import Assignment, Criterion, FinalRound, Panel, PrizeTier, Score, Scorecard, ScorecardEvent
from .services import (
    assignment_declare_conflict,
    assignments_generate,
    criterion_save,
    final_round_settings,
    format_points,
    judge_progress,
    judge_queue,
    judges_remind,
    judging_progress,
    scorecard_reopen,
    scorecard_save,
    scorecard_submit,
)

State = Scorecard.State

# A scorecard's state as the lists show it ("submitted" alone reads as a date in some languages).
STATE_LABELS = {
    State.DRAFT: pgettext_lazy("scorecard state", "draft"),
    State.SUBMITTED: pgettext_lazy("scorecard state", "submitted"),
}
# What each ScorecardEvent.action means, as the histories show it.
EVENT_ACTIONS = {
    "submitted": pgettext_lazy("scorecard event", "submitted"),
    "reopened": _("reopened by the Organizing Committee"),
    "conflict_declared": _("conflict of interest declared"),
}


def _scores(request):
    return may_score(request.user)


def _oversees(request):
    """The committee sees every assignment; a judge, only theirs."""
    return may_view_assignments(request.user)


@admin.register(FinalRound)
class FinalRoundAdmin(WorkingContestScope, admin.ModelAdmin):
    """A contest's final round: how clips are assigned and combined, blind judging; the judges' progress page."""

    form = FinalRoundForm
    list_display = ["contest", "assignment", "judges_per_clip", "method", "blind", "progress_link"]
    list_select_related = ["contest"]

    def get_readonly_fields(self, request, obj=None):
        # The results' publication is the results page's to set; the contest is chosen once.
        return ["contest", "results_published_at", "rubric"] if obj else ["results_published_at"]

    def get_fields(self, request, obj=None):
        fields = list(FinalRoundForm.Meta.fields)
        return [*fields, "results_published_at", "rubric"] if obj else fields

    @admin.display(description=_("rubric"))
    def rubric(self, obj):
        lines = format_html_join(
            "",
            "<li>{}: {} · {}{}</li>",
            (
                (
                    criterion.name,
                    _("at most %(points)s points") % {"points": format_points(criterion.max_points)},
                    _("weight %(weight)s") % {"weight": format_points(criterion.weight)},
                    format_html(" · {}", _("breaks ties")) if criterion.breaks_ties else "",
                )
                for criterion in obj.contest.criteria.all()
            ),
        )
        url = reverse("admin:judging_criterion_changelist")
        return format_html(
            '<ul class="rubric-summary">{}</ul><a href="{}">{}</a>',
            lines or format_html("<li>{}</li>", _("No criteria yet.")),
            url,
            _("Edit the rubric"),
        )

    @admin.display(description=_("judges' progress"))
    def progress_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:judging_finalround_progress", args=[obj.pk]), _("progress")
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:final_round_id>/progress/", wrap(self.progress_view), name="judging_finalround_progress"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            "progress_url": reverse("admin:judging_finalround_progress", args=[object_id])
            if row_id(object_id) is not None
            else "",
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def progress_view(self, request, final_round_id):
        """Each judge's scorecards: submitted out of assigned, drafts, conflicts; the buttons to (re)generate the
        assignments and to remind the judges who have not finished."""
        final_round = get_object_or_404(self.get_queryset(request).select_related("contest"), pk=final_round_id)
        if not self.has_view_permission(request, final_round):
            raise PermissionDenied
        contest = final_round.contest
        may_generate = may_assign(request.user)
        may_remind = may_remind_judges(request.user)
        if request.method == "POST":
            if "generate" in request.POST and may_generate:
                self._generate(request, contest)
            elif "remind" in request.POST and may_remind:
                self._remind(request, contest)
            else:
                raise PermissionDenied
            return redirect("admin:judging_finalround_progress", final_round.pk)
        rows = judging_progress(contest=contest)
        context = {
            **admin_page(self, request),
            "title": _("Judges' progress"),
            "original": final_round,
            "final_round": final_round,
            "contest": contest,
            "rows": rows,
            "finalists": contest.submissions.finalists().count(),
            "criteria": contest.criteria.count(),
            "unfinished": sum(1 for _judge, progress in rows if progress.remaining > 0),
            "may_generate": may_generate,
            "may_remind": may_remind,
            "assignments_url": reverse("admin:judging_assignment_changelist"),
            "scorecards_url": reverse("admin:judging_scorecard_changelist"),
        }
        return TemplateResponse(request, "admin/judging/finalround/progress.html", context)

    def _generate(self, request, contest):
        try:
            generated = assignments_generate(contest=contest, user=request.user)
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return
        self.message_user(
            request,
            _("Assignments: %(created)d new, %(removed)d removed, %(kept)d kept.")
            % {"created": generated.created, "removed": generated.removed, "kept": generated.kept},
            messages.SUCCESS,
        )

    def _remind(self, request, contest):
        try:
            reminded = judges_remind(contest=contest, user=request.user)
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return
        if reminded:
            self.message_user(
                request,
                ngettext("%(count)d judge reminded by e-mail.", "%(count)d judges reminded by e-mail.", reminded)
                % {"count": reminded},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("Nobody to remind: every judge has finished, or was reminded today already."),
                messages.INFO,
            )


@admin.register(Criterion)
class CriterionAdmin(WorkingContestScope, admin.ModelAdmin):
    """The rubric, a contest at a time: each line's maximum, weight, order and whether it breaks ties are edited
    in the list itself. A criterion that was scored cannot be deleted (its scores protect it)."""

    form = CriterionForm
    list_display = ["name", "contest", "max_points", "weight", "order", "breaks_ties"]
    list_editable = ["max_points", "weight", "order", "breaks_ties"]
    list_select_related = ["contest"]
    ordering = ["contest", "order", "id"]

    def get_readonly_fields(self, request, obj=None):
        return ["contest"] if obj else []

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=CriterionForm, **kwargs)

    def save_model(self, request, obj, form, change):
        criterion_save(criterion=obj)


@admin.register(Panel)
class PanelAdmin(WorkingContestScope, admin.ModelAdmin):
    form = PanelForm
    list_display = ["name", "contest", "judge_count", "clip_count"]
    filter_horizontal = ["judges", "submissions"]

    @admin.display(description=_("judges"))
    def judge_count(self, obj):
        return obj.judges.count()

    @admin.display(description=_("finalists"))
    def clip_count(self, obj):
        return obj.submissions.count()


class ScorecardStateFilter(admin.SimpleListFilter):
    title = _("scorecard")
    parameter_name = "scorecard"

    def lookups(self, request, model_admin):
        return [
            ("none", _("not started")),
            (State.DRAFT, STATE_LABELS[State.DRAFT]),
            (State.SUBMITTED, STATE_LABELS[State.SUBMITTED]),
            ("conflict", _("conflict of interest")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "conflict":
            return queryset.filter(conflict_declared_at__isnull=False)
        if value == "none":
            return queryset.filter(conflict_declared_at__isnull=True, scorecard__isnull=True)
        if value in State.values:
            return queryset.filter(conflict_declared_at__isnull=True, scorecard__state=value)
        return queryset


@admin.register(Assignment)
class AssignmentAdmin(WorkingContestScope, admin.ModelAdmin):
    contest_lookup = "submission__contest"
    """For a judge, "Scoring": the finalists assigned to them, their progress and a scorecard page per clip.
    For the committee, every assignment of every contest, added by hand or generated from the progress page;
    one with a scorecard or a declared conflict is a record and is never deleted."""

    form = AssignmentForm
    list_select_related = ["submission__genre", "judge", "scorecard"]
    list_display_links = None
    list_per_page = 100
    ordering = ["-submission__contest__opens_at", "submission__sequence", "judge__email"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _oversees(request):
            return queryset
        return queryset.filter(finalist_q("submission__"), judge=request.user.pk)

    def get_list_display(self, request):
        if _oversees(request):
            return ["clip", "title", "judge", "scorecard_state", "conflict_reason"]
        return ["score_link", "title", "genre", "scorecard_state"]

    def get_list_filter(self, request):
        if _oversees(request):
            return [
                ScorecardStateFilter,
                "submission__status",
                ("judge", admin.RelatedOnlyFieldListFilter),
            ]
        return [ScorecardStateFilter]

    def get_search_fields(self, request):
        if _oversees(request):
            return ["submission__code", "submission__title", "judge__email", "judge__full_name"]
        return ["submission__code", "submission__title"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["submission", "judge"]
        return ["submission", "judge", "conflict_declared_at", "conflict_reason", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["conflict_declared_at", "conflict_reason", "created_at"] if obj else []

    # Permissions.

    def has_view_permission(self, request, obj=None):
        if super().has_view_permission(request, obj):
            return True
        return _scores(request) and (obj is None or obj.judge_id == request.user.pk)

    def has_change_permission(self, request, obj=None):
        # Made and removed, never edited: a conflict is declared by its judge, a scorecard is scored on its page.
        return False

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or not (obj.has_conflict or Scorecard.objects.filter(assignment=obj).exists())

    def get_actions(self, request):
        actions = super().get_actions(request)
        # A bulk delete would take the selected assignments' scorecards with them.
        actions.pop("delete_selected", None)
        return actions

    # The list's columns.

    @admin.display(description=_("code"), ordering="submission__sequence")
    def score_link(self, obj):
        return format_html(
            '<a href="{}" class="score-link">{}</a>',
            reverse("admin:judging_assignment_score", args=[obj.pk]),
            obj.submission.code,
        )

    @admin.display(description=_("code"), ordering="submission__sequence")
    def clip(self, obj):
        scorecard = _scorecard_of(obj)
        if scorecard is None:
            return obj.submission.code
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:judging_scorecard_change", args=[scorecard.pk]),
            obj.submission.code,
        )

    @admin.display(description=_("title"), ordering="submission__title")
    def title(self, obj):
        return obj.submission.title

    @admin.display(description=_("genre"), ordering="submission__genre__order")
    def genre(self, obj):
        return obj.submission.genre

    @admin.display(description=_("scorecard"))
    def scorecard_state(self, obj):
        state, label = _state_of(obj)
        return format_html('<span class="scorecard-state state-{}">{}</span>', state, label)

    # Pages.

    def changelist_view(self, request, extra_context=None):
        if _oversees(request):
            extra_context = {"title": _("Assignments of clips to judges"), **(extra_context or {})}
        elif _scores(request):
            contest = getattr(request.user, "working_contest", None)
            progress = judge_progress(judge=request.user, contest=contest)
            extra_context = {
                "title": _("Scoring"),
                "progress": progress,
                # With nothing to score, why: the final round has not opened, or nothing is assigned yet.
                "waiting_for": _why_nothing_to_score(contest) if not progress.assigned else "",
                "next_url": _next_to_score(request.user, contest=contest),
                **(extra_context or {}),
            }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._found_or_404(request, object_id)
        if not _oversees(request) and row_id(object_id) is not None:
            return redirect("admin:judging_assignment_score", object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:assignment_id>/score/", wrap(self.score_view), name="judging_assignment_score"),
            path("<int:assignment_id>/conflict/", wrap(self.conflict_view), name="judging_assignment_conflict"),
            *super().get_urls(),
        ]

    def _own_assignment(self, request, assignment_id):
        """The judge's own assignment on a finalist, or a 404 for anything else, whoever asks."""
        if not _scores(request):
            raise Http404
        assignment = get_object_or_404(
            judge_queue(request.user).select_related("submission__genre", "submission__contest"), pk=assignment_id
        )
        # Their own, in another contest they judge (a mailed link): they are now working on that one.
        working_contest_switch(request, assignment.submission.contest)
        return assignment

    def score_view(self, request, assignment_id):
        """The scorecard page: the clip (player, code, title, genre, summary; never who made it when judging is
        blind), one number per criterion, a comment; save a draft, or submit to lock it."""
        assignment = self._own_assignment(request, assignment_id)
        scorecard = Scorecard.objects.filter(assignment=assignment).first()
        criteria = list(assignment.submission.contest.criteria.all())
        final_round = final_round_settings(assignment.submission.contest)
        locked = (
            assignment.has_conflict
            or (scorecard is not None and scorecard.state == State.SUBMITTED)
            or final_round.results_published_at is not None
        )
        if request.method == "POST":
            submitting = "_submit" in request.POST
            form = ScorecardForm(request.POST, criteria=criteria, submitting=submitting)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        scorecard = scorecard_save(
                            assignment=assignment,
                            judge=request.user,
                            points=form.points(),
                            comment=form.cleaned_data["comment"],
                        )
                        if submitting:
                            scorecard_submit(scorecard=scorecard, judge=request.user)
                except Refusal as refusal:
                    self.message_user(request, refusal.message, messages.ERROR)
                else:
                    return self._after_saving(request, assignment, submitting)
            else:
                self.message_user(request, _("Nothing was saved: check the points below."), messages.ERROR)
        else:
            form = ScorecardForm(initial=_initial(scorecard), criteria=criteria, disabled=locked)
        return TemplateResponse(
            request,
            "admin/judging/assignment/score.html",
            self._score_context(request, assignment, scorecard, form, final_round=final_round, locked=locked),
        )

    def _after_saving(self, request, assignment, submitted):
        code = assignment.submission.code
        if not submitted:
            self.message_user(request, _("Draft saved for %(code)s.") % {"code": code}, messages.SUCCESS)
            return redirect("admin:judging_assignment_score", assignment.pk)
        self.message_user(
            request, _("Your scorecard for %(code)s is submitted.") % {"code": code}, messages.SUCCESS
        )
        next_url = _next_to_score(request.user, contest=assignment.submission.contest)
        return redirect(next_url or reverse("admin:judging_assignment_changelist"))

    def _score_context(self, request, assignment, scorecard, form, *, final_round, locked):
        submission = assignment.submission
        events = scorecard.events.order_by("-created_at", "-id") if scorecard else []
        return {
            **admin_page(self, request),
            "title": _("Scorecard %(code)s") % {"code": submission.code},
            "assignment": assignment,
            "submission": submission,
            "scorecard": scorecard,
            "authors": [] if final_round.blind else _authors(submission),
            "form": form,
            "locked": locked,
            "results_published": final_round.results_published_at is not None,
            "conflict_form": ReasonForm(),
            "events": [(event, EVENT_ACTIONS.get(event.action, event.action)) for event in events],
            "progress": judge_progress(judge=request.user, contest=assignment.submission.contest),
            "next_url": _next_to_score(request.user, after=assignment, contest=assignment.submission.contest),
        }

    def conflict_view(self, request, assignment_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        assignment = self._own_assignment(request, assignment_id)
        form = ReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            declared = assignment_declare_conflict(assignment=assignment, judge=request.user, reason=reason)
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
        else:
            if declared:
                self.message_user(
                    request,
                    _("Conflict of interest recorded: you do not score %(code)s.")
                    % {"code": assignment.submission.code},
                    messages.SUCCESS,
                )
        return redirect("admin:judging_assignment_score", assignment.pk)


def _scorecard_of(assignment):
    try:
        return assignment.scorecard
    except Scorecard.DoesNotExist:
        return None


def _state_of(assignment):
    """(css class, label) of an assignment's scorecard, as the judge and the committee read it."""
    if assignment.has_conflict:
        return "conflict", gettext("conflict of interest")
    scorecard = _scorecard_of(assignment)
    if scorecard is None:
        return "none", gettext("not started")
    return scorecard.state, STATE_LABELS[scorecard.state]


def _initial(scorecard):
    if scorecard is None:
        return {}
    initial = {f"criterion_{score.criterion_id}": plain_decimal(score.points) for score in scorecard.scores.all()}
    initial["comment"] = scorecard.comment
    return initial


def _authors(submission):
    """The authors' names, for a round that is not blind: the group's name, then the clip's recorded authors."""
    group = submission.registration.group_name
    return [*([group] if group else []), *(author.full_name for author in submission.authors.all())]


def _why_nothing_to_score(contest):
    if contest is None:
        return _("There is no contest to judge at the moment.")
    if contest_phase(contest) != Phase.FINAL:
        return _(
            "The final round has not opened: %(contest)s is %(phase)s. You will receive an e-mail when the "
            "finalists are assigned to you."
        ) % {"contest": contest, "phase": phase_description(contest)}
    return _(
        "No finalist is assigned to you yet. You will receive an e-mail when the Organizing Committee assigns them."
    )


def _next_to_score(judge, after=None, contest=None):
    """The judge's next clip still to score in the contest (after `after` in code order, going round), as a
    URL; "" when none."""
    waiting = (
        judge_queue(judge, contest)
        .filter(conflict_declared_at__isnull=True)
        .exclude(scorecard__state=State.SUBMITTED)
        .order_by("-submission__contest__opens_at", "submission__sequence")
    )
    if after is not None:
        waiting = waiting.exclude(pk=after.pk)
        following = waiting.filter(
            submission__contest=after.submission.contest_id, submission__sequence__gt=after.submission.sequence
        ).first()
        first = following or waiting.first()
    else:
        first = waiting.first()
    return reverse("admin:judging_assignment_score", args=[first.pk]) if first else ""


class ScoreInline(ReadOnly, admin.TabularInline):
    model = Score
    fields = ["criterion", "points"]
    readonly_fields = fields
    extra = 0


class ScorecardEventInline(ReadOnly, admin.TabularInline):
    model = ScorecardEvent
    fields = ["created_at", "actor", "action", "reason"]
    readonly_fields = fields
    extra = 0


class ScorecardOwnStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return list(STATE_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() in STATE_LABELS else queryset


@admin.register(Scorecard)
class ScorecardAdmin(WorkingContestScope, ReadOnly, admin.ModelAdmin):
    contest_lookup = "assignment__submission__contest"
    """The judges' scorecards for the committee, read-only; a submitted one may be reopened, with a reason.
    Judges have no permission to view this list; if one were given it, they would still see only their own."""

    list_display = ["clip", "judge", "state_label", "total", "submitted_at", "counts"]
    list_filter = [
        ScorecardOwnStateFilter,
        ("assignment__judge", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["assignment__submission", "assignment__judge"]
    search_fields = ["assignment__submission__code", "assignment__judge__email", "assignment__judge__full_name"]
    ordering = ["assignment__submission__sequence", "assignment__judge__email"]
    fields = ["assignment", "state_label", "comment", "submitted_at", "updated_at"]
    readonly_fields = fields
    inlines = [ScoreInline, ScorecardEventInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not may_oversee_scorecards(request.user):
            queryset = queryset.filter(assignment__judge=request.user.pk)
        return queryset.annotate(
            total=Sum(F("scores__points") * F("scores__criterion__weight")),
            # A scorecard from a judge with a conflict, or on a clip no longer a finalist, is not ranked.
            counted=ExpressionWrapper(
                Q(assignment__conflict_declared_at__isnull=True) & finalist_q("assignment__submission__"),
                output_field=BooleanField(),
            ),
        )

    @admin.display(description=_("code"), ordering="assignment__submission__sequence")
    def clip(self, obj):
        return obj.assignment.submission.code

    @admin.display(description=_("judge"), ordering="assignment__judge__email")
    def judge(self, obj):
        return obj.assignment.judge.get_full_name()

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, obj):
        return STATE_LABELS[obj.state]

    @admin.display(description=_("weighted total"), ordering="total")
    def total(self, obj):
        return format_points(obj.total) if obj.total is not None else "—"

    @admin.display(description=_("counts in the ranking"), boolean=True)
    def counts(self, obj):
        return obj.counted

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:scorecard_id>/reopen/", wrap(self.reopen_view), name="judging_scorecard_reopen"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        scorecard = self.get_object(request, object_id) if row_id(object_id) is not None else None
        may_reopen = (
            scorecard is not None and scorecard.state == State.SUBMITTED and may_reopen_scorecard(request.user)
        )
        extra_context = {
            "reopen_url": reverse("admin:judging_scorecard_reopen", args=[scorecard.pk]) if may_reopen else "",
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def reopen_view(self, request, scorecard_id):
        """Asks for the reason, then gives the scorecard back to its judge as a draft."""
        if not may_reopen_scorecard(request.user):
            raise PermissionDenied
        scorecard = get_object_or_404(
            self.get_queryset(request).select_related("assignment__submission", "assignment__judge"),
            pk=scorecard_id,
        )
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                reopened = scorecard_reopen(
                    scorecard=scorecard, user=request.user, reason=form.cleaned_data["reason"]
                )
            except Refusal as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
            else:
                if reopened:
                    self.message_user(
                        request,
                        _("The scorecard of %(judge)s for %(code)s is open again.")
                        % {
                            "judge": scorecard.assignment.judge.get_full_name(),
                            "code": scorecard.assignment.submission.code,
                        },
                        messages.SUCCESS,
                    )
                else:
                    self.message_user(
                        request, _("The scorecard was not submitted: nothing changed."), messages.INFO
                    )
                return redirect("admin:judging_scorecard_change", scorecard.pk)
        context = {
            **admin_page(self, request),
            "title": _("Reopen a scorecard"),
            "original": scorecard,
            "scorecard": scorecard,
            "form": form,
        }
        return TemplateResponse(request, "admin/judging/scorecard/reopen.html", context)


from . import admin_results  # noqa: E402,F401


class PrizeTierInline(admin.TabularInline):
    model = PrizeTier
    extra = 0


# The contest's prizes are configured with the rest of the contest, on its page, which submissions does not know.
_contest_admin = admin.site.get_model_admin(Contest)
_contest_admin.inlines = [*_contest_admin.inlines, PrizeTierInline]
