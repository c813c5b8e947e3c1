"""The outbox's drafts: releasing them, wording them again, previewing their templates, for any app's mails.

The outbox knows no app. An app whose mails wait here as drafts, and that has something to do when they are
released (submissions' decision mails: hold back a draft that tells a decision changed since, record that the
entrant was told), registers an OutboxDrafts in its AppConfig.ready; the admin's actions call the functions
below, which ask every registered app."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from contest_portal.permissions import may_change_mail, may_release_mail
from contest_portal.refusals import NotAllowed

from .models import OutgoingMail
from .services import mail_ids, mail_release


@dataclass(frozen=True)
class OutboxDrafts:
    """An app's part in the outbox; each is called with the ids of the mails selected and the user."""

    hold_back: Callable = None  # (ids, user) -> the ids not to release now (worded again for review)
    after_release: Callable = None  # (ids released, user) -> None
    redraft: Callable = None  # (ids, user) -> how many drafts were worded again
    sample_context: Callable = None  # (template key) -> a made-up context to preview it with, or None


_registered = []


def drafts_register(drafts):
    _registered.append(drafts)


@dataclass(frozen=True)
class Release:
    """What a release did: the mails queued to be sent, and the drafts held back for the committee to review."""

    released: list
    redrafted: list


@transaction.atomic
def drafts_release(*, mails, user):
    """Releases the drafts among `mails`: queued, and sent after commit. A draft an app holds back is reworded
    for review instead; a mail that is no draft any more (a second click, a colleague's release) is left alone,
    so releasing twice sends nothing twice. Needs mail.release_outgoingmail. Returns a Release."""
    if not may_release_mail(user):
        raise NotAllowed(_("You may not release e-mails."))
    selected = mail_ids(mails)
    held_back = set()
    for drafts in _registered:
        if drafts.hold_back:
            held_back |= set(drafts.hold_back(selected, user))
    released = mail_release(mails=OutgoingMail.objects.filter(pk__in=set(selected) - held_back), user=user)
    for drafts in _registered:
        if drafts.after_release:
            drafts.after_release(released, user)
    redrafted = list(
        OutgoingMail.objects.filter(pk__in=held_back, state=OutgoingMail.State.DRAFT).values_list("pk", flat=True)
    )
    return Release(released=released, redrafted=redrafted)


@transaction.atomic
def drafts_redraft(*, mails, user):
    """Words the drafts among `mails` again from the current templates, after the committee edited one; edits
    made to those drafts by hand are replaced. Needs mail.change_outgoingmail. Returns how many were reworded."""
    if not may_change_mail(user):
        raise NotAllowed(_("You may not change e-mails."))
    selected = mail_ids(mails)
    return sum(drafts.redraft(selected, user) for drafts in _registered if drafts.redraft)


def drafts_sample_context(*, key):
    """A made-up context to preview the template `key` with, from the app whose template it is, else None."""
    for drafts in _registered:
        context = drafts.sample_context(key) if drafts.sample_context else None
        if context is not None:
            return context
    return None
