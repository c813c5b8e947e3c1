"""Certificates: a PDF with the Noto Sans font embedded, a page per author, and the Vietnamese names and titles
there as text (extracted again with pypdf), even when typed with separate combining marks."""

import io
import unicodedata

import pytest
from django.urls import reverse
from pypdf import PdfReader

from judging.certificates import certificate_awards, certificate_pdf, certificates_pdf
from judging.prizes import side_prize_designate
from submissions.models import CoAuthor, Submission, SubmissionAuthor
from tests.finalists import TITLES
from tests.staff import make_staff

from .results_setup import set_prize_counts

pytestmark = pytest.mark.django_db

TITLE = "Người Mông ở Tà Xùa bán chè Shan tuyết qua mạng"


@pytest.fixture
def award(contest, committee, make_finalists):
    clip = make_finalists(titles=TITLES[:1])[0]
    # As some phones send it: the letters and their marks apart.
    Submission.objects.filter(pk=clip.pk).update(title=unicodedata.normalize("NFD", TITLE))
    registration = clip.registration
    registration.group_name = "Nhóm Bản Em"
    registration.save()
    # The clip's authors as recorded when it was submitted.
    clip.authors.update(full_name="Lò Thị Ánh Nguyệt")
    SubmissionAuthor.objects.create(
        submission=clip,
        order=1,
        full_name="Quàng Văn Đức",
        date_of_birth="2001-01-01",
        id_number="014301000001",
        organisation="Đoàn Thanh niên xã Chiềng Cơi",
    )
    tier = set_prize_counts(contest, phu=1)["phu"]
    return side_prize_designate(tier=tier, submission=clip, user=committee, reason="Nhiều lượt xem nhất.")


def _reader(data):
    return PdfReader(io.BytesIO(data))


def _embedded_fonts(reader):
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor:
                    fonts.add(str(descriptor["/FontName"]).split("+", 1)[-1])
    return fonts


def test_a_certificate_is_a_pdf_with_a_page_per_author(award):
    data = certificate_pdf(award=award)

    assert data.startswith(b"%PDF")
    reader = _reader(data)
    assert len(reader.pages) == 2
    first, second = (page.extract_text() for page in reader.pages)
    for text in ("GIẤY CHỨNG NHẬN", "Lò Thị Ánh Nguyệt", "Nhóm Bản Em", TITLE, award.submission.code, "Giải phụ"):
        assert text in first
    assert "Quàng Văn Đức" in second and "Đoàn Thanh niên xã Chiềng Cơi" in second
    assert award.tier.contest.name in first


def test_certificates_name_the_clips_recorded_authors_not_what_the_registration_says_now(
    contest, committee, make_finalists
):
    clip = make_finalists(titles=TITLES[:1])[0]
    registration = clip.registration
    registration.full_name = "Tên Sửa Sau"
    registration.save()
    CoAuthor.objects.create(
        registration=registration, full_name="Người Thêm Sau", date_of_birth="2001-01-01", id_number="014301000001"
    )
    tier = set_prize_counts(contest, phu=1)["phu"]
    award = side_prize_designate(tier=tier, submission=clip, user=committee, reason="Nhiều lượt xem nhất.")

    reader = _reader(certificate_pdf(award=award))

    [page] = reader.pages
    text = page.extract_text()
    assert "Lò Văn Tác Giả 1" in text
    assert "Tên Sửa Sau" not in text and "Người Thêm Sau" not in text


def test_the_noto_font_is_embedded(award):
    reader = _reader(certificate_pdf(award=award))

    # Embedded (FontFile2), as subsets: the regular face and the bold one, nothing else.
    assert _embedded_fonts(reader) == {"NotoSans", "NotoSansBold"}


def test_all_certificates_of_a_contest_in_one_file(contest, award):
    reader = _reader(certificates_pdf(certificate_awards(contest=contest)))

    assert len(reader.pages) == 2


def test_the_committee_downloads_them_and_a_judge_may_not(client, contest, committee, award):
    judge = make_staff("giamkhao@example.com", "jury")
    url = reverse("admin:judging_award_certificate", args=[award.pk])

    client.force_login(committee)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(reverse("admin:judging_award_certificates", args=[contest.slug])).status_code == 200

    client.force_login(judge)
    assert client.get(url).status_code == 403
