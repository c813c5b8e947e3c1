"""The public gallery of the finalists, once the committee publishes them (publication.py): the gallery page
(with the audience vote on it: audience_vote.py, audience_vote_pages.py), a share page per clip with its Open
Graph tags, and its share image (drawn by share_image.py). Which files of a published finalist anyone may fetch
(its preview and thumbnail, never its original or documents) is decided in serving.py, with the rest of the
rules on private media."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .audience_vote import gallery_vote
from .models import Submission
from .share_image import IMMUTABLE_CACHE, share_image, share_image_key, share_image_path
from .views import contest_page

# What the public sees of a finalist.


def finalist_authors(submission):
    """The clip's recorded authors as the gallery names them: "Group (registrant, co-author, …)", or the one
    author. Needs submission.registration and submission.authors (prefetch them for a list)."""
    names = ", ".join(author.full_name for author in submission.authors.all())
    group = submission.registration.group_name
    return f"{group} ({names})" if group else names


def _shown_authors(finalist, contest):
    """What pages and captions say of the authors: templates read this, never the registration."""
    return finalist_authors(finalist) if contest.shows_author_names else ""


def with_shown_authors(finalists, contest):
    """The finalists as a list, each with its `authors` set."""
    if contest.shows_author_names:
        finalists = finalists.select_related("registration").prefetch_related("authors")
    finalists = list(finalists)
    for finalist in finalists:
        finalist.shown_authors = _shown_authors(finalist, contest)
    return finalists


def _published_finalist(contest, code):
    finalists = (
        Submission.objects.published_finalists()
        .filter(contest=contest)
        .select_related("contest", "genre", "registration")
    )
    finalist = get_object_or_404(finalists.prefetch_related("authors"), code=code)
    finalist.shown_authors = _shown_authors(finalist, finalist.contest)
    return finalist


@contest_page
def gallery(request, contest):
    return gallery_response(request, contest)


def gallery_response(request, contest, *, status=200):
    """The gallery page, with the audience vote as this visitor sees it (audience_vote.gallery_vote): also the
    answer to a vote refused without the script, with the refusal's status."""
    if contest.finalists_published_at is None:
        raise Http404(_("The finalists have not been published yet."))
    finalists = (
        Submission.objects.published_finalists()
        .filter(contest=contest)
        .select_related("genre")
        .order_by("sequence")
    )
    finalists = with_shown_authors(finalists, contest)
    vote = gallery_vote(contest=contest, user=request.user)
    for finalist in finalists:
        finalist_vote_state(finalist, vote)
    return render(
        request,
        "submissions/gallery.html",
        {"contest": contest, "finalists": finalists, "vote": vote},
        status=status,
    )


def finalist_vote_state(finalist, vote):
    """Puts on a finalist what its card shows of the vote: `voted` by this visitor, and `votes` once the counts
    are public."""
    if vote is None:
        return
    finalist.voted = finalist.pk in vote.mine
    if vote.counts is not None:
        finalist.votes = vote.counts.get(finalist.pk, 0)


@contest_page
def finalist_share(request, contest, code):
    finalist = _published_finalist(contest, code)
    description = _("Finalist clip %(code)s (%(genre)s) — %(contest)s") % {
        "code": finalist.code,
        "genre": finalist.genre.name,
        "contest": finalist.contest.name,
    }
    if finalist.shown_authors:
        description = f"{finalist.shown_authors}. {description}"
    return render(
        request,
        "submissions/share.html",
        {
            "contest": finalist.contest,
            "finalist": finalist,
            "description": description,
            "page_url": request.build_absolute_uri(
                reverse("submissions:finalist", args=[contest.slug, finalist.code])
            ),
            "image_url": request.build_absolute_uri(share_image_path(finalist)),
            "preview_url": request.build_absolute_uri(reverse("submissions:preview", args=[finalist.code]))
            if finalist.preview
            else "",
        },
    )


@contest_page
@require_safe
def finalist_share_image(request, contest, code):
    finalist = _published_finalist(contest, code)
    name = share_image(finalist)
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    # An address naming this version may be kept for good; any other must be asked again soon.
    current = request.GET.get("v") == share_image_key(finalist)
    response["Cache-Control"] = IMMUTABLE_CACHE if current else "public, max-age=300"
    return response
