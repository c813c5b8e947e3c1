"""Certificates (giấy chứng nhận) for the authors of awarded clips: a printable A4 PDF, one page per author.

Drawn with fpdf2 in the Noto Sans the share images use (static/fonts, under the OFL), embedded as a subset so
every Vietnamese letter prints as typed on any printer, and extractable as text. The wording is the official
Vietnamese of a certificate, whatever language the committee's screens are in: it is the document handed out."""

import io
import logging
import unicodedata

from django.core.files.storage import default_storage
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from submissions.share_image import TEXT_FONT, TITLE_FONT

from .models import Award, FinalRound
from .signing import signatory_title_lines, signing_line

log = logging.getLogger(__name__)
FAMILY = "NotoSans"
# fontTools logs every step of subsetting a font at INFO, a screenful for each certificate.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
_INK = (24, 33, 48)
_ACCENT = (11, 92, 171)
_GOLD = (176, 136, 38)


def _text(value):
    # Names typed on some phones arrive with the marks as separate characters; the font draws composed ones.
    return unicodedata.normalize("NFC", " ".join(str(value).split()))


def certificate_authors(submission):
    """Everyone a certificate is made for, as (full name, organisation): the clip's recorded authors, the
    registrant first, whatever the registration form says now."""
    return [(author.full_name, author.organisation) for author in submission.authors.all()]


def _awards(queryset):
    return queryset.select_related(
        "tier", "submission__contest__judging", "submission__registration"
    ).prefetch_related("submission__authors")


def certificate_awards(*, contest):
    """The awards of a contest in the order of the prize list, with what a certificate needs."""
    return list(_awards(Award.objects.filter(tier__contest=contest)).order_by("tier__order", "rank", "id"))


