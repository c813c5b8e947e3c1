"""The entrant's side of consent (submissions.consents): a contest's privacy notice, and agreeing again to a
text the committee has changed in what it asks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .consents import Kind, consent_text_current, consents_asked_of, consents_record, my_data_address
from .models import Contest
from .views import contest_page


@contest_page
def privacy_notice(request, contest):
    return render(
        request,
        "submissions/privacy_notice.html",
        {
            "contest": contest,
            "notice": consent_text_current(contest=contest, kind=Kind.PRIVACY_NOTICE),
            "my_data": my_data_address(contest),
        },
    )


def privacy_notices(request):
    """The footer's link on pages of no one contest: each contest's notice, or the only one's."""
    contests = list(Contest.objects.published().order_by("-opens_at"))
    if len(contests) == 1:
        return redirect("submissions:privacy", contests[0].slug)
    return render(request, "submissions/privacy_notices.html", {"contests": contests})


@contest_page
@login_required
@require_POST
def consents_agree(request, contest):
    """The "I agree" of My clips: records the versions the entrant was shown, if they are still the current ones."""
    asked = consents_asked_of(contest=contest, user=request.user)
    shown = set(request.POST.getlist("text"))
    if not asked:
        return redirect("submissions:my_clips", contest.slug)  # a second click: the first one recorded it
    if {str(text.pk) for _registration, _coauthor, texts in asked for text in texts} != shown:
        # A newer version came out while the page was open (or the form was posted twice): what they read is
        # not what they would be agreeing to.
        messages.error(request, _("The wording has changed since the page was shown: read it again below."))
        return redirect("submissions:my_clips", contest.slug)
    # As the registrant of their own entry and as a co-author in each group that named them.
    for registration, coauthor, texts in asked:
        consents_record(
            registration=registration, kinds=[text.kind for text in texts], user=request.user, coauthor=coauthor
        )
    messages.success(request, _("Thank you: your agreement is recorded."))
    return redirect("submissions:my_clips", contest.slug)
