"""The tus 1.0.0 server for entrants' clips (https://tus.io/protocols/resumable-upload).

POST /tai-len/ creates an upload; HEAD /tai-len/<id>/ tells how many bytes arrived; PATCH appends bytes;
DELETE removes an unfinished upload; OPTIONS on either says what the server supports. Extensions: creation,
termination, checksum (sha1, md5, sha256) and expiration.

After the last byte a worker checks the file (uploads.upload_check): until it is done, HEAD answers with the
whole length and no Upload-Submission; then with Upload-Submission and Upload-Receipt, or 410 and the
refusal in Upload-Refusal. Without a worker the check runs in the PATCH, which answers with its outcome.

Only the protocol lives here: what may be uploaded, and what becomes of it, is decided in uploads.py and
services.py. Requests come from the portal's own script, with the session cookie and the CSRF header."""

import base64
import binascii
import re
from functools import wraps
from urllib.parse import quote

from django.http import HttpResponse, HttpResponseNotAllowed
from django.urls import reverse
from django.utils.http import http_date
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contest_portal.refusals import NotAllowed, Refusal

from . import uploads
from .forms import SubmissionDetailsForm
from .models import Registration, Upload
from .services import submission_documents_add
from .views import contest_page

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,checksum,expiration"
OFFSET_STREAM = "application/offset+octet-stream"
REASONS = {460: "Checksum Mismatch"}
# A byte count as a header carries it; 18 digits stay within the database's 64-bit integers.
BYTE_COUNT = re.compile(r"\d{1,18}")
METADATA_KEY = re.compile(r"[\x21-\x2b\x2d-\x7e]+")
DETAILS = ("title", "genre", "summary")


class UploadNotFound(uploads.UploadProtocolError):
    status = 404


def _response(status, message="", **headers):
    response = HttpResponse(
        str(message), status=status, content_type="text/plain; charset=utf-8", reason=REASONS.get(status)
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _options(contest=None):
    response = _response(
        204,
        Tus_Version=TUS_VERSION,
        Tus_Extension=TUS_EXTENSIONS,
        Tus_Checksum_Algorithm=",".join(uploads.CHECKSUM_ALGORITHMS),
    )
    if contest is not None:
        response["Tus-Max-Size"] = str(contest.max_clip_size)
    return response


def _tus_endpoint(view):
    """What every tus request gets: OPTIONS answered for anyone, then the protocol version (412 without it),
    a logged-in entrant (403), Refusals turned into their status with the message as text (and in
    Upload-Refusal, when the contest's rules refused), and the Tus-Resumable header on every answer."""

    @wraps(view)
    def endpoint(request, *args, **kwargs):
        method = request.method
        if method == "POST" and request.headers.get("X-HTTP-Method-Override"):
            # For clients whose environment cannot send PATCH or DELETE; the CSRF check has seen a POST.
            method = request.headers["X-HTTP-Method-Override"].upper()
        if method == "OPTIONS":
            response = _options(kwargs.get("contest"))
        elif request.headers.get("Tus-Resumable") != TUS_VERSION:
            response = _response(
                412, _("This server speaks the tus protocol, version 1.0.0."), Tus_Version=TUS_VERSION
            )
        elif not request.user.is_authenticated:
            response = _response(403, _("Your session has ended. Please log in again to send your clip."))
        else:
            try:
                response = view(request, method, *args, **kwargs)
            except uploads.UploadProtocolError as error:
                response = _response(error.status, error.message)
            except Refusal as refusal:
                # Marks the contest's rules apart from the protocol: a 409 for the clip limit is final,
                # a 409 for a wrong offset is not.
                response = _response(refusal.status, refusal.message, Upload_Refusal=_quoted(refusal.message))
        response["Tus-Resumable"] = TUS_VERSION
        return response

    return endpoint


def _quoted(message):
    """A message in a header: percent-encoded UTF-8, for decodeURIComponent."""
    return quote(str(message), safe="")


def _byte_count(value, header):
    if value is None or not BYTE_COUNT.fullmatch(value.strip()):
        raise Refusal(_("%(header)s must be a number of bytes.") % {"header": header})
    return int(value)


def _metadata(header):
    """Upload-Metadata: comma-separated `key base64(value)` pairs; the values are UTF-8 text here."""
    pairs = {}
    for pair in header.split(",") if header.strip() else []:
        key, _space, encoded = pair.strip().partition(" ")
        if not METADATA_KEY.fullmatch(key) or key in pairs:
            raise Refusal(_("Upload-Metadata is not a list of distinct keys with Base64 values."))
        try:
            pairs[key] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, ValueError):
            raise Refusal(_("Upload-Metadata is not a list of distinct keys with Base64 values.")) from None
        if "\x00" in pairs[key]:
            # The file name is stored as it is, and PostgreSQL refuses NUL in text.
            raise Refusal(_("Upload-Metadata holds a character that is not allowed (NUL)."))
    return pairs


def _encode_metadata(upload):
    values = {"filename": upload.filename, **upload.metadata}
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in values.items())


def _outcome(upload):
    """Where the script finds the receipt of a finished upload."""
    if upload.state != Upload.State.COMPLETE or upload.submission is None:
        return {}
    code = upload.submission.code
    return {
        "Upload_Submission": code,
        "Upload_Receipt": reverse("submissions:receipt", args=[upload.submission.contest.slug, code]),
    }


