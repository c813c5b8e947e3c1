"""What the final round gave each finalist, as its entrants see it once the results are published: the prizes
(or none) and the certificates each of them may download. Registered with submissions.stages by
JudgingConfig.ready, so My clips says "Giải Nhất" rather than "finalist" without submissions importing judging."""

from django.urls import reverse

from submissions.models import Submission, SubmissionAuthor
from submissions.stages import Outcome

from .models import Award, FinalRound


def certificate_may_download(*, user, author):
    """Whether `user` may download the certificate of `author`, one of an awarded clip's recorded authors (with
    its submission's registration and its coauthor): the clip's registrant may download every author's, a
    co-author who confirmed with their account only their own."""
    if not user.is_authenticated:
        return False
    if author.submission.registration.user_id == user.pk:
        return True
    coauthor = author.coauthor
    return coauthor is not None and coauthor.user_id == user.pk and coauthor.is_confirmed


def certificate_url(*, submission, position):
    """The address of the certificate of the clip's author at `position` (from 1, in the order of its authors)."""
    return reverse("judging:certificate", args=[submission.contest.slug, submission.code, position])


def clip_outcomes(*, submissions, user):
    """{submission pk: Outcome} for the finalists among `submissions` whose contest's results are published;
    each with the certificates `user` may download. Three queries, whatever the number of clips."""
    finalists = [s for s in submissions if s.status_for_entrant == Submission.Status.SHORTLISTED]
    published = dict(
        FinalRound.objects.filter(
            contest__in={s.contest_id for s in finalists}, results_published_at__isnull=False
        ).values_list("contest_id", "results_published_at")
    )
    finalists = [s for s in finalists if s.contest_id in published]
    if not finalists:
        return {}
    prizes = {}
    for award in (
        Award.objects.filter(submission__in=finalists)
        .select_related("tier")
        .order_by("tier__order", "tier_id", "rank", "id")
    ):
        prizes.setdefault(award.submission_id, []).append(award.tier.name)
    authors = {}
    for author in SubmissionAuthor.objects.filter(submission__in=list(prizes)).select_related(
        "coauthor", "submission__registration", "submission__contest"
    ):
        authors.setdefault(author.submission_id, []).append(author)
    return {
        finalist.pk: Outcome(
            published_at=published[finalist.contest_id],
            prizes=tuple(prizes.get(finalist.pk, ())),
            certificates=tuple(
                (author.full_name, certificate_url(submission=author.submission, position=position))
                for position, author in enumerate(authors.get(finalist.pk, ()), start=1)
                if certificate_may_download(user=user, author=author)
            ),
        )
        for finalist in finalists
    }
