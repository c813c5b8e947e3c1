"""The gallery's vote buttons: a form POST that works without the script (the answer redirects back to the
finalist's card, or shows the gallery again with the refusal and its status), and the same POST from
static/js/gallery.js, which asks for JSON and puts the card's new vote block in place."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contest_portal.refusals import Refusal

from .audience_vote import audience_vote_cast, audience_vote_withdraw, gallery_vote
from .gallery import finalist_vote_state, gallery_response
from .models import Submission
from .views import contest_page


def _wants_json(request):
    return request.headers.get("Accept", "").startswith("application/json")


def _answer(request, contest, submission, *, message, status=200, refusal=False):
    if _wants_json(request):
        vote = gallery_vote(contest=contest, user=request.user)
        finalist_vote_state(submission, vote)
        block = render_to_string(
            "submissions/snippets/audience_vote.html",
            {"contest": contest, "finalist": submission, "vote": vote, "vote_message": message},
            request=request,
        )
        return JsonResponse(
            {"message": message, "voted": getattr(submission, "voted", False), "html": block}, status=status
        )
    if refusal:
        if status == 404:
            raise Http404(message)
        messages.error(request, message)
        return gallery_response(request, contest, status=status)
    messages.success(request, message)
    return redirect(f"{reverse('submissions:gallery', args=[contest.slug])}#{submission.code}")


def _vote(request, contest, code, action):
    submission = get_object_or_404(Submission.objects.select_related("contest"), contest=contest, code=code)
    try:
        message = action(submission)
    except Refusal as refusal:
        return _answer(
            request, contest, submission, message=str(refusal.message), status=refusal.status, refusal=True
        )
    return _answer(request, contest, submission, message=message)


@contest_page
@require_POST
def vote_cast(request, contest, code):
    def cast(submission):
        address = get_adapter(request).get_client_ip(request)
        audience_vote_cast(submission=submission, user=request.user, address=address)
        return _("Thank you: your vote for “%(title)s” is counted.") % {"title": submission.title}

    return _vote(request, contest, code, cast)


@contest_page
@require_POST
def vote_withdraw(request, contest, code):
    def withdraw(submission):
        audience_vote_withdraw(submission=submission, user=request.user)
        return _("Your vote for “%(title)s” is withdrawn.") % {"title": submission.title}

    return _vote(request, contest, code, withdraw)
