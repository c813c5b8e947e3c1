"""The signing of a contest's certificates, set on its final round in the admin: the place and date line in
Vietnamese, the signatory's title and name, the seal or signature image the committee uploads (a PNG or JPEG,
checked by its content, kept where no public address reaches it)."""

import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfReader

from judging.certificates import certificate_author_pdf, certificate_pdf, certificates_pdf
from judging.models import Award, FinalRound
from judging.signing import signing_line
from tests.finalists import TITLES
from tests.staff import make_staff

from .conftest import signed_in
from .results_setup import set_prize_counts

pytestmark = pytest.mark.django_db

SIGNED = {
    "certificate_place": "Sơn La",
    "certificate_signed_on": datetime.date(2024, 12, 15),
    "certificate_signatory": "TM. BAN TỔ CHỨC\nTRƯỞNG BAN",
    "certificate_signatory_name": "Nguyễn Thị Hải Vân",
}


@pytest.fixture
def award(contest, committee, make_finalists):
    clip = make_finalists(titles=TITLES[:1])[0]
    return Award.objects.create(
        tier=set_prize_counts(contest, nhat=1)["nhat"], submission=clip, rank=1, awarded_by=committee
    )


@pytest.fixture
def final_round(contest):
    return FinalRound.objects.get_or_create(contest=contest)[0]


