"""The committee's screens for the outcome of the final round: ranking runs (start one, read it, approve it), the
prizes (ties decided, side prizes designated, the prize list with its budget), publication, the exports and the
certificates. Every change goes through judging/runs.py, prizes.py and publication.py, which checks the permissions again; the screens
only show what each member of the committee may do. Runs and awards are records: nothing here edits or deletes
one directly."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext
from django.views.decorators.http import require_POST

from contest_portal.admin import ReadOnly, WorkingContestScope, admin_page, row_id
from contest_portal.permissions import (
    may_approve_ranking,
    may_award,
    may_publish_results,
    may_rank,
    may_release_mail,
)
from contest_portal.personal_data import personal_data_access_log
from contest_portal.refusals import Refusal
from submissions.audience_vote import SIDE_PRIZE_SOURCES, side_prize_suggestions
from submissions.models import Submission
from submissions.staff import contests_of, staff_contest

from . import prizes, publication, runs
from .certificates import certificate_authors, certificate_awards, certificate_pdf, certificates_pdf
from .exports import (
    XLSX_CONTENT_TYPE,
    may_export_prizes,
    may_export_runs,
    prize_list_xlsx,
    score_sheets_xlsx,
    summary_xlsx,
)
from .models import Award, FinalRound, PrizeTier, RankingRun
from .services import scorecards_outstanding


def _require(request, may):
    # The services check again; this answers 403 before anything is read.
    if not may(request.user):
        raise PermissionDenied


def _current_contest(request):
    return getattr(request.user, "working_contest", None)


def _decided_by(step, criterion_names):
    if step.startswith("criterion:"):
        name = criterion_names.get(step.split(":", 1)[1], step)
        return _("the criterion “%(name)s”") % {"name": name}
    return {
        "score": _("the score"),
        "first_places": _("more first places across judges"),
        "top3_places": _("more top-3 places across judges"),
        "unresolved": _("nothing: tied, the committee decides"),
    }.get(step, step)


def _run_rows(run):
    """The run's ranked and incomplete clips, with titles, codes and the explanations the committee reads."""
    codes = {clip["id"]: clip["code"] for clip in run.inputs.get("clips", [])}
    titles = dict(Submission.objects.filter(pk__in=codes).values_list("pk", "title"))
    criterion_names = {str(c["id"]): c["name"] for c in run.inputs.get("criteria", [])}
    ranked = [
        {
            **entry,
            "code": codes.get(entry["clip"], ""),
            "title": titles.get(entry["clip"], ""),
            "decided_by_label": _decided_by(entry["decided_by"], criterion_names),
            "tied_codes": [codes.get(clip, str(clip)) for clip in entry["tied_with"]],
        }
        for entry in run.results.get("ranked", [])
    ]
    incomplete = [
        {**entry, "code": codes.get(entry["clip"], ""), "title": titles.get(entry["clip"], "")}
        for entry in run.results.get("incomplete", [])
    ]
    return ranked, incomplete


def _tell_run_state(model_admin, request, run):
    """The message after starting a run, as things stand when the page is shown: the task may have finished (run
    in the process, or by a quick worker) or not. A run still running gets none: its page says so, and reloads
    until it is done."""
    state = RankingRun.objects.filter(pk=run.pk).values_list("state", flat=True).first()
    if state == RankingRun.State.DONE:
        model_admin.message_user(request, _("The ranking is computed."), messages.SUCCESS)
    elif state == RankingRun.State.FAILED:
        model_admin.message_user(request, _("The ranking could not be computed: see why below."), messages.ERROR)


