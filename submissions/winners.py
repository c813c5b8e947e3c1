"""Which clips won a prize, for the rules on personal data that spare the prize winners (submissions.retention,
submissions.subject_rights): their names stay on the results, and what the prize payments need stays for the
accounts.

The prizes are judging's (judging.Award), and this app must not import judging. Judging registers where its
awards are, in JudgingConfig.ready, as it registers its judges with serving.watchers_register; asking
apps.get_model("judging", "Award") here instead would tie this app to judging's model and field names. The
outcomes of submissions.stages will not do either: they are what an entrant may see, once the results are out,
while a prize awarded and not yet published spares its winner all the same."""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

# Each is a function of a contest returning a queryset of the ids of its clips that won a prize, e.g.
# `Award.objects.filter(tier__contest=contest).values("submission_id")`.
WINNER_SOURCES = []


def winners_register(awarded_submission_ids):
    WINNER_SOURCES.append(awarded_submission_ids)


def winning_clips(contest):
    """The contest's clips that won a prize, published or not (a Submission queryset).

    Without a source the portal could not tell winners from the others, and anonymising a winner's payment
    details cannot be undone: it refuses to guess."""
    from .models import Submission

    if not WINNER_SOURCES:
        raise ImproperlyConfigured("No app has registered where the prize winners are (winners_register).")
    condition = Q()
    for source in WINNER_SOURCES:
        condition |= Q(pk__in=source(contest))
    return Submission.objects.filter(condition, contest=contest)
