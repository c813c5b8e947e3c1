"""Clip uploads: the plain form's streaming handler, and resumable (tus) uploads.

A resumable upload is an Upload row plus MEDIA_ROOT/uploads/<id>.part. The row is the truth: `offset` says
how many bytes of the file count, and bytes past it (from a request cut off before it could store its new
offset) are cut away by the next request that writes. A request writes only while it holds the upload's
lease (`locked_until`), taken and renewed with conditional updates, so two requests never write the same file.

When the last byte arrives the file goes through submission_create, like a plain-form clip, and becomes a
Submission, or is refused with the reason kept on the row. The protocol itself is in tus.py."""

import base64
import binascii
import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from contest_portal.refusals import FileNotAccepted, Refusal

from .models import ClipGenre, Upload
from .services import (
    contest_check_open,
    submission_check_allowed,
    submission_create,
)

log = logging.getLogger(__name__)


class HashingFileUploadHandler(TemporaryFileUploadHandler):
    """Streams every uploaded file to a temporary file on disk, hashing it on the way.

    Memory stays flat whatever the size; `uploaded_file.sha256` is ready when the upload ends, so the
    file is never read a second time to hash it. A body over UPLOAD_MAX_BYTES is cut off early and the
    request is marked `upload_too_large` for the view to answer 413."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_BYTES:
            # Refuse without reading the body: the request is parsed as empty.
            self.request.upload_too_large = True
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.sha256 = hashlib.sha256()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        self.sha256.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.sha256.hexdigest()
        return uploaded


# Resumable uploads.

READ_SIZE = 1024 * 1024
# A request holds an upload for LEASE and renews the hold every RENEW_EVERY while it streams. It writes only
# within RENEW_EVERY of a successful renewal, so a request whose hold lapsed (a stalled client, a killed
# worker) can never write after another one took over. LEASE is also how long an upload whose server died
# mid-PATCH stays locked: the client's retry gets through after at most that long. Behind nginx a body
# arrives at disk speed (nginx holds it until the last byte), so a renewal every two seconds costs little.
LEASE = timedelta(seconds=8)
RENEW_EVERY = timedelta(seconds=2)
# Checking a received file (submission_create: the probe, the database) happens between two renewals of the
# hash; it may take longer than LEASE on a loaded machine, so the worker holds the upload this long for it.
CHECK_LEASE = timedelta(minutes=2)
# A check sent to the workers this long ago that nobody holds is sent again (its worker died, its task was lost).
# Longer than a deadline night's queue is likely to be, and each waiting check is sent again at most this often:
# a copy that finds the upload checked already does nothing.
CHECK_REQUEUE_AFTER = timedelta(minutes=10)
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}


class UploadProtocolError(Refusal):
    """A request the protocol turns down (a wrong offset, a busy or finished upload): the client asks where
    the upload stands and goes on. Other Refusals are the contest's rules speaking, and final."""


class UploadLocked(UploadProtocolError):
    status = 423


class UploadOffsetMismatch(UploadProtocolError):
    status = 409


class UploadGone(UploadProtocolError):
    status = 410


class UploadTooLong(UploadProtocolError):
    status = 413


class UploadAlreadyReceived(UploadProtocolError):
    status = 409


class ChecksumMismatch(UploadProtocolError):
    status = 460


@dataclass(frozen=True)
class Checksum:
    """An Upload-Checksum: the algorithm's name and the digest the client computed over the request body."""

    algorithm: str
    digest: bytes

    @classmethod
    def parse(cls, header):
        algorithm, _space, encoded = header.strip().partition(" ")
        if algorithm not in CHECKSUM_ALGORITHMS:
            raise Refusal(
                _("Unsupported checksum algorithm; use one of: %(algorithms)s.")
                % {"algorithms": ", ".join(CHECKSUM_ALGORITHMS)}
            )
        try:
            digest = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise Refusal(_("The checksum is not valid Base64.")) from None
        if len(digest) != CHECKSUM_ALGORITHMS[algorithm]().digest_size:
            raise Refusal(_("The checksum has the wrong length for %(algorithm)s.") % {"algorithm": algorithm})
        return cls(algorithm, digest)

    def hasher(self):
        return CHECKSUM_ALGORITHMS[self.algorithm]()


def upload_part_path(upload_id):
    return Path(settings.MEDIA_ROOT) / "uploads" / f"{upload_id}.part"


