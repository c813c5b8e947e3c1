"""What each kind of e-mail is called where people read the outbox: "Clip selected for the final" rather than
`decision_shortlisted`.

The mail app knows no app's mails: each app registers the labels of the kinds it sends, in its AppConfig.ready,
with mail_kinds_register. A kind nobody registered shows as its code."""

_labels = {}


def mail_kinds_register(labels):
    """Adds {kind: label} (lazy translations, read in the reader's language when shown)."""
    _labels.update(labels)


def mail_kind_label(kind):
    return str(_labels.get(kind, kind))
