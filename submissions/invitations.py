"""The pages the mailed links open: a co-author confirming or declining (signed in with the invited address),
and a guardian consenting, refusing or withdrawing (no account needed: the link is theirs)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contest_portal.refusals import Refusal

from .coauthors import coauthor_confirm, coauthor_decline, coauthor_from_token, identity_may_change
from .consents import CONSENT_FIELDS, PERSON_KINDS, consent_text_current
from .forms import CoAuthorConfirmForm, GuardianForm
from .guardians import (
    guardian_clips,
    guardian_consent,
    guardian_from_token,
    guardian_minor_name,
    guardian_withdraw,
)
from .models import ConsentText, Submission, needs_guardian


def _link_gone(request):
    return render(
        request,
        "submissions/invitation_gone.html",
        {
            "message": _(
                "This link is no longer valid: the registrant may have removed you or changed the address."
            )
        },
        status=404,
    )


@require_http_methods(["GET", "POST"])
def coauthor_invitation(request, token):
    coauthor = coauthor_from_token(token)
    if coauthor is None:
        return _link_gone(request)
    registration = coauthor.registration
    contest = registration.contest
    context = {
        "contest": contest,
        "coauthor": coauthor,
        "registration": registration,
        "clips": Submission.objects.filter(authors__coauthor=coauthor).order_by("sequence"),
        "texts": [consent_text_current(contest=contest, kind=kind) for kind in PERSON_KINDS],
    }
    if not request.user.is_authenticated:
        return render(request, "submissions/coauthor_invitation.html", {**context, "signed_out": True})
    if request.user.email.lower() != coauthor.email.lower():
        return render(
            request, "submissions/coauthor_invitation.html", {**context, "other_account": True}, status=403
        )
    if request.method == "POST" and request.POST.get("decline") == "yes":
        coauthor_decline(coauthor=coauthor, user=request.user)
        return render(
            request, "submissions/coauthor_declined.html", {"contest": contest, "registration": registration}
        )
    data = request.POST if request.method == "POST" else None
    form = CoAuthorConfirmForm(data, instance=coauthor, identity_locked=not identity_may_change(contest))
    guardian_form = GuardianForm(data, prefix="guardian", instance=coauthor.guardians.first())
    texts = dict(zip(PERSON_KINDS, context["texts"], strict=True))
    context.update(
        form=form,
        guardian_form=guardian_form,
        minor=needs_guardian(coauthor, contest),
        consent_fields=[(form[name], texts[kind]) for name, kind in CONSENT_FIELDS.items()],
    )
    if request.method != "POST":
        return render(request, "submissions/coauthor_invitation.html", context)
    if not form.is_valid():
        return render(request, "submissions/coauthor_invitation.html", context, status=400)
    # Whether a guardian is needed follows the date of birth just given, not the one the registrant typed.
    minor = needs_guardian(form.instance, contest)
    context["minor"] = minor
    if minor and not guardian_form.is_valid():
        return render(request, "submissions/coauthor_invitation.html", context, status=400)
    try:
        coauthor_confirm(
            coauthor=coauthor,
            user=request.user,
            details=form.details(),
            guardian=guardian_form.guardian() if minor else None,
        )
    except Refusal as refusal:
        form.add_error(refusal.field if refusal.field in form.fields else None, str(refusal.message))
        return render(request, "submissions/coauthor_invitation.html", context, status=refusal.status)
    messages.success(
        request,
        _("Thank you: you are confirmed as a co-author. The group's clips are in your My clips.")
        if not minor
        else _("Thank you. Your guardian has been sent a link to consent; until they do, the clips wait."),
    )
    return redirect("submissions:my_clips", contest.slug)


@require_http_methods(["GET", "POST"])
def guardian_consent_page(request, token):
    guardian = guardian_from_token(token)
    if guardian is None:
        return _link_gone(request)
    contest = guardian.registration.contest
    context = {
        "contest": contest,
        "guardian": guardian,
        "minor_name": guardian_minor_name(guardian),
        "clips": guardian_clips(guardian),
        "text": consent_text_current(contest=contest, kind=ConsentText.Kind.GUARDIAN),
    }
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "consent":
                guardian = guardian_consent(guardian=guardian)
                messages.success(request, _("Thank you: your consent is recorded."))
            elif action in ("refuse", "withdraw"):
                if request.POST.get("understood") != "yes":
                    context["error"] = _("Tick the box to confirm that you understand what happens.")
                    return render(request, "submissions/guardian_consent.html", context, status=400)
                guardian_withdraw(guardian=guardian)
                # The link opens nothing any more once the child's data is erased: the answer is this page.
                return render(request, "submissions/guardian_withdrawn.html", {"contest": contest})
            else:
                context["error"] = _("Choose to consent or to refuse.")
                return render(request, "submissions/guardian_consent.html", context, status=400)
        except Refusal as refusal:
            context["error"] = refusal.message
            return render(request, "submissions/guardian_consent.html", context, status=refusal.status)
        return redirect(request.path)
    return render(request, "submissions/guardian_consent.html", context)
