"""Private media: clips, previews, thumbnails and documents, sent only to those allowed to see them.

There is no MEDIA_URL. Each file is answered by a view here that checks the rule in
`can_view_submission_media` first; anyone else gets a 404, so a URL never reveals that a clip exists.
Then `serve_private_file` streams the file (with Range support, which video players and Safari need),
or, with PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX set, hands the transfer to nginx."""

import math
import re
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from contest_portal.permissions import may_view_submissions

from .documents import document_kind
from .media.thumbnail import THUMBNAIL_WIDTHS, thumbnail_variant
from .models import Submission

# Large enough that a 4 GB clip is not read in millions of small pieces, small enough to stay off the heap.
BLOCK_SIZE = 256 * 1024

CLIP_CONTENT_TYPES = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "3gp": "video/3gpp",
    "avi": "video/x-msvideo",
    "mkv": "video/x-matroska",
    "webm": "video/webm",
}
DOCUMENT_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}

_SINGLE_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.IGNORECASE)
# No file has a size of more digits than this (2**64 has 20). A longer position is past the end of any file:
# it is not read as a number at all (int() refuses over 4,300 digits, and would be slow well before that).
_POSITION_DIGITS = 19
# Control characters would break the header; slashes and quotes would break the file name or its quoting.
_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\"]')


def can_view_submission_media(user, submission):
    """Who may fetch a clip's original, preview, thumbnail and documents.

    - its owner, the entrant who registered it;
    - staff who screen clips or run the contest: the Standing Office and the Organizing Committee, through
      the `submissions.view_submission` permission their role holds in the clip's contest.
    Judges watch the preview and thumbnail of the clips they score (`can_watch_submission`), and the previews
    and thumbnails of published finalists are public besides (`Submission.is_published_finalist`), but never their
    originals or documents: a document may be the registration form, with the entrant's personal data."""
    if not user.is_authenticated:
        return False
    if submission.registration.user_id == user.pk:
        return True
    return may_view_submissions(user, submission.contest)


# Who else may watch a clip, as the apps that need it say: judging registers the judge the finalist is assigned
# to, without a conflict of interest (who does not score it has no need to see it). Each is (user, submission).
WATCHERS = []


def watchers_register(may_watch):
    WATCHERS.append(may_watch)


def can_watch_submission(user, submission):
    """Who may fetch a clip's preview and thumbnail: those of `can_view_submission_media`, and whoever one of
    the WATCHERS lets watch it."""
    return (
        can_view_submission_media(user, submission)
        or _is_confirmed_coauthor(user, submission)
        or any(watch(user, submission) for watch in WATCHERS)
    )


def _is_confirmed_coauthor(user, submission):
    """A co-author recorded on the clip who confirmed: they follow the group's clip in their My clips (its
    original and documents stay the registrant's, who sent them)."""
    return (
        user.is_authenticated
        and submission.authors.filter(coauthor__user=user, coauthor__confirmed_at__isnull=False).exists()
    )


def _viewable_submission(request, code, *, watching=False):
    """The clip, if this user may have the file asked for: `watching` for its preview or thumbnail."""
    submission = get_object_or_404(Submission.objects.select_related("registration", "contest"), code=code)
    if watching and submission.is_published_finalist:
        return submission
    allowed = can_watch_submission if watching else can_view_submission_media
    if not allowed(request.user, submission):
        # Not 403, nor a redirect to the login page: strangers must not learn that the clip exists.
        raise Http404
    return submission


@require_safe
def submission_original(request, code):
    submission = _viewable_submission(request, code)
    return serve_private_file(
        request,
        submission.clip,
        content_type=CLIP_CONTENT_TYPES.get(submission.container, "application/octet-stream"),
        filename=submission.original_filename,
        as_attachment=True,
    )


@require_safe
def submission_preview(request, code):
    submission = _viewable_submission(request, code, watching=True)
    if not submission.preview:
        raise Http404
    return serve_private_file(
        request, submission.preview, content_type="video/mp4", filename=f"{submission.code}.mp4"
    )


@require_safe
def submission_thumbnail(request, code):
    """The clip's thumbnail, or with ?w=160, 320 or 480 a copy that wide (THUMBNAIL_WIDTHS); another width gets
    the stored one."""
    submission = _viewable_submission(request, code, watching=True)
    if not submission.thumbnail:
        raise Http404
    picture = submission.thumbnail
    width = request.GET.get("w", "")
    if width.isdigit() and int(width) in THUMBNAIL_WIDTHS:
        try:
            picture = FieldFile(
                submission, picture.field, thumbnail_variant(picture.storage, picture.name, int(width))
            )
        except OSError:
            pass  # missing (the stored one answers 404) or unreadable: the stored one, as it is
    return serve_private_file(request, picture, content_type="image/jpeg", filename=f"{submission.code}.jpg")


@require_safe
def submission_document(request, code, document_id):
    submission = _viewable_submission(request, code)
    document = get_object_or_404(submission.documents, pk=document_id)
    return serve_private_file(
        request,
        document.file,
        content_type=_document_content_type(document),
        filename=document.original_filename,
        as_attachment=True,
    )


