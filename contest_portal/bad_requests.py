"""Requests the portal cannot read: refused before any view runs, and the 400 page that says why.

A NUL character in any text of a request (an admin filter, a clip's code in the address, a reason in a form)
reaches PostgreSQL, which refuses it: that answered 500. Text that is not UTF-8 would be read with replacement
characters, and saved so. UnreadableInputMiddleware answers both with a 400 naming the part of the request at
fault; UnreadableCookiesMiddleware leaves out a cookie holding NUL, which the portal never sets (the session
key is looked up in the database).

`bad_request` is handler400, for these refusals and for Django's own (a malformed multipart body, a part
header over 1 KB such as a very long file name, a body or field count over the limits): the portal's page,
with the reason when one is known. Django's default page would show nothing but "Bad Request (400)"."""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class UnreadableInput(BadRequest):
    """A 400 whose message is written for the visitor, shown on the 400 page."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class UnreadableCookiesMiddleware:
    """Leaves out every cookie holding a NUL character, as if the browser had not sent it. Before
    SessionMiddleware, which would look such a session key up in the database.

    Left out rather than refused: a cookie planted by someone else must not lock the visitor out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [name for name, value in request.COOKIES.items() if "\x00" in name + value]:
            del request.COOKIES[name]
        return self.get_response(request)


class UnreadableInputMiddleware:
    """Refuses an address, query string or form holding NUL, or text that is not in the request's encoding.

    Runs after the other middleware (so the 400 page has the visitor's language and the site's headers) and
    before any view: none of them reads the database on the way in, and CSRF's check, which parses the form,
    comes after (process_view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = get_bytes_from_wsgi(request.META, "QUERY_STRING", "")
        if "\x00" in request.path_info or not _readable(query, request):
            raise UnreadableInput(
                _("The address holds a character that is not allowed (NUL), or text that is not UTF-8.")
            )
        # Django reads a form body for POST only; a PUT or PATCH body is the view's to read.
        if request.method == "POST" and request.content_type in FORM_TYPES and not _readable_form(request):
            raise UnreadableInput(
                _("The form holds a character that is not allowed (NUL), or text that is not UTF-8.")
            )
        return self.get_response(request)


def _readable(fields, request):
    """Whether URL-encoded `fields` (bytes) decode in the request's encoding, without NUL."""
    encoding = request.encoding or settings.DEFAULT_CHARSET
    for field in fields.split(b"&"):
        try:
            text = unquote_to_bytes(field.replace(b"+", b" ")).decode(encoding)
        except UnicodeDecodeError:
            return False
        if "\x00" in text:
            return False
    return True


def _readable_form(request):
    if request.content_type == "multipart/form-data":
        # Parsed here rather than by CSRF's check a moment later. Values are decoded with replacement
        # characters (only NUL can be checked); file names lose control characters.
        return not any("\x00" in key or "\x00" in "".join(values) for key, values in request.POST.lists())
    return _readable(request.body, request)


# Reasons for Django's own refusals; any other 400 (a suspicious admin parameter, a host not served) says none.
REASONS = (
    (
        MultiPartParserError,
        _("The form could not be read. If you are sending a file, give it a shorter name and try again."),
    ),
    (RequestDataTooBig, _("The form is too large to be read.")),
    ((TooManyFieldsSent, TooManyFilesSent), _("The form has too many fields or files to be read.")),
)


def _reason(exception):
    if isinstance(exception, UnreadableInput):
        return exception.reason
    for kinds, reason in REASONS:
        if isinstance(exception, kinds):
            return reason
    return None


@requires_csrf_token
def bad_request(request, exception):
    # In the language LocaleMiddleware would pick, even for a refusal raised before it ran (a host not
    # served, from SecurityMiddleware): otherwise the thread's last language would be used.
    with translation.override(translation.get_language_from_request(request)):
        return render(request, "400.html", {"reason": _reason(exception)}, status=400)
