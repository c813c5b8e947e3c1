"""The final round's spreadsheets (XLSX) for the committee's files: each judge's score sheet (phiếu chấm điểm),
the summary table (bảng tổng hợp điểm) and the prize list with amounts.

The score sheets and the summary are made from a ranking run's stored inputs and results, so they show exactly
the numbers that run ranked, whatever changed since. They name clips by code and title; the authors' names are
only in the prize list, which is made from the awards."""

import re
import tempfile
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from contest_portal.numbers import MEAN, POINTS, WEIGHTED_TOTAL, ZSCORE, xlsx_number_format
from contest_portal.permissions import (
    may_approve_ranking,
    may_award,
    may_publish_results,
    may_rank,
    may_view_awards,
    may_view_runs,
)
from contest_portal.spreadsheets import xlsx_cell
from submissions.models import Submission

from .prizes import prize_list

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT_FORMAT = '#,##0 "đ"'
# Characters a sheet's title may not hold.
_NOT_IN_TITLES = re.compile(r"[\[\]:*?/\\]")


def may_export_runs(user):
    return may_view_runs(user) or may_rank(user) or may_approve_ranking(user)


def may_export_prizes(user):
    return may_view_awards(user) or may_award(user) or may_publish_results(user)


def _header(sheet, titles, widths):
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, title, bold=True) for title in titles])


def _file(workbook):
    file = tempfile.TemporaryFile()
    workbook.save(file)
    file.seek(0)
    return file


def _number(value):
    return None if value is None else Decimal(value)


def _number_cell(sheet, value, decimals, *, fixed=False):
    """A cell holding the number itself, every stored digit, for the committee's sums and sorts, shown with the
    decimals the portal's pages show (contest_portal.numbers): 90 as "90", a mean of 87.333333 as "87.33". The
    spreadsheet writes them in its reader's notation ("87,33" in Vietnamese), so the file holds no text that
    one language's spreadsheet would misread: a CSV, which can only hold text, carries the text the pages show."""
    value = _number(value)
    return xlsx_cell(sheet, value, xlsx_number_format(value, decimals=decimals, fixed=fixed))


def _titles(run):
    ids = [clip["id"] for clip in run.inputs.get("clips", [])]
    return dict(Submission.objects.filter(pk__in=ids).values_list("pk", "title"))


def _judge_names(run):
    ids = {card["judge"] for card in run.inputs.get("scorecards", [])}
    users = get_user_model().objects.filter(pk__in=ids).order_by("full_name", "email", "pk")
    return {user.pk: user.get_full_name() for user in users}


def _sheet_title(name, taken):
    title = _NOT_IN_TITLES.sub(" ", name).strip()[:28] or "?"
    candidate, number = title, 2
    while candidate.lower() in taken:
        candidate, number = f"{title[:27]}{number}", number + 1
    taken.add(candidate.lower())
    return candidate


def score_sheets_xlsx(*, run):
    """A workbook with a sheet per judge: the clips the judge's counted scorecards scored, by code and title,
    the points on each criterion and the weighted total."""
    criteria = run.inputs.get("criteria", [])
    weights = [_number(criterion["weight"]) for criterion in criteria]
    titles = _titles(run)
    names = _judge_names(run)
    cards = {}
    for card in run.inputs.get("scorecards", []):
        cards.setdefault(card["judge"], []).append(card)
    workbook = Workbook(write_only=True)
    taken = set()
    for judge, name in names.items():
        sheet = workbook.create_sheet(_sheet_title(name, taken))
        _header(
            sheet,
            [_("Code"), _("Title"), *(criterion["name"] for criterion in criteria), _("Weighted total")],
            [16, 48, *(14 for _criterion in criteria), 16],
        )
        for card in sorted(cards.get(judge, []), key=lambda card: card["code"]):
            points = [_number(card["points"].get(str(criterion["id"]))) for criterion in criteria]
            total = sum(p * w for p, w in zip(points, weights, strict=True) if p is not None)
            sheet.append(
                [
                    xlsx_cell(sheet, card["code"]),
                    xlsx_cell(sheet, titles.get(card["clip"], "")),
                    *(_number_cell(sheet, p, POINTS) for p in points),
                    _number_cell(sheet, total, WEIGHTED_TOTAL),
                ]
            )
        sheet.append([])
        sheet.append([xlsx_cell(sheet, _("Judge")), xlsx_cell(sheet, name)])
    if not names:
        workbook.create_sheet(_("Score sheets"))
    return _file(workbook)


