"""Finalists made directly in the database, as the preliminary round leaves them, for the tests of the final
round, the results and their pages (browser ones included). The `make_finalists` fixture (tests/conftest.py)
calls `make_finalists` here for the test's contest.

Each finalist is by an entrant of their own ("Lò Văn Tác Giả 1", ...) unless `one_group` puts them all under one
group of authors whose names, organisation and contacts are distinctive, so a test can check that no page a judge
reaches shows them."""

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from submissions.models import CoAuthor, Registration, Submission
from submissions.services import submission_authors_record
from tests.clips import make_clip, make_jpeg

AUTHOR = "Lò Thị Bí Mật"
GROUP = "Nhóm Bản Mòng Số"
COAUTHOR = "Cầm Văn Ẩn Danh"
ORGANISATION = "Trường THCS Chiềng Cơi Bí Mật"
AUTHOR_EMAIL = "tacgia@example.com"
COAUTHOR_EMAIL = "dongtacgia@example.com"

TITLES = [
    "Chợ phiên trên điện thoại",
    "Bản em lên số",
    "Dịch vụ công trực tuyến ở Mường La",
    "Thanh toán không tiền mặt",
    "Sổ tay điện tử của bà con",
    "Nông sản Sơn La lên sàn",
]


def media_for_previews(folder):
    """(preview bytes, thumbnail bytes): a real one-second MP4 and a JPEG."""
    preview = make_clip(folder / "preview.mp4", seconds=1.0).read_bytes()
    thumbnail = make_jpeg(folder / "thumbnail.jpg", width=320, height=180).read_bytes()
    return preview, thumbnail


def _group(contest):
    registration = Registration.objects.filter(contest=contest, user__email=AUTHOR_EMAIL).first()
    if registration is not None:
        return registration
    user = get_user_model().objects.create_user(email=AUTHOR_EMAIL, password="a-long-test-password")
    registration = Registration.objects.create(
        contest=contest,
        user=user,
        full_name=AUTHOR,
        group_name=GROUP,
        id_number="014190001234",
        email=AUTHOR_EMAIL,
        phone="0912345678",
        organisation=ORGANISATION,
        address="Bản Mòng, Thành phố Sơn La",
    )
    # A co-author who has confirmed by the mailed link: the clip may be awarded.
    CoAuthor.objects.create(
        registration=registration,
        full_name=COAUTHOR,
        email=COAUTHOR_EMAIL,
        date_of_birth="1985-02-03",
        id_number="014085004321",
        confirmed_at=timezone.now(),
    )
    return registration


def _entrant(contest, index):
    user = get_user_model().objects.create_user(
        email=f"tacgia{index}@example.com", password="a-long-test-password"
    )
    return Registration.objects.create(
        contest=contest,
        user=user,
        full_name=f"Lò Văn Tác Giả {index}",
        id_number=f"0141900{index:05d}",
        email=user.email,
        organisation="Trường THPT Chuyên Sơn La",
    )


def make_finalists(
    contest, count=None, *, titles=None, one_group=False, previews=None, status=Submission.Status.SHORTLISTED
):
    """Clips of `contest` in `status` (finalists by default), numbered on from its last clip: one per title of
    `titles`, or `count` of them with numbered titles; `previews` is (preview bytes, thumbnail bytes) to store
    with each."""
    last = contest.submissions.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    if titles is None:
        titles = [f"Chuyển đổi số ở bản số {index}" for index in range(last + 1, last + count + 1)]
    clips = []
    for index, title in enumerate(titles, start=last + 1):
        clip = Submission.objects.create(
            contest=contest,
            registration=_group(contest) if one_group else _entrant(contest, index),
            sequence=index,
            code=f"{contest.code_prefix}-{index:04d}",
            title=title,
            genre=contest.genres.first(),
            summary=f"Clip số {index} kể chuyện bà con dùng dịch vụ công trực tuyến.",
            status=status,
            clip=f"clips/{contest.slug}/{index}.mp4",
            original_filename=f"{index}.mp4",
            size=1000,
            sha256="0" * 64,
            container="mp4",
            duration=62.0,
            width=1280,
            height=720,
            video_codec="h264",
            media_state=Submission.MediaState.READY,
        )
        submission_authors_record(submission=clip)
        if previews is not None:
            preview, thumbnail = previews
            clip.preview.save("preview.mp4", ContentFile(preview), save=False)
            clip.thumbnail.save("thumbnail.jpg", ContentFile(thumbnail), save=False)
            clip.save(update_fields=["preview", "thumbnail"])
        clips.append(clip)
    return clips
