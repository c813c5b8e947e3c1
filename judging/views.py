"""The public results page, open once the committee publishes the results (judging/publication.py), and each
winner's own certificate, downloaded from My clips."""

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from submissions.models import ContestEvent, Submission
from submissions.views import contest_page

from .certificates import certificate_author_pdf
from .models import FinalRound
from .outcomes import certificate_may_download
from .prizes import prize_list


def published_final_round(contest):
    final_round = FinalRound.objects.filter(contest=contest).first()
    if final_round is None or final_round.results_published_at is None:
        raise Http404(_("The results have not been published yet."))
    return final_round


@contest_page
@require_safe
def results(request, contest):
    # Before publication nobody sees anything of the results here, the committee included.
    final_round = published_final_round(contest)
    awards = prize_list(contest=contest).awards
    prizes = [(tier, list(tier_awards)) for tier, tier_awards in groupby(awards, key=lambda award: award.tier)]
    return render(
        request,
        "judging/results.html",
        {
            "contest": contest,
            "final_round": final_round,
            "prizes": prizes,
            # A committee correction after publication (submissions.services.submission_authors_change) is shown.
            "corrections": ContestEvent.objects.filter(contest=contest, action="results_corrected"),
        },
    )


@contest_page
@login_required
@require_safe
def certificate(request, contest, code, position):
    """The certificate of the awarded clip's author at `position` (from 1, in the order of its authors), once
    the results are published: for the clip's registrant, or for that author themselves, a co-author who
    confirmed with their account (outcomes.certificate_may_download). A 404 for anyone else, as for a clip
    that won nothing: nobody learns from the answer which clips won."""
    published_final_round(contest)
    submission = get_object_or_404(Submission.objects.finalists(), contest=contest, code=code)
    authors = list(submission.authors.select_related("coauthor", "submission__registration"))
    if not 1 <= position <= len(authors):
        raise Http404
    author = authors[position - 1]
    if not certificate_may_download(user=request.user, author=author):
        raise Http404
    pdf = certificate_author_pdf(submission=submission, author=author)
    if pdf is None:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"giay-chung-nhan-{submission.code}-{position}.pdf"
    )
    # The certificate names a person: kept by no cache on the way.
    response["Cache-Control"] = "private, no-store"
    return response
