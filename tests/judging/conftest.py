"""Fixtures of the judging app's tests: the committee, judges in the jury, finalists made directly (with a real
preview when a test plays or fetches it), and clients signed in as each, reading English.

The authors' names and organisation are distinctive, so a test can check that no page a judge reaches shows them."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from submissions.models import CoAuthor, Registration, Submission
from tests.clips import make_clip, make_jpeg
from tests.staff import make_staff

AUTHOR = "Lò Thị Bí Mật"
GROUP = "Nhóm Bản Mòng Số"
COAUTHOR = "Cầm Văn Ẩn Danh"
ORGANISATION = "Trường THCS Chiềng Cơi Bí Mật"


@pytest.fixture
def committee(db):
    return make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")


@pytest.fixture
def judges(db):
    """Three judges, in the order assignments go round them."""
    return [
        make_staff(f"giamkhao{index}@example.com", "jury", full_name=f"Giám Khảo {name}")
        for index, name in enumerate(["An", "Bình", "Chi"], start=1)
    ]


@pytest.fixture
def judge(judges):
    return judges[0]


@pytest.fixture
def other_judge(judges):
    return judges[1]


@pytest.fixture(scope="session")
def preview_bytes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("previews")
    return make_clip(folder / "preview.mp4", seconds=1.0).read_bytes(), make_jpeg(
        folder / "thumbnail.jpg", width=320, height=180
    ).read_bytes()


@pytest.fixture
def make_finalists(contest, preview_bytes):
    """make_finalists(count, with_preview=False) -> finalists of the contest, by one group of authors."""
    made = []

    def _make(count, *, with_preview=False, status=Submission.Status.SHORTLISTED):
        if not made:
            user = get_user_model().objects.create_user(
                email="tacgia@example.com", password="a-long-test-password"
            )
            registration = Registration.objects.create(
                contest=contest,
                user=user,
                full_name=AUTHOR,
                group_name=GROUP,
                id_number="014190001234",
                email=user.email,
                phone="0912345678",
                organisation=ORGANISATION,
                address="Bản Mòng, Thành phố Sơn La",
            )
            CoAuthor.objects.create(
                registration=registration,
                full_name=COAUTHOR,
                date_of_birth="1985-02-03",
                id_number="014085004321",
            )
        registration = Registration.objects.get(contest=contest, user__email="tacgia@example.com")
        clips = []
        for _ in range(count):
            index = len(made) + 1
            clip = Submission.objects.create(
                contest=contest,
                registration=registration,
                sequence=index,
                code=f"{contest.code_prefix}-{index:04d}",
                title=f"Chuyển đổi số ở bản số {index}",
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
            if with_preview:
                preview, thumbnail = preview_bytes
                clip.preview.save("preview.mp4", ContentFile(preview), save=False)
                clip.thumbnail.save("thumbnail.jpg", ContentFile(thumbnail), save=False)
                clip.save(update_fields=["preview", "thumbnail"])
            made.append(clip)
            clips.append(clip)
        return clips

    return _make


def signed_in(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client