def _png(size=(300, 300), mode="RGBA"):
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 20, 20, 160) if mode == "RGBA" else (200, 20, 20)).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg(size=(300, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 20, 20)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _images(data):
    return [image for page in PdfReader(io.BytesIO(data)).pages for image in page.images]


def _sign(final_round, **fields):
    FinalRound.objects.filter(pk=final_round.pk).update(**{**SIGNED, **fields})


def _with_seal(final_round, data, name="con-dau.png"):
    final_round.refresh_from_db()
    final_round.certificate_seal.save(name, ContentFile(data))
    return final_round


class TestTheSigningLine:
    def test_it_reads_as_a_vietnamese_official_document_writes_it(self):
        assert signing_line(place="Sơn La", day=datetime.date(2024, 12, 15)) == "Sơn La, ngày 15 tháng 12 năm 2024"

    def test_small_days_and_the_first_two_months_take_a_leading_zero(self):
        assert signing_line(place="Sơn La", day=datetime.date(2025, 2, 5)) == "Sơn La, ngày 05 tháng 02 năm 2025"
        assert signing_line(place="Sơn La", day=datetime.date(2025, 3, 9)) == "Sơn La, ngày 09 tháng 3 năm 2025"

    def test_without_a_place_it_is_the_date_alone(self):
        assert signing_line(place="", day=datetime.date(2024, 12, 15)) == "Ngày 15 tháng 12 năm 2024"


class TestTheCertificate:
    def test_it_bears_the_place_the_date_the_title_and_the_name(self, award, final_round):
        _sign(final_round)

        text = _text(certificate_pdf(award=award))

        assert "Sơn La, ngày 15 tháng 12 năm 2024" in text
        assert "TM. BAN TỔ CHỨC" in text and "TRƯỞNG BAN" in text
        assert "Nguyễn Thị Hải Vân" in text

    def test_it_is_vietnamese_whatever_language_is_active(self, award, final_round):
        _sign(final_round)

        with translation.override("en"):
            text = _text(certificate_pdf(award=award))

        assert "Sơn La, ngày 15 tháng 12 năm 2024" in text
        assert "December" not in text

    def test_without_a_date_of_signing_it_is_dated_the_day_the_results_were_published(self, award, final_round):
        _sign(final_round, certificate_signed_on=None, results_published_at=timezone.now())
        final_round.refresh_from_db()
        day = timezone.localdate(final_round.results_published_at)

        text = _text(certificate_pdf(award=award))

        assert signing_line(place="Sơn La", day=day) in text

    def test_without_a_place_or_signatory_it_draws_as_before(self, award, final_round):
        FinalRound.objects.filter(pk=final_round.pk).update(certificate_signed_on=datetime.date(2024, 12, 15))

        data = certificate_pdf(award=award)
        text = _text(data)

        assert "Ngày 15 tháng 12 năm 2024" in text and "Sơn La, ngày" not in text
        assert "TM. BAN TỔ CHỨC" in text and "TRƯỞNG BAN" not in text
        assert _images(data) == []

    def test_with_a_seal_the_pdf_holds_an_image_on_every_page(self, award, final_round, contest):
        _sign(final_round)
        _with_seal(final_round, _png())

        data = certificates_pdf([award, award])

        assert len(_images(data)) == 2
        assert "Nguyễn Thị Hải Vân" in _text(data)

    def test_a_jpeg_signature_is_drawn_too(self, award, final_round):
        _sign(final_round)
        _with_seal(final_round, _jpeg(), name="chu-ky.jpg")

        assert len(_images(certificate_pdf(award=award))) == 1

    def test_an_authors_own_certificate_from_my_clips_is_signed_too(self, award, final_round):
        _sign(final_round)
        _with_seal(final_round, _png())
        author = award.submission.authors.first()

        data = certificate_author_pdf(submission=award.submission, author=author)

        assert "Sơn La, ngày 15 tháng 12 năm 2024" in _text(data)
        assert len(_images(data)) == 1

    def test_a_seal_gone_from_storage_leaves_the_certificate_without_it(self, award, final_round):
        _sign(final_round)
        default_storage.delete(_with_seal(final_round, _png()).certificate_seal.name)

        data = certificate_pdf(award=award)

        assert _images(data) == [] and "Nguyễn Thị Hải Vân" in _text(data)


class TestTheCommitteesPage:
    @pytest.fixture
    def committee_client(self, client, committee, final_round):
        return signed_in(client, committee)

    def _url(self, final_round):
        return reverse("admin:judging_finalround_change", args=[final_round.pk])

    def _data(self, final_round, **fields):
        return {
            "assignment": final_round.assignment,
            "judges_per_clip": final_round.judges_per_clip,
            "min_scorecards": final_round.min_scorecards,
            "method": final_round.method,
            "disagreement_threshold": str(final_round.disagreement_threshold),
            "blind": "on",
            "certificate_place": "Sơn La",
            "certificate_signed_on": "2024-12-15",
            "certificate_signatory": "TM. BAN TỔ CHỨC\r\nTRƯỞNG BAN",
            "certificate_signatory_name": "Nguyễn Thị Hải Vân",
            **fields,
        }

    def test_it_hints_that_the_place_and_signatory_are_missing(self, committee_client, final_round):
        html = committee_client.get(self._url(final_round)).content.decode()

        assert 'id="certificate-signing-missing"' in html

    def test_the_committee_signs_with_a_seal_image(self, committee_client, final_round):
        response = committee_client.post(
            self._url(final_round),
            self._data(final_round, certificate_seal=SimpleUploadedFile("dau.png", _png(), "image/png")),
        )

        assert response.status_code == 302
        final_round.refresh_from_db()
        assert final_round.certificate_place == "Sơn La"
        assert final_round.certificate_signed_on == datetime.date(2024, 12, 15)
        assert final_round.certificate_signatory_name == "Nguyễn Thị Hải Vân"
        assert final_round.certificate_seal.name.startswith(f"certificate-seals/{final_round.contest.slug}/")
        html = committee_client.get(self._url(final_round)).content.decode()
        assert 'id="certificate-signing-missing"' not in html
        # The committee sees what it uploaded, through its own page.
        seal = committee_client.get(reverse("admin:judging_finalround_seal", args=[final_round.pk]))
        assert seal.status_code == 200 and seal["Content-Type"] == "image/png"
        assert "no-store" in seal["Cache-Control"]
        assert reverse("admin:judging_finalround_seal", args=[final_round.pk]) in html

    def test_a_replaced_seal_leaves_the_storage(
        self, committee_client, final_round, django_capture_on_commit_callbacks
    ):
        old = _with_seal(final_round, _png()).certificate_seal.name

        with django_capture_on_commit_callbacks(execute=True):
            response = committee_client.post(
                self._url(final_round),
                self._data(final_round, certificate_seal=SimpleUploadedFile("moi.jpg", _jpeg(), "image/jpeg")),
            )

        assert response.status_code == 302
        final_round.refresh_from_db()
        assert final_round.certificate_seal.name != old
        assert not default_storage.exists(old) and default_storage.exists(final_round.certificate_seal.name)

    def test_a_file_that_is_not_an_image_is_refused_with_a_message(self, committee_client, final_round):
        response = committee_client.post(
            self._url(final_round),
            self._data(
                final_round, certificate_seal=SimpleUploadedFile("dau.png", b"%PDF-1.4 not a seal", "image/png")
            ),
        )

        assert response.status_code == 200
        assert "Upload a PNG or JPEG image of the seal or signature." in response.content.decode()
        final_round.refresh_from_db()
        assert not final_round.certificate_seal and final_round.certificate_place == ""

    def test_a_gif_and_an_oversized_image_are_refused(self, committee_client, final_round):
        gif = io.BytesIO()
        Image.new("RGB", (10, 10)).save(gif, format="GIF")
        for upload, message in [
            (SimpleUploadedFile("dau.gif", gif.getvalue()), "Upload a PNG or JPEG image"),
            (SimpleUploadedFile("dau.png", _png(size=(4100, 10), mode="RGB")), "at most 4000 pixels"),
            (SimpleUploadedFile("dau.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024)), "at most 2 MB"),
        ]:
            response = committee_client.post(
                self._url(final_round), self._data(final_round, certificate_seal=upload)
            )
            assert response.status_code == 200
            assert message in response.content.decode()

    def test_a_title_of_three_lines_is_refused(self, committee_client, final_round):
        response = committee_client.post(
            self._url(final_round),
            self._data(final_round, certificate_signatory="KT. TRƯỞNG BAN\nPHÓ\nTRƯỞNG BAN"),
        )

        assert response.status_code == 200
        assert "The title has at most two lines" in response.content.decode()


class TestTheSealIsPrivate:
    def test_it_has_no_public_address(self, client, final_round):
        name = _with_seal(final_round, _png()).certificate_seal.name

        # No address of the portal serves MEDIA_ROOT (nginx's location for it is internal, deploy/nginx).
        assert (Path(settings.MEDIA_ROOT) / name).is_file()
        for address in (f"/media/{name}", f"/{name}", f"/static/{name}", f"/{default_storage.url(name)}"):
            assert client.get(address).status_code == 404

    def test_only_the_committee_fetches_it_from_the_admin(self, client, final_round, judges):
        _with_seal(final_round, _png())
        url = reverse("admin:judging_finalround_seal", args=[final_round.pk])

        assert client.get(url).status_code == 302  # to the log-in page
        signed_in(client, judges[0])
        assert client.get(url).status_code in (403, 404)
        signed_in(client, make_staff("vanphong@example.com", "office"))
        assert client.get(url).status_code in (403, 404)
