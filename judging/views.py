"""The public results page, open once the committee publishes the results (judging/publication.py)."""

from itertools import groupby

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from submissions.models import ContestEvent
from submissions.views import contest_page

from .models import FinalRound
from .prizes import prize_list


@contest_page
@require_safe
def results(request, contest):
    final_round = FinalRound.objects.filter(contest=contest).first()
    if final_round is None or final_round.results_published_at is None:
        # Before publication nobody sees anything of the results here, the committee included.
        raise Http404(_("The results have not been published yet."))
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
