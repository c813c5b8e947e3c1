"""The XLSX exports open with openpyxl and hold the run's numbers: each judge's score sheet, the summary table, and
the prize list with its amounts and total. Codes and titles throughout; authors' names only in the prize list."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from judging.exports import prize_list_xlsx, score_sheets_xlsx, summary_xlsx
from judging.models import Award
from judging.prizes import awards_confirm, side_prize_designate
from judging.runs import ranking_run_approve, ranking_run_start
from submissions.models import Submission, SubmissionAuthor
from tests.finalists import TITLES

from .results_setup import prepare_round, score, set_prize_counts

pytestmark = [pytest.mark.django_db, pytest.mark.judges(2)]

# Text starting with each character that makes a spreadsheet run a formula, and the cell read back: text, after an
# apostrophe. XML reads a carriage return back as a line feed.
FORMULA_TEXTS = [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+84 Sơn La số", "'+84 Sơn La số"),
    ("- Bản em lên số -", "'- Bản em lên số -"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\n=1+1"),
]


@pytest.fixture
def clips(make_finalists):
    return make_finalists(titles=TITLES[:3])


@pytest.fixture
def run(contest, committee, judges, clips, django_capture_on_commit_callbacks):
    """Judge 1: 9/8/7, 6/6/6, 5/5/5; judge 2: 10/9/9, 7/7/6.5, 4/4/4 (weights 2, 1, 1)."""
    set_prize_counts(contest, nhat=1, nhi=1, ba=1, kk=0, phu=1)
    prepare_round(contest, committee, judges=judges, finalists=clips)
    first, second, third = clips
    score(judges[0], first, [9, 8, 7])
    score(judges[0], second, [6, 6, 6])
    score(judges[0], third, [5, 5, 5])
    score(judges[1], first, [10, 9, 9])
    score(judges[1], second, [7, 7, 6.5])
    score(judges[1], third, [4, 4, 4])
    with django_capture_on_commit_callbacks(execute=True):
        run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    return run


def _rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_each_judge_has_a_score_sheet_with_the_points_and_totals(run, judges, clips):
    workbook = load_workbook(score_sheets_xlsx(run=run))

    assert workbook.sheetnames == ["Giám khảo 1", "Giám khảo 2"]
    header, *rows = _rows(workbook["Giám khảo 1"])
    assert header[2:5] == ["Nội dung đúng chủ đề", "Sáng tạo", "Kỹ thuật"]
    assert rows[:3] == [
        [clips[0].code, clips[0].title, 9, 8, 7, 33],
        [clips[1].code, clips[1].title, 6, 6, 6, 24],
        [clips[2].code, clips[2].title, 5, 5, 5, 20],
    ]
    assert rows[-1][1] == "Giám khảo 1"
    assert _rows(workbook["Giám khảo 2"])[2][2:6] == [7, 7, 6.5, 27.5]


@pytest.mark.parametrize(("text", "cell"), FORMULA_TEXTS)
def test_a_title_that_looks_like_a_formula_is_text_on_the_score_sheets(run, clips, text, cell):
    Submission.objects.filter(pk=clips[0].pk).update(title=text)

    _header, *rows = _rows(load_workbook(score_sheets_xlsx(run=run))["Giám khảo 1"])

    assert rows[0] == [clips[0].code, cell, 9, 8, 7, 33]
    assert rows[1] == [clips[1].code, "Bản em lên số", 6, 6, 6, 24]


def test_the_summary_table_ranks_the_clips_with_each_judges_total(run, clips):
    header, *rows = _rows(load_workbook(summary_xlsx(run=run)).active)

    assert header[-2:] == ["Giám khảo 1", "Giám khảo 2"]
    by_code = {row[1]: row for row in rows}
    assert [row[0] for row in rows] == [1, 2, 3]
    assert [row[1] for row in rows] == [clips[0].code, clips[1].code, clips[2].code]
    first = by_code[clips[0].code]
    assert first[2] == clips[0].title
    assert Decimal(str(first[3])) == Decimal("35.5")  # (33 + 38) / 2
    assert first[-2:] == [33, 38]
    assert by_code[clips[1].code][-2:] == [24, 27.5]
    assert "Lò Văn" not in str(rows)  # no author in the jury's numbers


@pytest.mark.parametrize(("text", "cell"), FORMULA_TEXTS)
def test_a_title_or_judge_that_looks_like_a_formula_is_text_in_the_summary(run, judges, clips, text, cell):
    Submission.objects.filter(pk=clips[0].pk).update(title=text)
    get_user_model().objects.filter(pk=judges[0].pk).update(full_name=text)

    header, *rows = _rows(load_workbook(summary_xlsx(run=run)).active)

    assert header[-2:] == [cell, "Giám khảo 2"]
    assert rows[0][1:3] == [clips[0].code, cell]
    assert rows[0][-2:] == [33, 38]
    assert rows[1][2] == "Bản em lên số"


def test_the_prize_list_has_the_authors_amounts_and_total(contest, committee, run, clips):
    ranking_run_approve(run=run, user=committee)
    awards_confirm(contest=contest, user=committee)
    side_prize_designate(
        tier=contest.prize_tiers.get(is_side_prize=True), submission=clips[2], user=committee, reason="Lượt xem."
    )

    header, *rows = _rows(load_workbook(prize_list_xlsx(contest=contest)).active)

    assert [row[0] for row in rows[:4]] == ["Giải Nhất", "Giải Nhì", "Giải Ba", "Giải phụ"]
    assert rows[0][2:6] == [clips[0].code, clips[0].title, "Lò Văn Tác Giả 1", 5_000_000]
    assert rows[0][6] == "Bằng khen của Chủ tịch UBND tỉnh"
    assert rows[3][7] == "Lượt xem."
    assert rows[-1][5] == 5_000_000 + 3_000_000 + 2_000_000 + 1_000_000


@pytest.mark.parametrize(("text", "cell"), FORMULA_TEXTS)
def test_a_title_author_or_reason_that_looks_like_a_formula_is_text_in_the_prize_list(
    contest, committee, run, clips, text, cell
):
    ranking_run_approve(run=run, user=committee)
    awards_confirm(contest=contest, user=committee)
    side_prize_designate(
        tier=contest.prize_tiers.get(is_side_prize=True), submission=clips[2], user=committee, reason="Lượt xem."
    )
    Submission.objects.filter(pk=clips[0].pk).update(title=text)
    SubmissionAuthor.objects.filter(submission=clips[0]).update(full_name=text)
    Award.objects.filter(submission=clips[2], tier__is_side_prize=True).update(reason=text)

    _header, *rows = _rows(load_workbook(prize_list_xlsx(contest=contest)).active)

    assert rows[0][2:6] == [clips[0].code, cell, cell, 5_000_000]
    assert rows[1][3:6] == ["Bản em lên số", "Lò Văn Tác Giả 2", 3_000_000]
    assert rows[3][7] == cell
