"""The final round in the admin.

For the Organizing Committee: each contest's final-round settings, with the judges' progress, the reminders and
the generation of assignments; the rubric; panels; assignments; the scorecards, read-only, each reopenable with a
reason. For a judge: "Scoring", the queue of the finalists assigned to them, and a scorecard page per clip. A
judge's pages are scoped to their own assignments: another judge's, or a clip not assigned to them, is a 404,
and they reach no scorecard but their own."""

from pathlib import PurePosixPath

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminFileWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Sum
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from contest_portal.admin import ByNameFilter, ReadOnly, WorkingContestScope, admin_page, row_id
from contest_portal.numbers import WEIGHT, WEIGHTED_TOTAL, number_for_people
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
from submissions.staff import working_contest_switch

from .certificates import signed_on
from .forms import (
    AssignmentForm,
    CriterionForm,
    FinalRoundForm,
    PanelForm,
    ReasonForm,
    ScorecardForm,
    plain_decimal,
)
from .judge_home import judge_home, next_to_score
from .models import Assignment, Criterion, FinalRound, Panel, PrizeTier, Score, Scorecard, ScorecardEvent
from .services import (
    assignment_declare_conflict,
    assignments_generate,
    criterion_save,
    final_round_settings,
    judge_progress,
    judge_queue,
    judges_remind,
    judging_progress,
    scorecard_reopen,
    scorecard_save,
    scorecard_submit,
)
from .signing import seal_content_type, signatory_title_lines, signing_line

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


class _StoredSeal:
    """A stored seal as the file input shows it: its name, linked to the committee's own page for it, since the
    file has no public address."""

    def __init__(self, name, url):
        self.name, self.url = name, url

    def __str__(self):
        return PurePosixPath(self.name).name


class SealInput(AdminFileWidget):
    seal_url = ""

    def is_initial(self, value):
        return isinstance(value, FieldFile) and bool(value)

    def format_value(self, value):
        return _StoredSeal(value.name, self.seal_url) if self.is_initial(value) else None


def _discard_seal(name):
    # A copied contest keeps its source's seal (services.final_round_copy): the file goes once nobody prints it.
    if name and not FinalRound.objects.filter(certificate_seal=name).exists():
        transaction.on_commit(lambda: default_storage.delete(name))


CERTIFICATE_FIELDS = [
    "certificate_signing",
    "certificate_title",
    "certificate_issuer",
    "certificate_place",
    "certificate_signed_on",
    "certificate_signatory",
    "certificate_signatory_name",
    "certificate_seal",
]


