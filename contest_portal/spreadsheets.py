"""The cells of every spreadsheet the portal writes, CSV or XLSX: titles, names and reasons typed by entrants and
staff must reach the reader as text, never as a formula the spreadsheet runs when the file is opened.

One rule, OWASP's for CSV injection: a text cell that starts with one of FORMULA_STARTS is written with a leading
apostrophe, so `=cmd|' /C calc'!A0` is read as `'=cmd|' /C calc'!A0`. Only text: numbers, dates and empty cells
are written as they are, so a negative total stays a number a sheet can add up."""

import csv

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BOLD = Font(bold=True)


def spreadsheet_cell(value):
    """`value` as a spreadsheet may hold it: text a spreadsheet would take for a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class CsvWriter:
    """csv.writer over `file`, with every value of a row put through spreadsheet_cell."""

    def __init__(self, file):
        self._writer = csv.writer(file)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_cell(value) for value in row])


def xlsx_cell(sheet, value, number_format=None, *, bold=False):
    """A cell of a write-only `sheet` holding `value` put through spreadsheet_cell."""
    if isinstance(value, str):
        # Characters XML cannot hold (a stray control character in a pasted title) would stop the file. They go
        # first, so that "\x0b=HYPERLINK(...)" is seen for the formula it then is.
        value = spreadsheet_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    cell = WriteOnlyCell(sheet, value)
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = _BOLD
    return cell
