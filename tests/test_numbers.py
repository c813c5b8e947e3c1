"""How numbers read to people (contest_portal.numbers): as few decimals as the kind of number needs, in the
reader's notation ("1.000" is one thousand in Vietnamese, so a weight of one reads "1"), on the ranking and
prize screens, in the scorecards and in the exports."""

import io
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from contest_portal.numbers import MEAN, POINTS, WEIGHT, ZSCORE, number_for_people, xlsx_number_format
from judging.models import RankingRun, Scorecard
from judging.runs import ranking_run_approve, ranking_run_start
from judging.services import assignments_generate
from tests.judging.conftest import open_final_round
from tests.judging.results_setup import score, set_prize_counts

# Worked out by hand: (value, precision, Vietnamese, English).
TABLE = [
    (90, {}, "90", "90"),
    (Decimal("90.000000"), {"decimals": MEAN}, "90", "90"),
    (87.5, {}, "87,5", "87.5"),
    (Decimal("87.50"), {}, "87,5", "87.5"),
    (Decimal("7.25"), {"decimals": POINTS}, "7,25", "7.25"),
    (Decimal("30.00"), {}, "30", "30"),
    (Decimal("1.000"), {"decimals": WEIGHT}, "1", "1"),
    (Decimal("1.500"), {"decimals": WEIGHT}, "1,5", "1.5"),
    (Decimal("1.125"), {"decimals": WEIGHT}, "1,125", "1.125"),
    (1000, {}, "1.000", "1,000"),
    (Decimal("1234.5"), {}, "1.234,5", "1,234.5"),
    (Decimal("87.333333"), {"decimals": MEAN}, "87,33", "87.33"),
    (Decimal("87.335"), {"decimals": MEAN}, "87,34", "87.34"),
    ("87.666667", {"decimals": MEAN}, "87,67", "87.67"),
    (Decimal("0.5"), {"decimals": ZSCORE, "fixed": True}, "0,50", "0.50"),
    (Decimal("-1.254"), {"decimals": ZSCORE, "fixed": True}, "-1,25", "-1.25"),
    (Decimal("-0.001"), {"decimals": ZSCORE, "fixed": True}, "0,00", "0.00"),
    (0, {}, "0", "0"),
    (None, {}, "", ""),
]


@pytest.mark.parametrize(("value", "precision", "vietnamese", "english"), TABLE)
def test_a_number_reads_as_people_write_it_in_their_language(value, precision, vietnamese, english):
    with translation.override("vi"):
        assert number_for_people(value, **precision) == vietnamese
    with translation.override("en"):
        assert number_for_people(value, **precision) == english


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("{{ n|number }}", "87,5"),
        ('{{ n|number:"mean" }}', "87,5"),
        ('{{ w|number:"weight" }}', "1"),
        ('{{ z|number:"zscore" }}', "-0,30"),
        ("{{ missing|number }}", ""),
    ],
)
def test_the_template_filter_says_the_same(source, shown):
    context = Context({"n": Decimal("87.500000"), "w": Decimal("1.000"), "z": Decimal("-0.3")})
    with translation.override("vi"):
        assert Template("{% load portal %}" + source).render(context) == shown


@pytest.mark.parametrize(
    ("value", "precision", "number_format"),
    [
        (Decimal("90.000000"), {"decimals": MEAN}, "#,##0"),
        (Decimal("87.500000"), {"decimals": MEAN}, "#,##0.0"),
        (Decimal("87.333333"), {"decimals": MEAN}, "#,##0.00"),
        (Decimal("0.500000"), {"decimals": ZSCORE, "fixed": True}, "#,##0.00"),
        (None, {}, None),
    ],
)
def test_a_spreadsheet_cell_shows_the_same_decimals(value, precision, number_format):
    assert xlsx_number_format(value, **precision) == number_format