def _own_upload(request, upload_id):
    """Another entrant's upload is answered exactly like one that does not exist."""
    upload = (
        Upload.objects.select_related("registration__contest", "submission")
        .filter(pk=upload_id, user=request.user)
        .first()
    )
    if upload is None:
        raise UploadNotFound(_("There is no such upload."))
    return upload


@contest_page
@_tus_endpoint
def tus_uploads(request, method, contest):
    if method != "POST":
        return HttpResponseNotAllowed(["OPTIONS", "POST"])
    if "Upload-Length" not in request.headers:
        raise Refusal(_("Upload-Length is required: the size of the clip must be known when its upload starts."))
    length = _byte_count(request.headers["Upload-Length"], "Upload-Length")
    metadata = _metadata(request.headers.get("Upload-Metadata", ""))
    filename = metadata.get("filename", "").strip()
    if not filename:
        raise Refusal(_("The file name is missing from Upload-Metadata."))

    registration = (
        Registration.objects.filter(contest=contest, user=request.user).select_related("contest").first()
    )
    if registration is None:
        raise NotAllowed(_("Please fill in the registration form before you submit a clip."))
    form = SubmissionDetailsForm(data={name: metadata.get(name, "") for name in DETAILS}, contest=contest)
    if not form.is_valid():
        raise Refusal(
            " ".join(
                f"{capfirst(form.fields[name].label)}: {' '.join(errors)}" for name, errors in form.errors.items()
            )
        )
    upload = uploads.upload_create(
        registration=registration,
        filename=filename,
        length=length,
        title=form.cleaned_data["title"],
        genre=form.cleaned_data["genre"],
        summary=form.cleaned_data["summary"],
        filetype=metadata.get("filetype", ""),
    )
    return _response(
        201,
        # A path, which clients resolve against the address they used: behind a proxy the host the portal
        # sees (nginx's $host, without a port) need not be the one the browser sent to.
        Location=reverse("submissions:tus_upload", args=[upload.pk]),
        Upload_Expires=http_date(upload.expires_at.timestamp()),
    )


@_tus_endpoint
def tus_upload(request, method, upload_id):
    upload = _own_upload(request, upload_id)
    if method == "HEAD":
        return _head(upload)
    if method == "PATCH":
        return _patch(request, upload)
    if method == "DELETE":
        uploads.upload_terminate(upload=upload)
        return _response(204)
    return HttpResponseNotAllowed(["OPTIONS", "HEAD", "PATCH", "DELETE"])


def _head(upload):
    if upload.state == Upload.State.REFUSED:
        # The bytes are gone; the reason stays, for the script to show (percent-encoded UTF-8).
        return _response(410, Upload_Refusal=_quoted(upload.refusal), Cache_Control="no-store")
    uploads.upload_check_receiving(upload=upload)
    response = _response(
        200,
        Upload_Offset=str(upload.offset),
        Upload_Length=str(upload.length),
        Upload_Metadata=_encode_metadata(upload),
        Cache_Control="no-store",
        **_outcome(upload),
    )
    if upload.state == Upload.State.RECEIVING:
        response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return response


def _patch(request, upload):
    if request.content_type != OFFSET_STREAM:
        return _response(415, _("A PATCH request must have Content-Type: %(type)s.") % {"type": OFFSET_STREAM})
    offset = _byte_count(request.headers.get("Upload-Offset"), "Upload-Offset")
    checksum = request.headers.get("Upload-Checksum")
    checksum = uploads.Checksum.parse(checksum) if checksum is not None else None
    if request.META.get("CONTENT_LENGTH"):
        body_length = _byte_count(request.META["CONTENT_LENGTH"], "Content-Length")
    elif "Transfer-Encoding" in request.headers:
        # Django reads a body only as far as its Content-Length says: a chunked one would arrive empty.
        return _response(411, _("A PATCH request must have a Content-Length."))
    else:
        body_length = 0
    # request.read(), never request.body: the body streams to disk, it is never held in memory.
    upload = uploads.upload_receive(
        upload=upload, offset=offset, body=request, body_length=body_length, checksum=checksum
    )
    if upload.state == Upload.State.REFUSED:
        # Checked at once (no worker) and refused by the contest's rules: final, like any Upload-Refusal.
        return _response(upload.refusal_status or 400, upload.refusal, Upload_Refusal=_quoted(upload.refusal))
    response = _response(204, Upload_Offset=str(upload.offset), **_outcome(upload))
    if upload.state == Upload.State.RECEIVING:
        response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return response


@require_POST
def upload_documents(request, upload_id):
    """Accompanying documents of a clip that arrived by a resumable upload, sent by the script as a plain
    multipart form once the clip is received."""
    if not request.user.is_authenticated:
        return _response(403, _("Your session has ended. Please log in again to send your clip."))
    upload = (
        Upload.objects.select_related("submission__contest")
        .filter(pk=upload_id, user=request.user, state=Upload.State.COMPLETE, submission__isnull=False)
        .first()
    )
    if upload is None:
        return _response(404, _("There is no such upload."))
    if getattr(request, "upload_too_large", False):
        return _response(413, _("The documents are too large."))
    try:
        added = submission_documents_add(
            submission=upload.submission, user=request.user, documents=request.FILES.getlist("documents")
        )
    except Refusal as refusal:
        return _response(refusal.status, refusal.message)
    return _response(200, len(added))
