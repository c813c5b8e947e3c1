"""Accompanying documents: PDF, DOCX or ODT, recognised by their content, not their name."""

import zipfile

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class DocumentRejected(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def document_kind(file):
    """'pdf', 'docx', 'odt' or None, from the bytes of an uploaded or stored file."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
            if "mimetype" in names and archive.read("mimetype").strip() == ODT_MIMETYPE:
                return "odt"
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    finally:
        file.seek(0)
    return None


def check_document(file):
    if file.size > settings.DOCUMENT_MAX_BYTES:
        raise DocumentRejected(
            _("%(name)s is too large; a document may be at most %(max)s.")
            % {"name": file.name, "max": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        )
    if document_kind(file) is None:
        raise DocumentRejected(_("%(name)s is not a PDF, DOCX or ODT document.") % {"name": file.name})