class _Lease:
    """One request's hold on an upload, through `locked_until`: whoever changed it last holds the upload."""

    def __init__(self, upload_id):
        self.upload_id = upload_id
        self.until = None
        self.renewed_at = None

    def acquire(self, *, now=None, duration=LEASE, **conditions):
        now = now or timezone.now()
        until = now + duration
        free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
        if not Upload.objects.filter(free, pk=self.upload_id, **conditions).update(locked_until=until):
            return False
        self.until, self.renewed_at = until, now
        return True

    def update(self, **fields):
        """Changes the row only while this request still holds it, and keeps holding it."""
        held = self.until is not None
        if held and not Upload.objects.filter(pk=self.upload_id, locked_until=self.until).update(**fields):
            held = False
        if not held:
            self.until = None
            raise UploadLocked(_("Another request took over this upload; ask for its offset and go on."))

    def keep(self, duration=LEASE):
        """Renews the hold when it is due (or at once, for a longer `duration`)."""
        now = timezone.now()
        if duration == LEASE and now - self.renewed_at < RENEW_EVERY:
            return
        until = now + duration
        self.update(locked_until=until)
        self.until, self.renewed_at = until, now

    def release(self, **fields):
        if self.until is None:
            return False
        released = Upload.objects.filter(pk=self.upload_id, locked_until=self.until).update(
            locked_until=None, **fields
        )
        self.until = None
        return bool(released)


def _expiry():
    return timezone.now() + timedelta(seconds=settings.TUS_UPLOAD_EXPIRY_SECONDS)


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def upload_check_receiving(*, upload, now=None):
    """An upload takes bytes until it is complete, refused or expired; then it is gone for the client."""
    if upload.state == Upload.State.REFUSED:
        raise UploadGone(upload.refusal or _("This upload was refused."))
    if upload.state == Upload.State.RECEIVING and upload.expires_at <= (now or timezone.now()):
        raise UploadGone(_("This upload has expired; please send the clip again."))


def upload_create(*, registration, filename, length, title, genre, summary, filetype=""):
    """Starts a resumable upload of a clip of `length` bytes, if the clip could be accepted now.

    Uploads in progress do not count towards the clip limit: an abandoned one would block the entrant
    until it expires. The limit is checked here and again when the last byte arrives, so of four uploads
    started side by side the fourth to complete is refused."""
    if length == 0:
        raise FileNotAccepted(_("The file is empty."), field="clip")
    submission_check_allowed(registration=registration, size=length)
    if genre.contest_id != registration.contest_id:
        raise Refusal(_("Choose one of this contest's genres."), field="genre")
    upload = Upload(
        user=registration.user,
        registration=registration,
        filename=filename[:255],
        metadata={"title": title, "genre": genre.pk, "summary": summary, "filetype": filetype},
        length=length,
        expires_at=_expiry(),
    )
    upload.full_clean()
    upload.save()
    path = upload_part_path(upload.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640))
    log.info("upload %s of %d bytes started by user %s", upload.pk, length, registration.user_id)
    return upload


def upload_receive(*, upload, offset, body, body_length, checksum=None):
    """Appends a request body of `body_length` bytes (read from `body`, a file-like object) at `offset`.

    The body streams to the file in READ_SIZE pieces. If the client goes away midway, what arrived is kept
    and counted (unless a checksum was given: then it cannot be checked, and the piece is dropped), so
    the next request resumes exactly there. With the last byte the upload becomes a submission (see
    _upload_complete). Returns the upload as stored; raises a Refusal for the client."""
    upload_check_receiving(upload=upload)
    contest_check_open(upload.registration.contest)
    lease = _Lease(upload.pk)
    # The hold is taken only on the upload as this request continues it (at the client's offset, in the state
    # it was read in): then nothing needs reading again. Otherwise the row, read again, says what is wrong.
    if not lease.acquire(offset=offset, state=upload.state):
        upload.refresh_from_db(fields=["offset", "state", "refusal"])
        if upload.state == Upload.State.REFUSED:
            raise UploadGone(upload.refusal)
        if offset != upload.offset:
            raise UploadOffsetMismatch(
                _("The upload is at byte %(offset)d, not %(sent)d; continue from there.")
                % {"offset": upload.offset, "sent": offset}
            )
        raise UploadLocked(_("This upload is receiving another request; try again in a moment."))
    upload.offset = offset
    try:
        if offset + body_length > upload.length:
            raise UploadTooLong(
                _("This request would go past the end of the upload (%(length)d bytes).")
                % {"length": upload.length}
            )
        if body_length:
            upload.offset = _receive_into_part(upload, lease, offset, body, body_length, checksum)
            upload.expires_at = _expiry()
        if upload.offset == upload.length and upload.state == Upload.State.RECEIVING:
            upload.state, upload.received_at = Upload.State.CHECKING, timezone.now()
        elif not body_length:
            if upload.state == Upload.State.CHECKING:
                # The client asks again to finish (say, after its check failed and answered 500): let it.
                lease.release(check_queued_at=timezone.now())
                _upload_check_queue(upload)
            return upload
        # One write stores the new offset (and, with the last byte, that the file waits for its check) and lets
        # the upload go: a PATCH costs two commits in all.
        queued = {"check_queued_at": upload.received_at} if upload.state == Upload.State.CHECKING else {}
        if not lease.release(
            offset=upload.offset,
            expires_at=upload.expires_at,
            state=upload.state,
            received_at=upload.received_at,
            **queued,
        ):
            raise UploadLocked(_("Another request took over this upload; ask for its offset and go on."))
    finally:
        lease.release()
    if upload.state == Upload.State.CHECKING:
        _upload_check_queue(upload)
    return upload


