"""Who a clip's mails go to: its registrant, and each co-author recorded on it with an e-mail address.

The decision mails (decision_mail.py) and the result mails (judging.publication) each draft one mail per
recipient, all worded alike (they greet the group of authors), and tell the recipients apart by the end of
their dedupe keys: nothing for the registrant, `:coauthor:<pk>` for a co-author."""

from dataclasses import dataclass

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.services import DRAFT_FIELDS

COAUTHOR_KEY = ":coauthor:"


@dataclass(frozen=True)
class Recipient:
    email: str
    coauthor_id: int | None = None  # None: the registrant

    @property
    def key_suffix(self):
        return "" if self.coauthor_id is None else f"{COAUTHOR_KEY}{self.coauthor_id}"


def is_coauthor_key(dedupe_key):
    return COAUTHOR_KEY in (dedupe_key or "")


def clip_recipients(submission):
    """The registrant's account address first, then each co-author recorded on the clip with an address; an
    address already listed is not listed again. Needs submission.registration.user and submission.authors with
    their coauthor (select and prefetch them for a list)."""
    recipients = [Recipient(email=submission.registration.user.email)]
    seen = {recipients[0].email.lower()}
    for author in submission.authors.all():
        coauthor = author.coauthor
        if author.is_registrant or coauthor is None or not coauthor.email:
            continue
        if coauthor.email.lower() in seen:
            continue
        seen.add(coauthor.email.lower())
        recipients.append(Recipient(email=coauthor.email, coauthor_id=coauthor.pk))
    return recipients


def drafts_for(*, draft, recipients, dedupe_key):
    """The worded (unsaved) draft once for each recipient: the same wording, each with the recipient's address
    and its own dedupe key, `dedupe_key` followed by the recipient's suffix."""
    fields = {field: getattr(draft, field) for field in DRAFT_FIELDS}
    return [
        OutgoingMail(
            **{**fields, "to": recipient.email, "dedupe_key": dedupe_key + recipient.key_suffix},
            state=OutgoingMail.State.DRAFT,
        )
        for recipient in recipients
    ]
