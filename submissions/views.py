from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.http import require_POST

from contest_portal.permissions import may_preview_contest

from . import services
from .coauthors import clip_waiting_for
from .consents import consents_asked_of
from .forms import (
    CoAuthorFormSet,
    GuardianForm,
    RegistrationForm,
    SubmissionDetailsForm,
    SubmissionForm,
    clip_rules,
)
from .models import Contest, Registration, Submission, needs_guardian
from .phases import Phase, phase_allows
from .qr import qr_svg
from .stages import submissions_stages


def contest_page(view):
    """A public page of one contest, at /<slug>/…: the view gets the contest instead of its slug. A contest
    the committee has not announced yet is there for the staff who may preview it, a 404 for everybody else."""

    @wraps(view)
    def page(request, contest_slug, **kwargs):
        contest = get_object_or_404(Contest.objects.select_related("judging"), slug=contest_slug)
        if contest.stage == Phase.DRAFT and not may_preview_contest(request.user, contest):
            raise Http404(_("This contest has not been announced yet."))
        return view(request, contest=contest, **kwargs)

    return page


def contest_list(request):
    """The portal's front page: the contests open now, then those announced for later, then past ones with
    their results; straight to the contest itself when there is only one to show."""
    now = timezone.now()
    public = list(Contest.objects.published().select_related("judging").order_by("opens_at"))
    drafts = [
        contest
        for contest in Contest.objects.filter(stage=Phase.DRAFT)
        if may_preview_contest(request.user, contest)
    ]
    if len(public) == 1 and not drafts:
        return redirect("submissions:home", public[0].slug)
    mine = set()
    if request.user.is_authenticated:
        mine = set(Registration.objects.filter(user=request.user).values_list("contest_id", flat=True))
    for contest in public + drafts:
        contest.is_mine = contest.pk in mine
    return render(
        request,
        "submissions/contest_list.html",
        {
            "open_contests": [contest for contest in public if contest.is_open(now)],
            "coming_contests": [contest for contest in public if contest.is_upcoming(now)],
            "past_contests": sorted(
                (contest for contest in public if not contest.is_open(now) and not contest.is_upcoming(now)),
                key=lambda contest: contest.closes_at,
                reverse=True,
            ),
            "draft_contests": drafts,
        },
    )


def old_address(request, path):
    """An address from before the portal held several contests: the same page of the current contest."""
    contest = Contest.objects.current()
    if contest is None:
        raise Http404(_("There is no contest open at the moment."))
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"/{contest.slug}/{path}" + (f"?{query}" if query else ""))


@contest_page
def home(request, contest):
    return render(request, "submissions/home.html", {"contest": contest, "prize_tiers": contest.prize_tiers.all()})


@contest_page
def rules(request, contest):
    return render(
        request,
        "submissions/rules.html",
        {
            "contest": contest,
            "prize_tiers": contest.prize_tiers.all(),
            "genres": contest.genres.all(),
            "categories": contest.categories.all(),
        },
    )


@contest_page
def fanpage_qr(request, contest):
    if not contest.fanpage_url:
        raise Http404
    response = HttpResponse(qr_svg(contest.fanpage_url), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _refused(request, template, context, refusal, form=None):
    if form is not None:
        form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal.message))
    else:
        messages.error(request, str(refusal.message))
    return render(request, template, context, status=refusal.status)