def _upload_check_queue(upload):
    """Queues the check of a received upload, then reads how it stands: with a worker it is still `checking`
    (the client asks by HEAD until it is not); without one the check ran right here.

    delay(), not delay_on_commit(): the PATCH runs in autocommit, the row saying `checking` is committed."""
    from .tasks import upload_check_task

    upload_check_task.delay(str(upload.pk))
    upload.refresh_from_db(fields=["state", "refusal", "refusal_status", "submission"])


def _receive_into_part(upload, lease, offset, body, body_length, checksum):
    """Writes the body after `offset` and returns the new offset.

    No fsync here: a process that dies keeps its writes in the page cache, and after a machine crash the next
    request finds fewer bytes than the stored offset and resumes from what is on disk (see below). The whole
    file is synced once, at completion, before it is hashed."""
    path = upload_part_path(upload.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.open(path, os.O_RDWR | os.O_CREAT, 0o640), "r+b", buffering=0) as part:
        on_disk = os.fstat(part.fileno()).st_size
        if on_disk < offset:
            # Bytes counted as received are missing (the file was damaged or removed): count what is there.
            lease.update(offset=on_disk)
            raise UploadOffsetMismatch(
                _("The upload is at byte %(offset)d, not %(sent)d; continue from there.")
                % {"offset": on_disk, "sent": offset}
            )
        if on_disk > offset:
            # Bytes past the offset came from a request that could not store its offset: they do not count.
            # (Only then: truncating to the same size still costs a filesystem journal commit.)
            part.truncate(offset)
        part.seek(offset)
        hasher = checksum.hasher() if checksum else None
        received = 0
        while received < body_length:
            try:
                piece = body.read(min(READ_SIZE, body_length - received))
            except OSError:
                # The client went away (Django's UnreadablePostError, gunicorn's NoMoreData, a reset).
                piece = b""
            if not piece:
                break
            lease.keep()
            view = memoryview(piece)
            while view:
                view = view[part.write(view) :]
            if hasher:
                hasher.update(piece)
            received += len(piece)
        if checksum and (received < body_length or hasher.digest() != checksum.digest):
            part.truncate(offset)
            if received == body_length:
                raise ChecksumMismatch(_("The checksum does not match the data received; send this part again."))
            return offset
    if received < body_length:
        log.info("upload %s: client went away after %d of %d bytes", upload.pk, received, body_length)
    return offset + received


class ReceivedClip(UploadedFile):
    """A clip whose bytes are already on disk, as submission_create takes it: storage moves it by rename."""

    def __init__(self, path, *, name, size, sha256, content_type=""):
        super().__init__(open(path, "rb"), name, content_type or "application/octet-stream", size, None)
        self.path = path
        self.sha256 = sha256

    def temporary_file_path(self):
        return str(self.path)


def _sha256_of(path, lease):
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as file:
        # The chunks were written without syncing; the finished file goes to disk before it counts.
        os.fsync(file.fileno())
        while block := file.read(READ_SIZE):
            digest.update(block)
            lease.keep()
    return digest.hexdigest()


def upload_check(*, upload_id):
    """Checks an upload whose every byte is in (state `checking`): it becomes a submission (`complete`) or is
    refused (`refused`, the reason and its status kept, the file removed; the Refusal is raised). Run by a
    worker (tasks.upload_check_task), because hashing and probing a 4 GB file takes longer than a request
    should. Safe to run twice, or next to itself: only the run holding the upload works on it; an upload no
    longer `checking` is left alone (returns None)."""
    lease = _Lease(upload_id)
    if not lease.acquire(state=Upload.State.CHECKING):
        return None
    try:
        upload = Upload.objects.select_related("registration__contest").get(pk=upload_id)
        _upload_complete(upload, lease)
        return upload
    finally:
        lease.release()


