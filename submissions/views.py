from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.http import require_POST

from . import services
from .forms import CoAuthorFormSet, RegistrationForm, SubmissionDetailsForm, SubmissionForm
from .models import Contest, Registration, Submission
from .phases import phase_allows
from .qr import qr_svg


def _current_contest():
    contest = Contest.objects.current()
    if contest is None:
        raise Http404(_("There is no contest open at the moment."))
    return contest


def home(request):
    contest = _current_contest()
    return render(request, "submissions/home.html", {"contest": contest, "prize_tiers": contest.prize_tiers.all()})


def rules(request):
    contest = _current_contest()
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


def fanpage_qr(request):
    contest = _current_contest()
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


@login_required
def registration_edit(request):
    contest = _current_contest()
    registration = Registration.objects.filter(contest=contest, user=request.user).first()
    initial = {} if registration else {"email": request.user.email}
    coauthor_initial = (
        list(registration.coauthors.values("full_name", "date_of_birth", "id_number", "organisation", "phone"))
        if registration
        else []
    )
    if request.method == "POST":
        form = RegistrationForm(request.POST, instance=registration, contest=contest)
        formset = CoAuthorFormSet(request.POST, prefix="coauthors", form_kwargs={"contest": contest})
    else:
        form = RegistrationForm(instance=registration, initial=initial, contest=contest)
        formset = CoAuthorFormSet(initial=coauthor_initial, prefix="coauthors", form_kwargs={"contest": contest})
    context = {
        "contest": contest,
        "form": form,
        "formset": formset,
        "registration": registration,
        "is_open": phase_allows(contest, "register"),
    }
    if request.method != "POST":
        return render(request, "submissions/registration.html", context)
    if not (form.is_valid() and formset.is_valid()):
        return render(request, "submissions/registration.html", context, status=400)
    fields = {name: form.cleaned_data[name] for name in form.fields}
    try:
        services.registration_save(
            contest=contest, user=request.user, fields=fields, coauthors=formset.coauthors()
        )
    except services.Refusal as refusal:
        return _refused(request, "submissions/registration.html", context, refusal, form)
    messages.success(request, _("Your registration form is saved."))
    return redirect("submissions:my_clips")


@login_required
def my_clips(request):
    contest = _current_contest()
    registration = Registration.objects.filter(contest=contest, user=request.user).first()
    submissions = (
        Submission.objects.filter(contest=contest, registration__user=request.user)
        .select_related("genre")
        .annotate(document_count=Count("documents"))
        .order_by("submitted_at")
    )
    slots_left = services.registration_clips_left(registration) if registration else contest.clips_per_author
    return render(
        request,
        "submissions/my_clips.html",
        {
            "contest": contest,
            "registration": registration,
            "submissions": list(submissions),
            "slots_left": slots_left,
            "limit_reason": _limit_reason(registration) if registration and not slots_left else "",
            "is_open": phase_allows(contest, "change_clip"),
        },
    )


def _limit_reason(registration):
    """Who has no clip left, in the service's words (a co-author may have used theirs in another group)."""
    try:
        services.submission_check_limit(registration=registration)
    except services.ClipLimitReached as refusal:
        return refusal.message
    return ""


@login_required
def submission_new(request):
    contest = _current_contest()
    registration = Registration.objects.filter(contest=contest, user=request.user).first()
    if registration is None:
        messages.info(request, _("Please fill in the registration form before you submit a clip."))
        return redirect("submissions:registration")
    template = "submissions/submission_form.html"
    if request.method != "POST":
        try:
            services.submission_check_allowed(registration=registration)
        except services.Refusal as refusal:
            # Told before choosing a file, not after sending it.
            return render(
                request, template, {"contest": contest, "refusal": refusal.message}, status=refusal.status
            )
    form = SubmissionForm(request.POST or None, request.FILES or None, contest=contest)
    if getattr(request, "upload_too_large", False):
        # Set by the upload handler while parsing the body above; nothing of it was kept.
        refusal = _("The upload is too large; a clip may be at most %(max)s.") % {
            "max": filesizeformat(contest.max_clip_size)
        }
        context = {"contest": contest, "form": SubmissionForm(contest=contest), "refusal": refusal}
        return render(request, template, context, status=413)
    context = {"contest": contest, "form": form, "registration": registration}
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
    return redirect("submissions:receipt", code=submission.code)


def _own_submission(request, code):
    return get_object_or_404(
        Submission.objects.select_related("contest", "genre", "registration"),
        code=code,
        registration__user=request.user,
    )


@login_required
def submission_edit(request, code):
    submission = _own_submission(request, code)
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
    return redirect("submissions:my_clips")


@require_POST
@login_required
def submission_withdraw(request, code):
    submission = _own_submission(request, code)
    try:
        services.submission_withdraw(submission=submission, user=request.user)
    except services.Refusal as refusal:
        messages.error(request, str(refusal.message))
        return redirect("submissions:my_clips")
    messages.success(
        request, _("%(code)s is withdrawn; it no longer counts towards your limit.") % {"code": submission.code}
    )
    return redirect("submissions:my_clips")


@login_required
def submission_receipt(request, code):
    submission = _own_submission(request, code)
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
