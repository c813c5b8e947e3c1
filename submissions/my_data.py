"""The account's "My data" pages: what the portal holds about the person, a copy of all of it as JSON, where
to correct it, and its erasure after a page saying what goes and what stays (submissions.subject_rights)."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from contest_portal.accounts.throttle import login_failures_consume
from contest_portal.refusals import Refusal

from .models import CoAuthor, Registration
from .phases import phase_allows
from .subject_rights import person_data_export, person_erase, person_erasure_plan, person_erasure_refusal


@login_required
@require_safe
def my_data(request):
    registrations = list(
        Registration.objects.filter(user=request.user).select_related("contest").order_by("-contest__opens_at")
    )
    for registration in registrations:
        registration.may_correct = phase_allows(registration.contest, "register")
    coauthorships = CoAuthor.objects.filter(user=request.user).select_related("registration__contest")
    return render(
        request,
        "submissions/my_data.html",
        {
            "registrations": registrations,
            "coauthorships": coauthorships.order_by("-registration__contest__opens_at"),
            "erasure_refusal": person_erasure_refusal(request.user),
        },
    )


@login_required
@require_safe
def my_data_export(request):
    data = person_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = content_disposition_header(True, f"du-lieu-ca-nhan-{day}.json")
    # It holds the person's ID number and address: kept by no cache on the way.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_data_erase(request):
    """The confirmation page, saying what goes and what stays; its form erases exactly that."""
    if request.method == "POST":
        refused = None if person_erasure_refusal(request.user) else _password_refusal(request)
        if refused:
            messages.error(request, refused[0])
            plan = person_erasure_plan(user=request.user)
            return render(request, "submissions/my_data_erase.html", {"plan": plan}, status=refused[1])
        try:
            person_erase(user=request.user, plan_digest=request.POST.get("plan", ""))
        except Refusal as refusal:
            messages.error(request, str(refusal.message))
            plan = person_erasure_plan(user=request.user)
            return render(request, "submissions/my_data_erase.html", {"plan": plan}, status=refusal.status)
        logout(request)
        messages.success(request, _("Your personal data is erased, as the page said, and you are signed out."))
        return redirect("submissions:contests")
    return render(request, "submissions/my_data_erase.html", {"plan": person_erasure_plan(user=request.user)})


def _password_refusal(request):
    """(message, status) unless the form carries the account's password: a session left open on a shared phone
    must not be enough to erase someone. Wrong guesses count against the login limits (accounts.throttle)."""
    user = request.user
    if not user.has_usable_password():
        return None
    usage = login_failures_consume(request, user.email)
    if usage is None:
        return _("Too many wrong passwords: wait a few minutes and try again."), 429
    if not user.check_password(request.POST.get("password", "")):
        return _("That is not your password: type the one you sign in with."), 400
    usage.rollback()
    return None
