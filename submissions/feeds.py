"""The finalists' public feed, JSON Feed and Atom (contest_portal/feeds.py writes them), for the province's news
portal and the fanpage team: at /<slug>/chung-ket/feed.json and feed.atom, once the committee publishes the
gallery (publication.py), a 404 before.

It holds what the gallery and the share pages show, nothing more: each finalist's title, code and genre, its
share page, its share image and public preview, the authors' names only when the gallery shows them
(gallery.with_shown_authors). Nothing of a registration: no contact, ID number, birth date or address."""

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from contest_portal.feeds import Feed, FeedItem, feed_response

from .gallery import with_shown_authors
from .models import Submission
from .share_image import share_image_path
from .views import contest_page


def _item(request, contest, finalist):
    # A finalist decided after the gallery opened appears in it from its decision.
    published = max(contest.finalists_published_at, finalist.decided_at or contest.finalists_published_at)
    page = request.build_absolute_uri(reverse("submissions:finalist", args=[contest.slug, finalist.code]))
    text = " · ".join(part for part in (finalist.code, finalist.genre.name, finalist.shown_authors) if part)
    return FeedItem(
        id=page,
        url=page,
        title=finalist.title,
        text=text,
        published=published,
        updated=published,
        image=request.build_absolute_uri(share_image_path(finalist)),
        authors=(finalist.shown_authors,) if finalist.shown_authors else (),
        tags=(finalist.genre.name,),
        attachments=(
            ((request.build_absolute_uri(reverse("submissions:preview", args=[finalist.code])), "video/mp4"),)
            if finalist.preview
            else ()
        ),
        details={"code": finalist.code, "genre": finalist.genre.name},
    )


def finalists_feed(*, request, contest):
    """The feed of the contest's published finalists, in the gallery's order."""
    finalists = with_shown_authors(
        Submission.objects.published_finalists()
        .filter(contest=contest)
        .select_related("genre", "contest")
        .order_by("sequence"),
        contest,
    )
    items = [_item(request, contest, finalist) for finalist in finalists]
    return Feed(
        title=_("Finalist clips — %(contest)s") % {"contest": contest.name},
        description=_("The finalist clips of the %(contest)s") % {"contest": contest.name},
        home_page_url=request.build_absolute_uri(reverse("submissions:gallery", args=[contest.slug])),
        json_url=request.build_absolute_uri(reverse("submissions:finalists_feed_json", args=[contest.slug])),
        atom_url=request.build_absolute_uri(reverse("submissions:finalists_feed_atom", args=[contest.slug])),
        author=_("Organizing Committee of the %(contest)s") % {"contest": contest.name},
        language=settings.LANGUAGE_CODE,
        updated=max([contest.finalists_published_at, *(item.updated for item in items)]),
        items=items,
    )


@contest_page
@require_safe
def finalists_feed_view(request, contest, kind):
    if contest.finalists_published_at is None:
        raise Http404(_("The finalists have not been published yet."))
    # In the portal's language, whatever the reader's: a feed is one document at one address, cached as one,
    # and read by programs that send no language of their own.
    with translation.override(settings.LANGUAGE_CODE):
        feed = finalists_feed(request=request, contest=contest)
    return feed_response(request, feed, kind=kind)
