import hashlib

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict


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
