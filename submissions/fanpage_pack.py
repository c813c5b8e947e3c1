"""The fanpage pack, for the communications staff: a ZIP of every finalist's preview, share image and caption."""

import io
import logging
import shutil
import tempfile
import zipfile

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from contest_portal.permissions import may_export_submissions, may_publish_finalists
from contest_portal.spreadsheets import CsvWriter

from .gallery import with_shown_authors
from .models import Submission
from .share_image import share_image
from .staff import staff_contest

log = logging.getLogger(__name__)

# The fanpage pack, for the communications staff.


def may_export_fanpage_pack(user):
    return may_publish_finalists(user) or may_export_submissions(user)


def fanpage_pack_write(*, contest, file, page_url):
    """Writes the ZIP the communications staff post from into `file`: for each finalist its preview, its
    share image and its caption, in a folder named by its code; and every caption in chu-thich.txt and
    chu-thich.csv. `page_url(finalist)` is the absolute address of its share page.

    Works before publication too, so the posts can be ready when the gallery opens."""
    finalists = Submission.objects.filter(contest=contest).finalists().select_related("contest", "genre")
    finalists = with_shown_authors(finalists.order_by("sequence"), contest)
    captions = []
    table = io.StringIO()
    writer = CsvWriter(table)
    writer.writerow(["Mã clip", "Tên clip", "Thể loại", "Tác giả", "Trang chia sẻ", "Tệp xem trước", "Chú thích"])
    # Videos and JPEGs are compressed already; only the text is worth deflating.
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for finalist in finalists:
            folder = finalist.code
            url = page_url(finalist)
            caption = render_to_string(
                "submissions/share_caption.txt", {"contest": contest, "finalist": finalist, "url": url}
            ).strip()
            captions.append(caption)
            archive.writestr(f"{folder}/{folder}.txt", caption + "\n", compress_type=zipfile.ZIP_DEFLATED)
            with default_storage.open(share_image(finalist), "rb") as image:
                archive.writestr(f"{folder}/{folder}.jpg", image.read())
            preview = _add_preview(archive, finalist, f"{folder}/{folder}.mp4")
            writer.writerow(
                [finalist.code, finalist.title, finalist.genre.name, finalist.shown_authors, url, preview, caption]
            )
        archive.writestr(
            "chu-thich.txt", "\n\n-----\n\n".join(captions) + "\n", compress_type=zipfile.ZIP_DEFLATED
        )
        # With its byte-order mark Excel reads the CSV as UTF-8, and the Vietnamese letters survive.
        archive.writestr("chu-thich.csv", "\ufeff" + table.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    return len(finalists)


def _add_preview(archive, finalist, name):
    """Copies the preview into the archive in blocks; returns its name there, or a note when there is none."""
    if not finalist.preview:
        return "chưa có"
    try:
        with finalist.preview.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
    except FileNotFoundError:
        log.warning("Fanpage pack of %s: the preview of %s is missing", finalist.contest.slug, finalist.code)
        return "chưa có"
    return name


@require_safe
def fanpage_pack(request, slug):
    contest = staff_contest(request, slug)
    if not may_export_fanpage_pack(request.user):
        raise PermissionDenied
    # On disk, not in memory: with the previews the pack runs to hundreds of megabytes.
    file = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        fanpage_pack_write(
            contest=contest,
            file=file,
            page_url=lambda finalist: request.build_absolute_uri(
                reverse("submissions:finalist", args=[contest.slug, finalist.code])
            ),
        )
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return FileResponse(
        file, as_attachment=True, filename=f"goi-fanpage-{contest.slug}.zip", content_type="application/zip"
    )
