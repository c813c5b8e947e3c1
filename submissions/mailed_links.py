"""The secret of a link mailed to one person (a co-author's invitation, a guardian's consent): it names the
row and the address it was sent to, so a link sent to an address since corrected opens nothing. No timestamp
(a plain Signer): the link stays the same, and valid, for as long as the row is there."""

from django.core import signing


def link_token(row, *, salt):
    return signing.Signer(salt=salt).sign_object([row.pk, row.email], compress=True)


def link_row(token, *, salt, queryset):
    """The row of `queryset` the link was mailed for, or None for a link altered or sent to an old address."""
    try:
        pk, email = signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return queryset.filter(pk=pk, email=email).first()
