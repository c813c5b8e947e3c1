"""The one rule every CSV and XLSX of the portal is written with: text starting with = + - @ tab or carriage return
gets a leading apostrophe, so a spreadsheet shows it instead of running it; numbers, dates and other text as they
are."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from contest_portal.spreadsheets import CsvWriter, spreadsheet_cell, xlsx_cell

FORMULAS = [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+84 987 654 321", "'+84 987 654 321"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
]
AS_THEY_ARE = [
    "Chợ phiên trên điện thoại",
    "Giải = 5.000.000 đ",
    " =1+1",
    "",
    -5,
    Decimal("-27.50"),
    -0.5,
    0,
    None,
    datetime.date(2024, 9, 1),
]


def _xlsx_read_back(values, **options):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    sheet.append([xlsx_cell(sheet, value, **options) for value in values])
    file = io.BytesIO()
    workbook.save(file)
    file.seek(0)
    return next(load_workbook(file).active.iter_rows())


@pytest.mark.parametrize(("text", "written"), FORMULAS)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text, written):
    assert spreadsheet_cell(text) == written


@pytest.mark.parametrize("value", AS_THEY_ARE)
def test_numbers_dates_and_other_text_are_left_as_they_are(value):
    assert spreadsheet_cell(value) == value


def test_the_csv_writer_escapes_the_text_and_leaves_the_numbers():
    file = io.StringIO()
    writer = CsvWriter(file)
    writer.writerow(["Mã", "Tên clip", "Điểm"])
    writer.writerow(["CDS2024-0001", "=cmd|' /C calc'!A0", -2.5])
    writer.writerow(["CDS2024-0002", "\r=1+1", 33])
    file.seek(0)
    assert list(csv.reader(file)) == [
        ["Mã", "Tên clip", "Điểm"],
        ["CDS2024-0001", "'=cmd|' /C calc'!A0", "-2.5"],
        ["CDS2024-0002", "'\r=1+1", "33"],
    ]


class _Echo:
    def write(self, line):
        return line


def test_the_csv_writer_hands_back_what_its_file_returns():
    # The statistics export streams the lines its file hands straight back.
    assert CsvWriter(_Echo()).writerow(["@SUM(A1:A9)", -1]) == "'@SUM(A1:A9),-1\r\n"


def test_an_xlsx_cell_holds_the_escaped_text_as_text():
    cells = _xlsx_read_back([text for text, _written in FORMULAS])
    assert [cell.value for cell in cells] == [
        "'=cmd|' /C calc'!A0",
        "'+84 987 654 321",
        "'-1+1",
        "'@SUM(A1:A9)",
        "'\t=1+1",
        "'\n=1+1",  # XML reads a carriage return back as a line feed
    ]
    assert {cell.data_type for cell in cells} == {"s"}


def test_an_xlsx_cell_keeps_numbers_as_numbers():
    cells = _xlsx_read_back([-5, Decimal("-27.50"), "Chợ phiên trên điện thoại"], number_format="0.00")
    assert [cell.value for cell in cells] == [-5, -27.5, "Chợ phiên trên điện thoại"]
    assert [cell.data_type for cell in cells] == ["n", "n", "s"]
    assert cells[1].number_format == "0.00"


def test_an_xlsx_cell_drops_what_xml_cannot_hold_before_the_rule_looks():
    (cell,) = _xlsx_read_back(['\x0b=HYPERLINK("http://evil.example","Xem")'])
    assert cell.value == '\'=HYPERLINK("http://evil.example","Xem")'


def test_an_xlsx_cell_may_be_bold():
    (cell,) = _xlsx_read_back(["Tổng"], bold=True)
    assert cell.font.bold
