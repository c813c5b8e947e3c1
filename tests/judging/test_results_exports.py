"""The XLSX exports open with openpyxl and hold the run's numbers: each judge's score sheet, the summary table, and
the prize list with its amounts and total. Codes and titles throughout; authors' names only in the prize list."""

from decimal import Decimal

import pytest
from openpyxl import load_workbook

from judging.exports import prize_list_xlsx, score_sheets_xlsx, summary_xlsx
from judging.results import awards_confirm, ranking_run_approve, ranking_run_start, side_prize_designate
from tests.staff import make_staff

from .results_setup import TITLES, make_finalists, make_judges, prepare_round, score, set_prize_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(db):
    return make_staff("btc@example.com", "committee")


@pytest.fixture
def judges(db):
    return make_judges(2)


@pytest.fixture
def clips(contest):
    return make_finalists(contest, TITLES[:3])


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