def upload_check_stalled(*, now=None, sent_before=None):
    """Queues again the check of every upload `checking` that nobody holds and whose check was sent before
    `sent_before` (by default CHECK_REQUEUE_AFTER ago: its worker died, its task was lost); returns how many. Run
    every minute by beat, and by `manage.py resume_work` for every check sent until then."""
    from .tasks import upload_check_task

    now = now or timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    stalled = Q(state=Upload.State.CHECKING, check_queued_at__lt=sent_before or now - CHECK_REQUEUE_AFTER)
    queued = 0
    for upload_id in list(Upload.objects.filter(free, stalled).values_list("pk", flat=True)):
        # Marked first: a sweep running beside this one does not send it twice.
        if Upload.objects.filter(free, stalled, pk=upload_id).update(check_queued_at=now):
            upload_check_task.delay(str(upload_id))
            queued += 1
    if queued:
        log.warning("%d stalled upload check(s) queued again", queued)
    return queued


def _upload_complete(upload, lease):
    """The last byte is in: the file becomes a submission (state complete) or is refused (state refused,
    the reason kept and the file removed; the Refusal goes on).

    submission_create moves a second name of the file (a hard link) into storage, so a failure other than
    a refusal, after it moved the file, leaves the .part in place for a retry: nothing received is lost."""
    part = upload_part_path(upload.pk)
    sha256 = _sha256_of(part, lease)
    lease.keep(CHECK_LEASE)
    clip_path = part.with_suffix(".clip")
    _remove(clip_path)
    try:
        os.link(part, clip_path)
    except OSError:
        clip_path = part
    clip = ReceivedClip(
        clip_path,
        name=upload.filename,
        size=upload.length,
        sha256=sha256,
        content_type=upload.metadata.get("filetype", ""),
    )
    registration = upload.registration
    try:
        genre = ClipGenre.objects.filter(pk=upload.metadata.get("genre"), contest=registration.contest_id).first()
        if genre is None:
            raise Refusal(_("Choose one of this contest's genres."), field="genre")
        submission = submission_create(
            registration=registration,
            title=upload.metadata.get("title", ""),
            genre=genre,
            summary=upload.metadata.get("summary", ""),
            clip=clip,
            received_at=upload.received_at,
        )
    except Refusal as refusal:
        upload.state, upload.refusal, upload.refusal_status = (
            Upload.State.REFUSED,
            str(refusal.message),
            refusal.status,
        )
        lease.release(state=upload.state, refusal=upload.refusal, refusal_status=upload.refusal_status)
        _remove(clip_path)
        _remove(part)
        log.info("upload %s refused: %s", upload.pk, upload.refusal)
        raise
    except BaseException:
        if clip_path != part:
            _remove(clip_path)
        raise
    finally:
        clip.close()
    upload.state, upload.submission = Upload.State.COMPLETE, submission
    lease.release(state=upload.state, submission=submission)
    _remove(part)
    log.info("upload %s became submission %s", upload.pk, submission.code)


def upload_terminate(*, upload):
    """Removes an unfinished upload and its bytes (tus termination). A clip already received stays:
    it is withdrawn from My clips instead."""
    if upload.state == Upload.State.COMPLETE:
        raise UploadAlreadyReceived(_("This clip is already received; withdraw it from My clips instead."))
    lease = _Lease(upload.pk)
    if not lease.acquire():
        raise UploadLocked(_("This upload is receiving a request; try again in a moment."))
    _remove(upload_part_path(upload.pk))
    Upload.objects.filter(pk=upload.pk, locked_until=lease.until).delete()
    log.info("upload %s terminated", upload.pk)


def upload_expire_stale(*, now=None):
    """Removes uploads (rows and bytes) unfinished or refused whose time ran out; returns how many.

    An upload a request is writing to holds its lease and is left alone, even past its expiry: that
    request will store a new expiry when it ends. Safe to run twice, or next to itself."""
    now = now or timezone.now()
    stale = {"state__in": [Upload.State.RECEIVING, Upload.State.REFUSED], "expires_at__lt": now}
    removed = 0
    for upload_id in list(Upload.objects.filter(**stale).values_list("pk", flat=True)):
        lease = _Lease(upload_id)
        if not lease.acquire(now=now, **stale):
            # A request holds it, or renewed it since we looked: not stale after all.
            continue
        _remove(upload_part_path(upload_id))
        Upload.objects.filter(pk=upload_id, locked_until=lease.until).delete()
        removed += 1
    if removed:
        log.info("%d expired uploads removed", removed)
    return removed