def _document_content_type(document):
    # The kind comes from the content, as when the document was accepted: its name may say otherwise.
    try:
        with document.file.storage.open(document.file.name, "rb") as file:
            kind = document_kind(file)
    except FileNotFoundError:
        raise Http404 from None
    return DOCUMENT_CONTENT_TYPES.get(kind, "application/octet-stream")


def serve_private_file(request, field_file, *, content_type, filename=None, as_attachment=False):
    """The response to a GET or HEAD for a stored file, once the caller has checked the user may have it.

    Streams the file, or the single byte range asked for, in blocks; answers conditional requests from an
    ETag and Last-Modified made of the file's size and modification time. With
    PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX set, the body is left to nginx (X-Accel-Redirect)."""
    headers = {
        "Content-Disposition": _content_disposition(filename, as_attachment),
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
    }
    prefix = settings.PRIVATE_MEDIA_ACCEL_REDIRECT_PREFIX
    if prefix:
        # nginx keeps Content-Type, Content-Disposition and Cache-Control from this response, and answers
        # Range and conditional requests itself, adding its own Accept-Ranges.
        headers["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{quote(field_file.name)}"
        return HttpResponse(content_type=content_type, headers=headers)

    storage, name = field_file.storage, field_file.name
    try:
        size = storage.size(name)
        modified = int(storage.get_modified_time(name).timestamp())
    except FileNotFoundError:
        raise Http404 from None
    # The ETag is written as nginx writes its own, so turning the nginx hand-over on keeps browser caches valid.
    validators = {"ETag": f'"{modified:x}-{size:x}"', "Last-Modified": http_date(modified)}
    headers.update(validators)
    headers["Accept-Ranges"] = "bytes"

    conditional = get_conditional_response(request, etag=validators["ETag"], last_modified=modified)
    if conditional is not None:
        conditional["ETag"], conditional["Last-Modified"] = validators["ETag"], validators["Last-Modified"]
        conditional["Cache-Control"] = headers["Cache-Control"]
        return conditional

    try:
        byte_range = _requested_range(request, size, validators)
    except _Unsatisfiable:
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})
    if byte_range is None:
        status, first, length = 200, 0, size
    else:
        first, last = byte_range
        status, length = 206, last - first + 1
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(length)

    if request.method == "HEAD":
        return HttpResponse(status=status, content_type=content_type, headers=headers)
    file = storage.open(name, "rb")
    file.seek(first)
    response = FileResponse(_FileRange(file, length), status=status, content_type=content_type, headers=headers)
    response.block_size = BLOCK_SIZE
    return response


class _Unsatisfiable(Exception):
    pass


def _requested_range(request, size, validators):
    """The (first, last) byte positions asked for, or None for the whole file.

    A Range header we do not follow gets the whole file, as RFC 9110 allows: a malformed one, several ranges
    (players ask for one), or an If-Range naming another version of the file. A range that starts past the
    end (however many digits it has) is unsatisfiable: 416."""
    match = _SINGLE_RANGE.fullmatch(request.headers.get("Range", "").replace(" ", ""))
    if_range = request.headers.get("If-Range")
    if not match or (if_range is not None and if_range not in validators.values()):
        return None
    first, last = (_byte_position(digits) if digits else None for digits in match.groups())
    if first is None:
        # bytes=-N: the last N bytes.
        suffix = last
        if suffix is None:
            return None
        if suffix == 0 or size == 0:
            raise _Unsatisfiable
        return max(size - suffix, 0), size - 1
    if last is not None and last < first:
        return None
    if first >= size:
        raise _Unsatisfiable
    return first, min(last, size - 1) if last is not None else size - 1


def _byte_position(digits):
    """A position of the Range header: an int, or infinity for one too long to be in any file."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _POSITION_DIGITS else math.inf


class _FileRange:
    """Reads at most `length` bytes of an open file from where it stands, so a response stops at the range's end."""

    def __init__(self, file, length):
        self._file = file
        self._remaining = length

    def read(self, size=-1):
        if size < 0 or size > self._remaining:
            size = self._remaining
        data = self._file.read(size) if size else b""
        self._remaining -= len(data)
        return data

    def close(self):
        self._file.close()


def _content_disposition(filename, as_attachment):
    disposition = "attachment" if as_attachment else "inline"
    if not filename:
        return disposition
    filename = _UNSAFE_IN_FILENAME.sub("_", filename)
    fallback = _ascii_filename(filename)
    if fallback == filename:
        return f'{disposition}; filename="{filename}"'
    # Every current browser reads filename* (RFC 6266, RFC 5987); the plain name is for the few that do not.
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _ascii_filename(filename):
    """'Bản đồ số.pdf' -> 'Ban do so.pdf': Vietnamese letters lose their marks; đ is a letter of its own."""
    decomposed = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    return decomposed.encode("ascii", "ignore").decode("ascii")