@contest_page
@login_required
def registration_edit(request, contest):
    registration = Registration.objects.filter(contest=contest, user=request.user).first()
    initial = {} if registration else {"email": request.user.email}
    coauthor_initial = (
        list(
            registration.coauthors.values(
                "full_name", "email", "date_of_birth", "id_number", "organisation", "phone", "confirmed_at"
            )
        )
        if registration
        else []
    )
    guardian = registration.guardians.filter(coauthor=None).first() if registration else None
    data = request.POST if request.method == "POST" else None
    form = RegistrationForm(data, instance=registration, initial=initial, contest=contest)
    # Bound, the formset takes every filled-in row as the list (an unchanged row against an initial would drop).
    formset = CoAuthorFormSet(
        data, initial=None if data else coauthor_initial, prefix="coauthors", form_kwargs={"contest": contest}
    )
    guardian_form = GuardianForm(data, prefix="guardian", instance=guardian)
    context = {
        "contest": contest,
        "form": form,
        "formset": formset,
        "guardian_form": guardian_form,
        "guardian_needed": registration is not None and needs_guardian(registration, contest),
        "registration": registration,
        "is_open": phase_allows(contest, "register"),
    }
    if request.method != "POST":
        return render(request, "submissions/registration.html", context)
    if not (form.is_valid() and formset.is_valid()):
        return render(request, "submissions/registration.html", context, status=400)
    # A guardian is asked for by the date of birth just given.
    minor = needs_guardian(form.instance, contest)
    context["guardian_needed"] = minor
    if minor and not guardian_form.is_valid():
        return render(request, "submissions/registration.html", context, status=400)
    fields = {name: form.cleaned_data[name] for name in form.fields}
    try:
        services.registration_save(
            contest=contest,
            user=request.user,
            fields=fields,
            coauthors=formset.coauthors(),
            guardian=guardian_form.guardian() if minor else None,
        )
    except services.Refusal as refusal:
        return _refused(request, "submissions/registration.html", context, refusal, form)
    messages.success(request, _("Your registration form is saved."))
    return redirect("submissions:my_clips", contest.slug)


@contest_page
@login_required
def my_clips(request, contest):
    registration = Registration.objects.filter(contest=contest, user=request.user).first()
    submissions = list(
        Submission.objects.filter(contest=contest, registration__user=request.user)
        .select_related("genre")
        .prefetch_related("authors__coauthor", "authors__guardian")
        .annotate(document_count=Count("documents"))
        .order_by("submitted_at")
    )
    for submission in submissions:
        submission.waiting = clip_waiting_for(submission)
    # The clips of groups that named this person as a co-author and that they confirmed: to follow, not to edit.
    coauthored = list(
        Submission.objects.filter(contest=contest, authors__coauthor__user=request.user)
        .exclude(registration__user=request.user)
        .select_related("genre", "registration")
        .prefetch_related("authors__coauthor", "authors__guardian")
        .order_by("submitted_at")
    )
    for submission in coauthored:
        submission.waiting = clip_waiting_for(submission)
    # Where each clip has got to, its prize included (templates/submissions/snippets/clip_stages.html).
    submissions_stages(submissions=submissions + coauthored, user=request.user)
    slots_left = services.registration_clips_left(registration) if registration else contest.clips_per_author
    return render(
        request,
        "submissions/my_clips.html",
        {
            "contest": contest,
            "registration": registration,
            "submissions": submissions,
            "coauthored": coauthored,
            "slots_left": slots_left,
            "limit_reason": _limit_reason(registration) if registration and not slots_left else "",
            "is_open": phase_allows(contest, "change_clip"),
            "consents_to_ask_again": list(
                {
                    text.pk: text
                    for _registration, _coauthor, texts in consents_asked_of(contest=contest, user=request.user)
                    for text in texts
                }.values()
            ),
        },
    )


@contest_page
@login_required
def my_clips_media(request, contest):
    """How the media work of the user's clips in this contest stands, {code: media_state}: My clips and the
    receipt ask now and then while a preview is being made, and reload when it is ready (js/media-state.js)."""
    states = Submission.objects.filter(contest=contest, registration__user=request.user).values_list(
        "code", "media_state"
    )
    response = JsonResponse(dict(states))
    response["Cache-Control"] = "no-store"
    return response


def _limit_reason(registration):
    """Who has no clip left, in the service's words (a co-author may have used theirs in another group)."""
    try:
        services.submission_check_limit(registration=registration)
    except services.ClipLimitReached as refusal:
        return refusal.message
    return ""