def _xlsx(file, filename):
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _pdf(data, filename):
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@admin.register(RankingRun)
class RankingRunAdmin(WorkingContestScope, ReadOnly, admin.ModelAdmin):
    """Runs change only through the services behind the committee's screens, never by form."""

    list_display = ["run", "contest_name", "method", "state", "started_by_name", "finished_at", "approved_at"]
    list_filter = ["state", "method"]
    list_select_related = ["contest", "started_by"]
    change_list_template = "admin/judging/results/run_list.html"
    actions = None

    def get_queryset(self, request):
        # The inputs and results run to megabytes for a large contest: the list never needs them.
        return super().get_queryset(request).defer("inputs", "results")

    # The list's columns: the foreign keys have no verbose name to head them in the reader's language, and a
    # person is named by name rather than by the e-mail address their account is known by.

    @admin.display(description=gettext_lazy("ranking run"), ordering="started_at")
    def run(self, run):
        return formats.date_format(timezone.localtime(run.started_at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=gettext_lazy("contest"), ordering="contest__name")
    def contest_name(self, run):
        return run.contest

    @admin.display(description=gettext_lazy("started by"), ordering="started_by__full_name")
    def started_by_name(self, run):
        return run.started_by.get_full_name()

    def has_view_permission(self, request, obj=None):
        return may_export_runs(request.user)

    def has_module_permission(self, request):
        return may_export_runs(request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("start/", view(self.start_view), name="judging_rankingrun_start"),
            path("<int:pk>/approve/", view(self.approve_view), name="judging_rankingrun_approve"),
            path("<int:pk>/inputs.json", view(self.inputs_view), name="judging_rankingrun_inputs"),
            path("<int:pk>/bang-tong-hop-diem.xlsx", view(self.summary_view), name="judging_rankingrun_summary"),
            path("<int:pk>/phieu-cham-diem.xlsx", view(self.score_sheets_view), name="judging_rankingrun_sheets"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        contests = list(contests_of(request.user).only("pk", "slug", "short_name", "name"))
        approved = []
        for run in RankingRun.objects.filter(approved_at__isnull=False).select_related("contest"):
            approved.append((run, runs.ranking_run_is_stale(run)))
        extra_context = {
            "contests": contests,
            "current_contest": _current_contest(request),
            "approved_runs": approved,
            "can_run": may_rank(request.user),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A run, read-only: its ranking with the explanations, its incomplete clips, approval and staleness."""
        run = get_object_or_404(
            self.get_queryset(request).select_related("contest", "started_by", "approved_by"), pk=row_id(object_id)
        )
        if not self.has_view_permission(request):
            raise PermissionDenied
        ranked, incomplete = _run_rows(run)
        stale = runs.ranking_run_is_stale(run)
        inputs = run.inputs
        context = {
            **admin_page(self, request),
            "title": _("Ranking run of %(time)s")
            % {"time": formats.date_format(timezone.localtime(run.started_at), "SHORT_DATETIME_FORMAT")},
            "run": run,
            "ranked": ranked,
            "incomplete": incomplete,
            "stale": stale,
            "zscore": run.method == "zscore",
            "counts": {
                "scorecards": len(inputs.get("scorecards", [])),
                "judges": len({card["judge"] for card in inputs.get("scorecards", [])}),
                "conflicts": len(inputs.get("conflicts", [])),
                "abstentions": len(inputs.get("abstentions", [])),
                "criteria": inputs.get("criteria", []),
            },
            "can_approve": (
                may_approve_ranking(request.user)
                and run.state == RankingRun.State.DONE
                and run.approved_at is None
                and not stale
            ),
            "can_run": may_rank(request.user),
            "may_export": may_export_runs(request.user),
            "may_see_prizes": may_export_prizes(request.user),
        }
        return TemplateResponse(request, "admin/judging/results/run.html", context)

    def start_view(self, request):
        _require(request, may_rank)
        if request.method != "POST":
            return redirect("admin:judging_rankingrun_changelist")
        contest = staff_contest(request, request.POST.get("contest", ""))
        try:
            run = runs.ranking_run_start(contest=contest, user=request.user)
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return redirect("admin:judging_rankingrun_changelist")
        _tell_run_state(self, request, run)
        return redirect("admin:judging_rankingrun_change", run.pk)

    def approve_view(self, request, pk):
        _require(request, may_approve_ranking)
        if request.method != "POST":
            return redirect("admin:judging_rankingrun_change", pk)
        run = get_object_or_404(self.get_queryset(request).select_related("contest"), pk=pk)
        try:
            approved = runs.ranking_run_approve(run=run, user=request.user)
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
        else:
            if approved:
                self.message_user(request, _("The run is approved: prizes come from it."), messages.SUCCESS)
        return redirect("admin:judging_rankingrun_change", pk)

    def _exportable_run(self, request, pk):
        run = get_object_or_404(self.get_queryset(request).select_related("contest"), pk=pk)
        if not may_export_runs(request.user):
            raise PermissionDenied
        if run.state != RankingRun.State.DONE:
            raise Http404
        return run

    def inputs_view(self, request, pk):
        run = self._exportable_run(request, pk)
        response = HttpResponse(
            json.dumps(
                {"run": run.pk, "contest": run.contest.slug, "inputs_digest": run.inputs_digest, **run.inputs},
                ensure_ascii=False,
                indent=1,
            ),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(True, f"ranking-run-{run.pk}-inputs.json")
        return response

    def summary_view(self, request, pk):
        run = self._exportable_run(request, pk)
        return _xlsx(summary_xlsx(run=run), f"{slugify(run.contest.code_prefix)}-bang-tong-hop-diem-{run.pk}.xlsx")

    def score_sheets_view(self, request, pk):
        run = self._exportable_run(request, pk)
        return _xlsx(
            score_sheets_xlsx(run=run), f"{slugify(run.contest.code_prefix)}-phieu-cham-diem-{run.pk}.xlsx"
        )


def _published_message(contest, published, released):
    """What the committee reads once the results are published: where, and where their e-mails are now (`released`:
    the ResultMails sent with the publication, or None when they wait in the outbox)."""
    if not published:
        return _("The results were already published: nothing changed.")
    url = publication.results_url(contest)
    if released is not None:
        return _("The results are published at %(url)s. Queued to be sent: %(mails)s.") % {
            "url": url,
            "mails": released,
        }
    return _("The results are published at %(url)s. Waiting in the outbox for you to release them: %(mails)s.") % {
        "url": url,
        "mails": publication.result_drafts_waiting(contest=contest),
    }


def _printed_certificates(request, contest, awards):
    """Certificates name their authors, their organisation and their prize: each print is in the access log
    (contest_portal.personal_data), a record per certificate."""
    personal_data_access_log(
        user=request.user,
        contest=contest,
        what=gettext_noop("Certificates of the prize winners"),
        records=sum(len(certificate_authors(award.submission)) for award in awards),
        path=request.get_full_path(),
    )


def _proposed_tiers(proposal, titles):
    """The proposal as the prize screen lists it: each clip with its title, and who it still waits for (a
    clip with a co-author who has not confirmed cannot be awarded: prizes.clips_waiting)."""
    placed_ids = [
        clip.submission_id
        for tier in proposal.tiers
        for clip in [*tier.winners, *(tier.tie.candidates if tier.tie else [])]
    ]
    waiting = {
        pk: who["coauthors"] + who["guardians"] for pk, (_clip, who) in prizes.clips_waiting(placed_ids).items()
    }

    def clips(placed):
        return [
            {"clip": clip, "title": titles.get(clip.submission_id, ""), "waiting": waiting.get(clip.submission_id)}
            for clip in placed
        ]

    return [
        {
            "tier": tier.tier,
            "winners": clips(tier.winners),
            "tie": {"seats": tier.tie.seats, "candidates": clips(tier.tie.candidates)} if tier.tie else None,
            "from_tie_above_count": tier.from_tie_above_count,
        }
        for tier in proposal.tiers
    ]


def _tie_choices(post, proposal):
    """The committee's choices at the proposal's ties, from the prize screen's form."""
    choices = {}
    for tie in proposal.ties:
        chosen = tuple(pk for pk in map(row_id, post.getlist(f"tie-{tie.tier.pk}")) if pk is not None)
        choices[tie.tier.pk] = prizes.TieChoice(submissions=chosen, reason=post.get(f"reason-{tie.tier.pk}", ""))
    return choices


@admin.register(Award)
class AwardAdmin(WorkingContestScope, ReadOnly, admin.ModelAdmin):
    contest_lookup = "tier__contest"
    """Awards change only through the services behind the prize screen, never by form."""

    list_display = ["tier", "code", "title", "rank", "reason", "awarded_by_name", "awarded_at"]
    # Read-only: the award's page shows these, each under a label of the reader's language.
    fields = ["tier", "code", "title", "rank", "reason", "awarded_by_name", "awarded_at"]
    readonly_fields = fields
    list_filter = [("tier", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["tier", "submission", "awarded_by"]
    change_list_template = "admin/judging/results/award_list.html"
    actions = None

    @admin.display(description=gettext_lazy("code"), ordering="submission__code")
    def code(self, award):
        return award.submission.code

    @admin.display(description=gettext_lazy("title"))
    def title(self, award):
        return award.submission.title

    @admin.display(description=gettext_lazy("awarded by"), ordering="awarded_by__full_name")
    def awarded_by_name(self, award):
        return award.awarded_by.get_full_name()

    def has_view_permission(self, request, obj=None):
        return may_export_prizes(request.user)

    def has_module_permission(self, request):
        return may_export_prizes(request.user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("giai-thuong/", view(self.prizes_current_view), name="judging_award_prizes_current"),
            path("giai-thuong/<slug:slug>/", view(self.prizes_view), name="judging_award_prizes"),
            path(
                "giai-thuong/<slug:slug>/xac-nhan/",
                view(require_POST(self.confirm_view)),
                name="judging_award_confirm",
            ),
            path(
                "giai-thuong/<slug:slug>/rut/",
                view(require_POST(self.withdraw_view)),
                name="judging_award_withdraw",
            ),
            path(
                "giai-thuong/<slug:slug>/giai-phu/",
                view(require_POST(self.side_prize_view)),
                name="judging_award_side",
            ),
            path(
                "giai-phu/<int:pk>/rut/",
                view(require_POST(self.side_prize_withdraw_view)),
                name="judging_award_side_withdraw",
            ),
            path(
                "giai-thuong/<slug:slug>/cong-bo/",
                view(require_POST(self.publish_view)),
                name="judging_award_publish",
            ),
            path(
                "giai-thuong/<slug:slug>/gui-thu/",
                view(require_POST(self.release_mails_view)),
                name="judging_award_release_mails",
            ),
            path(
                "giai-thuong/<slug:slug>/danh-sach-giai.xlsx",
                view(self.prize_list_view),
                name="judging_award_list_xlsx",
            ),
            path(
                "giai-thuong/<slug:slug>/giay-chung-nhan.pdf",
                view(self.certificates_view),
                name="judging_award_certificates",
            ),
            path("<int:pk>/giay-chung-nhan.pdf", view(self.certificate_view), name="judging_award_certificate"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"current_contest": _current_contest(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def _check_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied

    def prizes_current_view(self, request):
        self._check_view(request)
        contest = _current_contest(request)
        if contest is None:
            raise Http404
        return redirect("admin:judging_award_prizes", contest.slug)

    def prizes_view(self, request, slug):
        """The prize screen: the proposal from the approved run with its ties, the side prizes, the prize list
        with the budget, publication, exports and certificates."""
        contest = staff_contest(request, slug)
        self._check_view(request)
        final_round = FinalRound.objects.filter(contest=contest).first()
        run = runs.approved_run(contest)
        stale = runs.ranking_run_is_stale(run) if run else False
        proposal = prizes.awards_propose(run=run) if run else None
        listed = prizes.prize_list(contest=contest)
        side_tiers = list(PrizeTier.objects.filter(contest=contest, is_side_prize=True))
        side_suggestions = side_prize_suggestions(contest=contest)
        for tier in side_tiers:
            tier.given = [award for award in listed.awards if award.tier_id == tier.pk]
        published = bool(final_round and final_round.results_published_at)
        finalists = list(
            Submission.objects.filter(contest=contest).finalists().order_by("sequence").only("pk", "code", "title")
        )
        context = {
            **admin_page(self, request),
            "title": _("Prizes of %(contest)s") % {"contest": contest.short_name},
            "proposed_tiers": _proposed_tiers(proposal, {f.pk: f.title for f in finalists}) if proposal else [],
            "contest": contest,
            "final_round": final_round,
            "run": run,
            "stale": stale,
            "proposal": proposal,
            "prizes": listed,
            "side_tiers": side_tiers,
            # The side prize's form filled from the audience vote or the fanpage counts (?side_from=vote).
            "side_sources": [(key, SIDE_PRIZE_SOURCES[key]) for key in side_suggestions],
            "side_prefill": side_suggestions.get(request.GET.get("side_from", "")),
            "finalists": finalists,
            "ranked_awards": [award for award in listed.awards if award.run_id],
            "published": published,
            "can_award": may_award(request.user) and not published,
            "can_publish": may_publish_results(request.user) and not published,
            "outstanding": [] if published else scorecards_outstanding(contest),
            "result_drafts": publication.result_drafts_waiting(contest=contest) if published else None,
            "planned_mails": None if published else publication.result_mails_planned(contest=contest),
            "may_release": may_release_mail(request.user),
            "may_export_runs": may_export_runs(request.user),
        }
        return TemplateResponse(request, "admin/judging/results/prizes.html", context)

    def _act(self, request, slug, action, success):
        try:
            outcome = action()
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
        else:
            message = success(outcome) if callable(success) else success
            if message:
                self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:judging_award_prizes", slug)

    def confirm_view(self, request, slug):
        contest = staff_contest(request, slug)
        _require(request, may_award)
        run = runs.approved_run(contest)
        choices = _tie_choices(request.POST, prizes.awards_propose(run=run)) if run else {}
        return self._act(
            request,
            slug,
            lambda: prizes.awards_confirm(contest=contest, user=request.user, choices=choices),
            lambda awards: _("%(count)d prizes awarded from the approved run.") % {"count": len(awards)},
        )

    def withdraw_view(self, request, slug):
        contest = staff_contest(request, slug)
        _require(request, may_award)
        return self._act(
            request,
            slug,
            lambda: prizes.awards_withdraw(contest=contest, user=request.user),
            lambda count: _("%(count)d prizes withdrawn.") % {"count": count},
        )

    def side_prize_view(self, request, slug):
        contest = staff_contest(request, slug)
        _require(request, may_award)
        tier = get_object_or_404(PrizeTier, contest=contest, pk=request.POST.get("tier") or 0)
        submission = get_object_or_404(Submission, contest=contest, pk=request.POST.get("submission") or 0)
        return self._act(
            request,
            slug,
            lambda: prizes.side_prize_designate(
                tier=tier, submission=submission, user=request.user, reason=request.POST.get("reason", "")
            ),
            lambda award: _("%(tier)s: %(code)s.") % {"tier": award.tier.name, "code": submission.code},
        )

    def side_prize_withdraw_view(self, request, pk):
        _require(request, may_award)
        award = get_object_or_404(self.get_queryset(request).select_related("tier__contest"), pk=pk)
        return self._act(
            request,
            award.tier.contest.slug,
            lambda: prizes.side_prize_withdraw(award=award, user=request.user),
            _("The side prize is withdrawn."),
        )

    def _confirm_mails(self, request, contest, *, action, mails, title, release=False):
        """The confirmation before the results go public or their e-mails go out: what happens, how many e-mails
        to whom, and that it cannot be undone; its button posts the form again, with confirm=yes."""
        context = {
            **admin_page(self, request),
            "title": title,
            "contest": contest,
            "action": action,
            "release": release,
            "mails": mails,
            "results_url": publication.results_url(contest),
            "reason": request.POST.get("reason", ""),
        }
        return TemplateResponse(request, "admin/judging/results/mails_confirm.html", context)

    def publish_view(self, request, slug):
        """Publishes the results once the committee confirms it on a page of its own; the e-mails wait in the
        outbox, or, asked for, go out with the publication."""
        contest = staff_contest(request, slug)
        _require(request, may_publish_results)
        release = "release" in request.POST
        if release:
            _require(request, may_release_mail)
        reason = request.POST.get("reason", "")
        if FinalRound.objects.filter(contest=contest, results_published_at__isnull=False).exists():
            # A second tap on the confirmation, or a colleague's publication a moment ago.
            self.message_user(request, _("The results were already published: nothing changed."), messages.INFO)
            return redirect("admin:judging_award_prizes", slug)
        if request.POST.get("confirm") != "yes":
            try:
                # Asked before the confirmation, so that nobody confirms what would then be refused.
                publication.results_publish_check(contest=contest, reason=reason)
            except Refusal as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
                return redirect("admin:judging_award_prizes", slug)
            return self._confirm_mails(
                request,
                contest,
                action="publish",
                release=release,
                mails=publication.result_mails_planned(contest=contest),
                title=_("Publish the results and send the e-mails") if release else _("Publish the results"),
            )
        planned = publication.result_mails_planned(contest=contest)
        return self._act(
            request,
            slug,
            lambda: publication.results_publish(
                contest=contest, user=request.user, reason=reason, release=release
            ),
            lambda published: _published_message(contest, published, planned if release else None),
        )

    def release_mails_view(self, request, slug):
        """Sends the result e-mails waiting in the outbox, after a confirmation that says how many, to whom."""
        contest = staff_contest(request, slug)
        _require(request, may_release_mail)
        if request.POST.get("confirm") != "yes":
            return self._confirm_mails(
                request,
                contest,
                action="release",
                mails=publication.result_drafts_waiting(contest=contest),
                title=_("Send the result e-mails"),
            )
        return self._act(
            request,
            slug,
            lambda: publication.result_drafts_release(contest=contest, user=request.user),
            lambda release: (
                ngettext(
                    "%(count)d e-mail is queued to be sent.",
                    "%(count)d e-mails are queued to be sent.",
                    len(release.released),
                )
                % {"count": len(release.released)}
            ),
        )

    def _check_prize_exports(self, request):
        if not may_export_prizes(request.user):
            raise PermissionDenied

    def prize_list_view(self, request, slug):
        contest = staff_contest(request, slug)
        self._check_prize_exports(request)
        return _xlsx(prize_list_xlsx(contest=contest), f"{slugify(contest.code_prefix)}-danh-sach-giai.xlsx")

    def certificates_view(self, request, slug):
        contest = staff_contest(request, slug)
        self._check_prize_exports(request)
        awards = certificate_awards(contest=contest)
        if not awards:
            raise Http404
        _printed_certificates(request, contest, awards)
        return _pdf(certificates_pdf(awards), f"{slugify(contest.code_prefix)}-giay-chung-nhan.pdf")

    def certificate_view(self, request, pk):
        award = get_object_or_404(self.get_queryset(request).select_related("submission"), pk=pk)
        self._check_prize_exports(request)
        _printed_certificates(request, award.submission.contest, [award])
        return _pdf(certificate_pdf(award=award), f"giay-chung-nhan-{award.submission.code}-{award.pk}.pdf")