def _decided_by(entry, criterion_names):
    step = entry["decided_by"]
    if step.startswith("criterion:"):
        return _("criterion %(name)s") % {"name": criterion_names.get(step.split(":", 1)[1], step)}
    return {
        "score": _("score"),
        "first_places": _("more first places"),
        "top3_places": _("more top-3 places"),
        "unresolved": _("tied: the committee decides"),
    }.get(step, step)


def summary_xlsx(*, run):
    """The summary table: the ranked clips in rank order with the score, the raw mean, each judge's weighted
    total, the scorecards counted, the spread and how each position was decided; then the incomplete clips."""
    results = run.results
    titles = _titles(run)
    codes = {clip["id"]: clip["code"] for clip in run.inputs.get("clips", [])}
    criteria = run.inputs.get("criteria", [])
    criterion_names = {str(criterion["id"]): criterion["name"] for criterion in criteria}
    weights = {str(criterion["id"]): _number(criterion["weight"]) for criterion in criteria}
    names = _judge_names(run)
    totals = {}
    for card in run.inputs.get("scorecards", []):
        totals[card["clip"], card["judge"]] = sum(
            _number(points) * weights[criterion] for criterion, points in card["points"].items()
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Score summary"))
    zscore = results.get("method") == "zscore"
    headers = [
        _("Rank"),
        _("Code"),
        _("Title"),
        _("Score"),
        _("Raw mean"),
        *([_("z-score")] if zscore else []),
        _("Scorecards"),
        _("Spread"),
        _("High disagreement"),
        _("Decided by"),
        _("Tied with"),
        *names.values(),
    ]
    _header(
        sheet, headers, [8, 16, 44, 14, 14, *([12] if zscore else []), 12, 12, 12, 26, 20, *(14 for _n in names)]
    )
    for entry in results.get("ranked", []):
        sheet.append(
            [
                xlsx_cell(sheet, entry["rank"]),
                xlsx_cell(sheet, codes.get(entry["clip"], "")),
                xlsx_cell(sheet, titles.get(entry["clip"], "")),
                _number_cell(sheet, entry["score"], MEAN),
                _number_cell(sheet, entry["raw_mean"], MEAN),
                *([_number_cell(sheet, entry["zscore"], ZSCORE, fixed=True)] if zscore else []),
                xlsx_cell(sheet, entry["scorecards"]),
                _number_cell(sheet, entry["spread"], POINTS),
                xlsx_cell(sheet, _("yes") if entry["high_disagreement"] else ""),
                xlsx_cell(sheet, _decided_by(entry, criterion_names)),
                xlsx_cell(sheet, ", ".join(codes.get(clip, str(clip)) for clip in entry["tied_with"])),
                *(_number_cell(sheet, totals.get((entry["clip"], judge)), WEIGHTED_TOTAL) for judge in names),
            ]
        )
    incomplete = results.get("incomplete", [])
    if incomplete:
        sheet.append([])
        sheet.append([xlsx_cell(sheet, _("Not ranked: too few scorecards"), bold=True)])
        for entry in incomplete:
            sheet.append(
                [
                    None,
                    xlsx_cell(sheet, codes.get(entry["clip"], "")),
                    xlsx_cell(sheet, titles.get(entry["clip"], "")),
                    xlsx_cell(
                        sheet,
                        _("%(count)d of %(needed)d") % {"count": entry["scorecards"], "needed": entry["needed"]},
                    ),
                ]
            )
    return _file(workbook)


def prize_list_xlsx(*, contest):
    """The prize list: each award with its tier, rank, code, title, authors, amount and honour, and the total."""
    prizes = prize_list(contest=contest)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Prize list"))
    _header(
        sheet,
        [_("Prize"), _("Rank"), _("Code"), _("Title"), _("Authors"), _("Amount"), _("Honour"), _("Reason")],
        [22, 8, 16, 44, 44, 16, 36, 40],
    )
    for award in prizes.awards:
        sheet.append(
            [
                xlsx_cell(sheet, award.tier.name),
                xlsx_cell(sheet, award.rank),
                xlsx_cell(sheet, award.submission.code),
                xlsx_cell(sheet, award.submission.title),
                xlsx_cell(sheet, award.authors),
                xlsx_cell(sheet, award.tier.amount, AMOUNT_FORMAT),
                xlsx_cell(sheet, award.tier.honour),
                xlsx_cell(sheet, award.reason),
            ]
        )
    sheet.append([])
    sheet.append(
        [
            xlsx_cell(sheet, _("Total"), bold=True),
            None,
            None,
            None,
            None,
            xlsx_cell(sheet, prizes.total, AMOUNT_FORMAT, bold=True),
        ]
    )
    return _file(workbook)