class _Certificate(FPDF):
    def __init__(self):
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.add_font(FAMILY, "", str(TEXT_FONT))
        self.add_font(FAMILY, "B", str(TITLE_FONT))
        self.set_auto_page_break(False)
        self.set_margins(22, 18, 22)
        self.set_creator("contest-portal")

    def centred(self, text, *, size, style="", colour=_INK, space_after=2.0):
        self.set_font(FAMILY, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, _text(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(space_after)

    def frame(self):
        self.set_draw_color(*_ACCENT)
        self.set_line_width(1.6)
        self.rect(8, 8, self.w - 16, self.h - 16)
        self.set_draw_color(*_GOLD)
        self.set_line_width(0.5)
        self.rect(12, 12, self.w - 24, self.h - 24)


def _final_round(contest):
    # Selected with the awards (_awards); a contest whose round was never configured prints the defaults.
    return getattr(contest, "judging", None) or FinalRound(contest=contest)


def _seal_image(final_round):
    """The seal or signature the committee uploaded, as bytes fpdf2 can draw, or None: a file gone from the
    storage leaves a blank above the name rather than no certificate at all."""
    if not final_round.certificate_seal:
        return None
    try:
        with default_storage.open(final_round.certificate_seal.name, "rb") as file:
            return io.BytesIO(file.read())
    except OSError:
        log.warning(
            "Seal of %s missing from storage: %s", final_round.contest_id, final_round.certificate_seal.name
        )
        return None


_SIGNING_WIDTH = 100  # mm: the signing block, at the bottom right
_SIGNING_BOTTOM = 16  # mm from the page's foot: just inside the frame
_LINE = 6.5
_SEAL_HEIGHT = 24  # mm: the space between the title and the name, where the seal or signature goes
_SEAL_LEAST = 12


def _signing(pdf, final_round, *, issued_on, seal):
    """The signing block at the bottom right, as Vietnamese certificates have it: the place and date, the
    signatory's title (one line or two), the seal or signature over the space left for it, the name. Below
    whatever the page says above it: a long honour takes from the space of the seal, never covered by it."""
    _title, _issuer, signatory = final_round.certificate_wording()
    titles = signatory_title_lines(signatory)
    name = final_round.certificate_signatory_name.strip()
    signed = bool(name or seal)
    bottom = pdf.h - _SIGNING_BOTTOM - (_LINE if signed else 0)
    lines_top = bottom - _LINE * (1 + len(titles)) - (_SEAL_HEIGHT if signed else 0)
    top = max(lines_top, pdf.get_y() + 1)
    space = _SEAL_HEIGHT - (top - lines_top)
    if signed and space < _SEAL_LEAST:
        top, space = top - (_SEAL_LEAST - space), _SEAL_LEAST
    x = pdf.w - pdf.r_margin - _SIGNING_WIDTH
    pdf.set_xy(x, top)
    pdf.set_text_color(*_INK)
    pdf.set_font(FAMILY, "", 12)
    line = signing_line(place=_text(final_round.certificate_place), day=issued_on)
    pdf.cell(_SIGNING_WIDTH, _LINE, line, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 12)
    for title in titles:
        pdf.cell(_SIGNING_WIDTH, _LINE, _text(title), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    if not signed:
        return
    if seal is not None:
        pdf.image(seal, x=x, y=pdf.get_y() + 1, w=_SIGNING_WIDTH, h=space - 2, keep_aspect_ratio=True)
    pdf.set_xy(x, pdf.get_y() + space)
    if name:
        pdf.cell(_SIGNING_WIDTH, _LINE, _text(name), align="C")


def _page(pdf, award, author, organisation, *, issued_on, seal):
    submission = award.submission
    contest = submission.contest
    registration = submission.registration
    final_round = _final_round(contest)
    pdf.add_page()
    pdf.frame()
    # High enough on the page to leave the signing block, seal included, its room below the prize.
    pdf.set_y(17)
    pdf.centred("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, style="B", space_after=0.5)
    pdf.centred("Độc lập - Tự do - Hạnh phúc", size=12, style="B", space_after=5)
    title, issuer, _signatory = final_round.certificate_wording()
    pdf.centred(title, size=30, style="B", colour=_ACCENT, space_after=3)
    pdf.centred(issuer, size=13, space_after=1)
    pdf.centred("chứng nhận", size=13, space_after=4)
    pdf.centred(author, size=26, style="B", colour=_ACCENT, space_after=1)
    if organisation:
        pdf.centred(organisation, size=12, space_after=1)
    if registration.group_name:
        pdf.centred(f"thành viên nhóm tác giả {registration.group_name}", size=12, space_after=1)
    pdf.ln(2)
    pdf.centred("tác giả clip dự thi", size=13, space_after=1)
    pdf.centred(f"“{submission.title}”", size=17, style="B", space_after=1)
    pdf.centred(f"Mã clip: {submission.code}", size=11, space_after=4)
    pdf.centred(f"đã đạt {award.tier.name}", size=20, style="B", colour=_GOLD, space_after=1)
    if award.tier.honour:
        pdf.centred(award.tier.honour, size=12, space_after=1)
    _signing(pdf, final_round, issued_on=issued_on, seal=seal)


def signed_on(final_round):
    """The date a contest's certificates bear: the committee's date of signing, else the day the results were
    published (today until then)."""
    if final_round.certificate_signed_on:
        return final_round.certificate_signed_on
    return timezone.localdate(final_round.results_published_at or timezone.now())


def certificates_pdf(awards, *, author=None):
    """The certificates of these awards (from certificate_awards or certificate_pdf) as PDF bytes: a page for
    each author of each awarded clip, or only for `author` (one of the clips' SubmissionAuthor), dated as
    signed_on says."""
    pdf = _Certificate()
    seals = {}
    for award in awards:
        contest = award.submission.contest
        final_round = _final_round(contest)
        if contest.pk not in seals:
            seals[contest.pk] = _seal_image(final_round)
        pdf.set_title(_text(f"Giấy chứng nhận — {contest.short_name}"))
        people = (
            certificate_authors(award.submission) if author is None else [(author.full_name, author.organisation)]
        )
        for name, organisation in people:
            _page(pdf, award, name, organisation, issued_on=signed_on(final_round), seal=seals[contest.pk])
    return bytes(pdf.output())


def certificate_pdf(*, award):
    """The certificates of one award's authors, as PDF bytes."""
    return certificates_pdf(_awards(Award.objects.filter(pk=award.pk)))


def certificate_author_pdf(*, submission, author):
    """The certificates of one author of an awarded clip, a page for each prize the clip won, as PDF bytes;
    None when the clip won nothing."""
    awards = list(_awards(Award.objects.filter(submission=submission)).order_by("tier__order", "rank", "id"))
    return certificates_pdf(awards, author=author) if awards else None
