"""Numbers as people read them: scores, maxima, weights, means and z-scores on pages, in messages and in the
CSV files, in the reader's language.

In Vietnamese the decimal separator is a comma and thousands are grouped with dots, so "1.000" is one thousand:
a weight of one stored as 1.000 must read "1", never "1.000". Every number shown to a person goes through
`number_for_people` (in templates, the `number` filter of `{% load portal %}`), with the precision its kind
needs; ids, codes and counts in links or form values are never put through it.

XLSX cells stay numbers a sheet can add up: `xlsx_number_format` gives them a display format with the same
decimals, which the spreadsheet shows in its reader's own notation."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats

# Points and maxima are given in quarters: two decimals are all they have ("7", "7,5", "7,25").
POINTS = 2
# Means, medians and the ranking's scores are stored to 6 decimals: people read them to 2 ("87,33").
MEAN = 2
# A criterion's weight is stored to 3 decimals ("1", "1,5", "1,125").
WEIGHT = 3
# A scorecard's weighted total, exact: points × weight never has more decimals than the two together.
WEIGHTED_TOTAL = POINTS + WEIGHT
# z-scores always with 2 decimals, so that a column of them lines up ("0,50", "-1,25").
ZSCORE = 2

# The precision of each kind of number, by the name templates give it: {{ criterion.weight|number:"weight" }}.
KINDS = {
    "points": {"decimals": POINTS},
    "mean": {"decimals": MEAN},
    "weight": {"decimals": WEIGHT},
    "zscore": {"decimals": ZSCORE, "fixed": True},
}


def _rounded(value, decimals):
    value = value if isinstance(value, Decimal) else Decimal(str(value))
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    # -0.001 rounds to "-0,00": nothing below zero is left to show.
    return rounded.copy_abs() if rounded.is_zero() else rounded


def _needed_decimals(rounded, decimals, fixed):
    if fixed:
        return decimals
    return max(0, -rounded.normalize().as_tuple().exponent)


def number_for_people(value, *, decimals=POINTS, fixed=False):
    """`value` (a Decimal, an int, a float or decimal text such as "90.000000") rounded half up to `decimals`
    places, with as few of them as it needs unless `fixed`, grouped by thousands, in the active language's
    notation: 87.5 -> "87,5", Decimal("1.000") -> "1", 1000 -> "1.000" in Vietnamese ("1,000" in English).
    None is "", so that a missing value shows as nothing."""
    if value is None or value == "":
        return ""
    rounded = _rounded(value, decimals)
    return formats.number_format(
        rounded, decimal_pos=_needed_decimals(rounded, decimals, fixed), use_l10n=True, force_grouping=True
    )


def xlsx_number_format(value, *, decimals=POINTS, fixed=False):
    """The display format of an XLSX cell holding `value`, with the decimals number_for_people would show:
    "#,##0", "#,##0.0" or "#,##0.00" (a spreadsheet shows them with its reader's separators; the cell keeps
    every digit)."""
    if value is None:
        return None
    places = _needed_decimals(_rounded(value, decimals), decimals, fixed)
    return "#,##0" if not places else "#,##0." + "0" * places