@contest_page
@login_required
def submission_new(request, contest):
    registration = Registration.objects.filter(contest=contest, user=request.user).first()
    if registration is None:
        messages.info(request, _("Please fill in the registration form before you submit a clip."))
        return redirect("submissions:registration", contest.slug)
    template = "submissions/submission_form.html"
    if request.method != "POST":
        try:
            services.submission_check_allowed(registration=registration)
        except services.ClipLimitReached as refusal:
            # Not a mistake of the request: a page that says why, and how a place comes free, instead of the form.
            return _no_slot_left(request, contest, registration, refusal)
        except services.Refusal as refusal:
            # Told before choosing a file, not after sending it.
            return render(
                request, template, {"contest": contest, "refusal": refusal.message}, status=refusal.status
            )
    form = SubmissionForm(request.POST or None, request.FILES or None, contest=contest)
    # The limits and the server's words for them, for the page's script to refuse a file before sending it.
    rules = clip_rules(contest)
    if getattr(request, "upload_too_large", False):
        # Set by the upload handler while parsing the body above; nothing of it was kept.
        refusal = _("The upload is too large; a clip may be at most %(max)s.") % {
            "max": filesizeformat(contest.max_clip_size)
        }
        context = {
            "contest": contest,
            "form": SubmissionForm(contest=contest),
            "refusal": refusal,
            "clip_rules": rules,
        }
        return render(request, template, context, status=413)
    context = {"contest": contest, "form": form, "registration": registration, "clip_rules": rules}
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        submission = services.submission_create(
            registration=registration,
            title=form.cleaned_data["title"],
            genre=form.cleaned_data["genre"],
            summary=form.cleaned_data["summary"],
            clip=form.cleaned_data["clip"],
            documents=form.cleaned_data["documents"],
        )
    except services.Refusal as refusal:
        return _refused(request, template, context, refusal, form)
    messages.success(
        request,
        _("Your clip %(code)s is received. A receipt is on its way to your e-mail.") % {"code": submission.code},
    )
    return redirect("submissions:receipt", contest.slug, submission.code)


def _no_slot_left(request, contest, registration, refusal):
    """The clip form's place when the registration's authors have no clip left: the service's reason (it names
    whose limit is reached, a co-author may have used theirs in another group) and the clips that may still
    be withdrawn to free a place, each with its Withdraw button as in My clips."""
    withdrawable = (
        Submission.objects.filter(registration=registration).undecided().filter(decided_at__isnull=True)
        if phase_allows(contest, "change_clip")
        else Submission.objects.none()
    )
    return render(
        request,
        "submissions/no_slot_left.html",
        {"contest": contest, "reason": refusal.message, "withdrawable": withdrawable.order_by("submitted_at")},
    )


def _own_submission(request, contest, code):
    return get_object_or_404(
        Submission.objects.select_related("contest", "genre", "registration"),
        contest=contest,
        code=code,
        registration__user=request.user,
    )


@contest_page
@login_required
def submission_edit(request, contest, code):
    submission = _own_submission(request, contest, code)
    template = "submissions/submission_edit.html"
    form = SubmissionDetailsForm(request.POST or None, instance=submission, contest=submission.contest)
    context = {"contest": submission.contest, "form": form, "submission": submission}
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        services.submission_update(
            submission=Submission.objects.get(pk=submission.pk),
            user=request.user,
            title=form.cleaned_data["title"],
            genre=form.cleaned_data["genre"],
            summary=form.cleaned_data["summary"],
        )
    except services.Refusal as refusal:
        return _refused(request, template, context, refusal, form)
    messages.success(request, _("The details of %(code)s are saved.") % {"code": submission.code})
    return redirect("submissions:my_clips", contest.slug)


@contest_page
@require_POST
@login_required
def submission_withdraw(request, contest, code):
    submission = _own_submission(request, contest, code)
    try:
        services.submission_withdraw(submission=submission, user=request.user)
    except services.Refusal as refusal:
        messages.error(request, str(refusal.message))
        return redirect("submissions:my_clips", contest.slug)
    messages.success(
        request, _("%(code)s is withdrawn; it no longer counts towards your limit.") % {"code": submission.code}
    )
    return redirect("submissions:my_clips", contest.slug)


@contest_page
@login_required
def submission_receipt(request, contest, code):
    submission = _own_submission(request, contest, code)
    return render(
        request,
        "submissions/receipt.html",
        {"contest": submission.contest, "submission": submission, "documents": submission.documents.all()},
    )


def csrf_failure(request, reason=""):
    """An upload refused for its size arrives with an empty body, so its CSRF token is missing too:
    tell the entrant the real reason."""
    if getattr(request, "upload_too_large", False):
        return render(
            request,
            "413.html",
            {"max": filesizeformat(settings.UPLOAD_MAX_BYTES)},
            status=413,
        )
    return django_csrf_failure(request, reason)