# The screens and the exports, from a small ranking: three judges on the rubric as the contest ships it (weights
# of one, maxima 30, 25, 25, 20); totals 90, 90, 90 for the first clip, 87.5 three times for the second, and
# 87, 87, 88 for the third (a mean of 87.333333).
POINTS_GIVEN = [
    [[30, 25, 20, 15]] * 3,
    [[27.5, 25, 20, 15]] * 3,
    [[27, 25, 20, 15], [27, 25, 20, 15], [28, 25, 20, 15]],
]
# Never a stored number as it is: a weight "1.000" (one thousand, to a Vietnamese reader) or "30.00", six
# decimals; amounts of đồng ("1.000.000 đ") are grouped by thousands, as they should be.
NEVER_SHOWN = re.compile(r"(?<![\d.,])(?:90\.000000|87\.500000|87\.33333|30\.00|1\.000)(?![\d.])")


@pytest.fixture
def ranked(db, contest, committee, judges, make_finalists, django_capture_on_commit_callbacks):
    open_final_round(contest)
    set_prize_counts(contest, nhat=1, nhi=1, ba=1, kk=0, phu=0)
    clips = make_finalists(3)
    assignments_generate(contest=contest, user=committee)
    for clip, cards in zip(clips, POINTS_GIVEN, strict=True):
        for judge, points in zip(judges, cards, strict=True):
            score(judge, clip, points)
    with django_capture_on_commit_callbacks(execute=True):
        run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    assert run.state == RankingRun.State.DONE
    ranking_run_approve(run=run, user=committee)
    return run


@pytest.fixture
def desk(client, committee):
    client.force_login(committee)
    return client


def _page(desk, url):
    response = desk.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_run_page_shows_scores_maxima_and_weights_as_people_write_them(desk, ranked):
    html = _page(desk, reverse("admin:judging_rankingrun_change", args=[ranked.pk]))
    assert '<td class="number">90</td>' in html
    assert '<td class="number">87,5</td>' in html
    assert '<td class="number">87,33</td>' in html
    assert "tối đa 30, trọng số 1" in html
    assert not NEVER_SHOWN.findall(html)


def test_the_run_page_in_english_uses_english_notation(desk, ranked):
    desk.cookies["django_language"] = "en"
    html = _page(desk, reverse("admin:judging_rankingrun_change", args=[ranked.pk]))
    assert '<td class="number">87.5</td>' in html
    assert '<td class="number">87.33</td>' in html
    assert "max 30, weight 1" in html


def test_the_prize_page_shows_the_scores_as_people_write_them(desk, ranked, contest):
    html = _page(desk, reverse("admin:judging_award_prizes", args=[contest.slug]))
    assert '<span class="help">(90)</span>' in html
    assert '<span class="help">(87,5)</span>' in html
    assert '<span class="help">(87,33)</span>' in html
    assert not NEVER_SHOWN.findall(html)


def test_the_scorecard_list_and_page_show_points_without_trailing_zeros(desk, ranked):
    html = _page(desk, reverse("admin:judging_scorecard_changelist"))
    assert '<td class="field-total">87,5</td>' in html
    card = Scorecard.objects.filter(scores__points=Decimal("27.5")).first()
    html = _page(desk, reverse("admin:judging_scorecard_change", args=[card.pk]))
    assert "27,5" in html
    assert "27,50" not in html


def test_the_summary_table_keeps_numbers_with_sensible_display_formats(desk, ranked):
    response = desk.get(reverse("admin:judging_rankingrun_summary", args=[ranked.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=2) if row[1].value}
    scores = sorted((row[3].value, row[3].number_format) for row in rows.values())
    assert scores == [(87.333333, "#,##0.00"), (87.5, "#,##0.0"), (90, "#,##0")]


def test_the_score_sheets_show_points_as_given(desk, ranked):
    response = desk.get(reverse("admin:judging_rankingrun_sheets", args=[ranked.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [cell for row in workbook.worksheets[0].iter_rows(min_row=2, max_row=4) for cell in row[2:]]
    shown = {(cell.value, cell.number_format) for cell in cells if cell.value is not None}
    assert (27.5, "#,##0.0") in shown
    assert (30, "#,##0") in shown
    assert (87.5, "#,##0.0") in shown
