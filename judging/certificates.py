"""Certificates (giấy chứng nhận) for the authors of awarded clips: a printable A4 PDF, one page per author.

Drawn with fpdf2 in the Noto Sans the share images use (static/fonts, under the OFL), embedded as a subset so
every Vietnamese letter prints as typed on any printer, and extractable as text. The wording is the official
Vietnamese of a certificate, whatever language the committee's screens are in: it is the document handed out."""

import logging
import unicodedata

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from submissions.share_image import TEXT_FONT, TITLE_FONT

from .models import Award, FinalRound

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


def _wording(contest):
    final_round = FinalRound.objects.filter(contest=contest).first() or FinalRound(contest=contest)
    return final_round.certificate_wording()


def _page(pdf, award, author, organisation, *, issued_on):
    submission = award.submission
    contest = submission.contest
    registration = submission.registration
    pdf.add_page()
    pdf.frame()
    pdf.set_y(20)
    pdf.centred("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, style="B", space_after=0.5)
    pdf.centred("Độc lập - Tự do - Hạnh phúc", size=12, style="B", space_after=8)
    title, issuer, signatory = _wording(contest)
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
    pdf.set_y(pdf.h - 52)
    pdf.set_x(pdf.w / 2)
    pdf.set_font(FAMILY, "", 12)
    pdf.set_text_color(*_INK)
    pdf.cell(
        pdf.w / 2 - pdf.r_margin,
        7,
        f"Ngày {issued_on.day} tháng {issued_on.month} năm {issued_on.year}",
        align="C",
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(pdf.w / 2 - pdf.r_margin, 7, signatory, align="C")


def certificates_pdf(awards, *, author=None):
    """The certificates of these awards (from certificate_awards or certificate_pdf) as PDF bytes: a page for
    each author of each awarded clip, or only for `author` (one of the clips' SubmissionAuthor), dated the day
    the results were published (today until then)."""
    pdf = _Certificate()
    for award in awards:
        contest = award.submission.contest
        published = getattr(getattr(contest, "judging", None), "results_published_at", None)
        issued_on = timezone.localdate(published or timezone.now())
        pdf.set_title(_text(f"Giấy chứng nhận — {contest.short_name}"))
        people = (
            certificate_authors(award.submission) if author is None else [(author.full_name, author.organisation)]
        )
        for name, organisation in people:
            _page(pdf, award, name, organisation, issued_on=issued_on)
    return bytes(pdf.output())


def certificate_pdf(*, award):
    """The certificates of one award's authors, as PDF bytes."""
    return certificates_pdf(_awards(Award.objects.filter(pk=award.pk)))


def certificate_author_pdf(*, submission, author):
    """The certificates of one author of an awarded clip, a page for each prize the clip won, as PDF bytes;
    None when the clip won nothing."""
    awards = list(_awards(Award.objects.filter(submission=submission)).order_by("tier__order", "rank", "id"))
    return certificates_pdf(awards, author=author) if awards else None
