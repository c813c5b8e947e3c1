"""The results' public feed, JSON Feed and Atom (contest_portal/feeds.py writes them), for the province's news
portal and the fanpage team: at /<slug>/ket-qua/feed.json and feed.atom, once the committee publishes the
results (publication.py), a 404 before.

It holds what the results page shows, nothing more: a prize per item, in the prize list's order (prizes.prize_list),
with the clip's title, code, genre and authors' names, the amount and honour, a side prize's reason; the share
image and the clip's page only when the gallery is public too. Nothing of a registration: no contact, ID number,
birth date or address."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from contest_portal.feeds import Feed, FeedItem, feed_response
from submissions.models import ContestEvent
from submissions.share_image import share_image_path
from submissions.templatetags.portal import vnd
from submissions.views import contest_page

from .prizes import prize_list

# The results page's own check: the feed opens and closes with it.
from .views import published_final_round


def _item(request, contest, award, *, results_url, published, updated):
    submission = award.submission
    tier = award.tier
    gallery_open = contest.finalists_published_at is not None
    url = (
        request.build_absolute_uri(reverse("submissions:finalist", args=[contest.slug, submission.code]))
        if gallery_open
        else f"{results_url}#tier-{tier.pk}"
    )
    lines = [
        f"{tier.name} · {vnd(tier.amount)}" + (f" + {tier.honour}" if tier.honour else ""),
        f"{submission.code} · {submission.genre.name}",
        award.authors,
    ]
    if tier.is_side_prize and award.reason:
        lines.append(award.reason)
    return FeedItem(
        id=f"{results_url}#tier-{tier.pk}-{submission.code}",
        url=url,
        title=f"{tier.name}: {submission.title}",
        text="\n".join(line for line in lines if line),
        published=published,
        updated=updated,
        image=request.build_absolute_uri(share_image_path(submission)) if gallery_open else "",
        authors=(award.authors,) if award.authors else (),
        tags=(tier.name,),
        details={
            "code": submission.code,
            "prize": tier.name,
            "amount": tier.amount,
            "genre": submission.genre.name,
        },
    )


def results_feed(*, request, contest, final_round):
    """The feed of the contest's published prizes, in the prize list's order: updated when the committee
    corrects the results after publication, as the results page says."""
    published = final_round.results_published_at
    corrected = (
        ContestEvent.objects.filter(contest=contest, action="results_corrected")
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    updated = max(published, corrected or published)
    results_url = request.build_absolute_uri(reverse("judging:results", args=[contest.slug]))
    awards = prize_list(contest=contest).awards
    for award in awards:
        # The share image's address names the contest; every award here is of this one.
        award.submission.contest = contest
    return Feed(
        title=_("Results — %(contest)s") % {"contest": contest.name},
        description=_("The prize winners of the %(contest)s") % {"contest": contest.name},
        home_page_url=results_url,
        json_url=request.build_absolute_uri(reverse("judging:results_feed_json", args=[contest.slug])),
        atom_url=request.build_absolute_uri(reverse("judging:results_feed_atom", args=[contest.slug])),
        author=_("Organizing Committee of the %(contest)s") % {"contest": contest.name},
        language=settings.LANGUAGE_CODE,
        updated=updated,
        items=[
            _item(request, contest, award, results_url=results_url, published=published, updated=updated)
            for award in awards
        ],
    )


@contest_page
@require_safe
def results_feed_view(request, contest, kind):
    final_round = published_final_round(contest)
    # In the portal's language, whatever the reader's: a feed is one document at one address, cached as one,
    # and read by programs that send no language of their own.
    with translation.override(settings.LANGUAGE_CODE):
        feed = results_feed(request=request, contest=contest, final_round=final_round)
    return feed_response(request, feed, kind=kind)