@admin.register(FinalRound)
class FinalRoundAdmin(WorkingContestScope, admin.ModelAdmin):
    """A contest's final round: how clips are assigned and combined, blind judging; the judges' progress page."""

    form = FinalRoundForm
    list_display = ["contest", "assignment", "judges_per_clip", "method", "blind", "progress_link"]
    list_select_related = ["contest"]

    def get_readonly_fields(self, request, obj=None):
        # The results' publication is the results page's to set; the contest is chosen once.
        fields = ["contest", "results_published_at", "rubric"] if obj else ["results_published_at"]
        return [*fields, "certificate_signing"]

    def get_fields(self, request, obj=None):
        fields = list(FinalRoundForm.Meta.fields)
        return [*fields, "results_published_at", "rubric"] if obj else fields

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": self.get_fields(request, obj)}),
            (_("Certificates"), {"fields": CERTIFICATE_FIELDS}),
        ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "certificate_signatory":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 40})
        elif db_field.name == "certificate_seal":
            kwargs["widget"] = SealInput
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "certificate_seal" in form.base_fields:
            form.base_fields["certificate_seal"].widget.seal_url = reverse(
                "admin:judging_finalround_seal", args=[obj.pk]
            )
        return form

    def save_model(self, request, obj, form, change):
        replaced = form.initial.get("certificate_seal") if "certificate_seal" in form.changed_data else None
        super().save_model(request, obj, form, change)
        if replaced:
            _discard_seal(replaced.name)

    @admin.display(description=_("signing"))
    def certificate_signing(self, obj):
        """How the certificates are signed now, or, without a place or a signatory's name, that they print
        neither until the committee gives them."""
        if not (obj.certificate_place and obj.certificate_signatory_name):
            return format_html(
                '<p class="help" id="certificate-signing-missing">{}</p>',
                _(
                    "Give the place of signing and the signatory's name: until then the certificates bear only "
                    "the date and the title, with no place and no name."
                ),
            )
        _title, _issuer, signatory = obj.certificate_wording()
        return format_html(
            '<span id="certificate-signing">{} · {} · {}</span>',
            signing_line(place=obj.certificate_place, day=signed_on(obj)),
            " / ".join(signatory_title_lines(signatory)),
            obj.certificate_signatory_name,
        )

    @admin.display(description=_("rubric"))
    def rubric(self, obj):
        lines = format_html_join(
            "",
            "<li>{}: {} · {}{}</li>",
            (
                (
                    criterion.name,
                    _("at most %(points)s points") % {"points": number_for_people(criterion.max_points)},
                    _("weight %(weight)s") % {"weight": number_for_people(criterion.weight, decimals=WEIGHT)},
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
            path("<int:final_round_id>/seal/", wrap(self.seal_view), name="judging_finalround_seal"),
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

    def seal_view(self, request, final_round_id):
        """The seal or signature image the committee uploaded, to those who see the round's page: it has no
        other address."""
        final_round = get_object_or_404(self.get_queryset(request), pk=final_round_id)
        if not self.has_view_permission(request, final_round):
            raise PermissionDenied
        if not final_round.certificate_seal:
            raise Http404
        try:
            file = default_storage.open(final_round.certificate_seal.name, "rb")
        except OSError:
            raise Http404 from None
        response = FileResponse(file, content_type=seal_content_type(file))
        response["Cache-Control"] = "private, no-store"
        return response

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


class JudgeFilter(ByNameFilter):
    label = _("judge")


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
            return ["clip", "title", "judge_name", "scorecard_state", "conflict_reason"]
        return ["score_link", "title", "genre", "scorecard_state"]

    def get_list_filter(self, request):
        if _oversees(request):
            return [
                ScorecardStateFilter,
                "submission__status",
                ("judge", JudgeFilter),
            ]
        return [ScorecardStateFilter]

    def get_search_fields(self, request):
        if _oversees(request):
            return ["submission__code", "submission__title", "judge__email", "judge__full_name"]
        return ["submission__code", "submission__title"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["submission", "judge"]
        return ["finalist", "judge_name", "conflict_declared_at", "conflict_reason", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["finalist", "judge_name", "conflict_declared_at", "conflict_reason", "created_at"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The committee picks a judge by name, under labels of their language (the fields have no verbose name).
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "judge":
            field.label = _("judge")
            field.label_from_instance = get_user_model().get_full_name
        elif db_field.name == "submission":
            field.label = _("finalist clip")
        return field

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

    @admin.display(description=_("finalist clip"))
    def finalist(self, obj):
        return obj.submission

    @admin.display(description=_("judge"), ordering="judge__full_name")
    def judge_name(self, obj):
        return obj.judge.get_full_name()

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
            home = judge_home(judge=request.user)
            extra_context = {
                "title": _("Scoring"),
                "progress": home.progress,
                # With nothing to score, why: the final round has not opened, or nothing is assigned yet.
                "waiting_for": home.waiting_for,
                "next_url": home.next_url,
                "home": home,
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
        confirming = False
        if request.method == "POST":
            submitting = "_submit" in request.POST
            # Submitting locks the scorecard for good (only the committee reopens it): the first click keeps the
            # points as a draft and asks; the page's "Yes, submit" sends them again with confirm=yes.
            confirmed = request.POST.get("confirm") == "yes"
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
                        if submitting and confirmed:
                            scorecard_submit(scorecard=scorecard, judge=request.user)
                except Refusal as refusal:
                    self.message_user(request, refusal.message, messages.ERROR)
                else:
                    if submitting and not confirmed:
                        confirming = True
                    else:
                        return self._after_saving(request, assignment, submitting)
            else:
                self.message_user(request, _("Nothing was saved: check the points below."), messages.ERROR)
        else:
            form = ScorecardForm(initial=_initial(scorecard), criteria=criteria, disabled=locked)
        return TemplateResponse(
            request,
            "admin/judging/assignment/score.html",
            {
                **self._score_context(
                    request, assignment, scorecard, form, final_round=final_round, locked=locked
                ),
                "confirming": confirming,
                "weighted_total": _weighted_total(scorecard, criteria) if confirming else None,
            },
        )

    def _after_saving(self, request, assignment, submitted):
        code = assignment.submission.code
        if not submitted:
            self.message_user(request, _("Draft saved for %(code)s.") % {"code": code}, messages.SUCCESS)
            return redirect("admin:judging_assignment_score", assignment.pk)
        self.message_user(
            request, _("Your scorecard for %(code)s is submitted.") % {"code": code}, messages.SUCCESS
        )
        next_url = next_to_score(request.user, contest=assignment.submission.contest)
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
            "next_url": next_to_score(request.user, after=assignment, contest=assignment.submission.contest),
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


def _weighted_total(scorecard, criteria):
    """(total, maximum) of the scorecard's points, weighted as the ranking weighs them, to show before it locks."""
    given = dict(scorecard.scores.values_list("criterion_id", "points"))
    total = sum(given.get(criterion.pk, 0) * criterion.weight for criterion in criteria)
    maximum = sum(criterion.max_points * criterion.weight for criterion in criteria)
    return number_for_people(total, decimals=WEIGHTED_TOTAL), number_for_people(maximum, decimals=WEIGHTED_TOTAL)


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


class ScoreInline(ReadOnly, admin.TabularInline):
    model = Score
    fields = ["criterion_name", "points_given"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")

    @admin.display(description=_("criterion"))
    def criterion_name(self, obj):
        return obj.criterion.name

    @admin.display(description=_("points"))
    def points_given(self, obj):
        return number_for_people(obj.points)


class ScorecardEventInline(ReadOnly, admin.TabularInline):
    model = ScorecardEvent
    fields = ["created_at", "done_by", "action_label", "reason"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def done_by(self, obj):
        return obj.actor.get_full_name()

    @admin.display(description=_("action"))
    def action_label(self, obj):
        return EVENT_ACTIONS.get(obj.action, obj.action)


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
        ("assignment__judge", JudgeFilter),
    ]
    list_select_related = ["assignment__submission", "assignment__judge"]
    search_fields = ["assignment__submission__code", "assignment__judge__email", "assignment__judge__full_name"]
    ordering = ["assignment__submission__sequence", "assignment__judge__email"]
    fields = ["clip", "judge", "state_label", "comment", "submitted_at", "updated_at"]
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

    @admin.display(description=_("judge"), ordering="assignment__judge__full_name")
    def judge(self, obj):
        return obj.assignment.judge.get_full_name()

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, obj):
        return STATE_LABELS[obj.state]

    @admin.display(description=_("weighted total"), ordering="total")
    def total(self, obj):
        return number_for_people(obj.total, decimals=WEIGHTED_TOTAL) if obj.total is not None else "—"

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
