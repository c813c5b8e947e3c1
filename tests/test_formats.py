"""How numbers read in Vietnamese: an integer a template prints stays as it is (an id in a form value or a link
must match), while amounts, exact sizes and counts a reader sees are grouped by thousands."""

import pytest
from django.template import Context, Template
from django.utils import translation


def _render(source, **context):
    with translation.override("vi"):
        return Template("{% load humanize portal %}" + source).render(Context(context))


def test_a_printed_integer_is_never_grouped():
    assert _render('<input value="{{ pk }}"> {{ pk }}', pk=10_027) == '<input value="10027"> 10027'


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("{{ n|vnd }}", "5.000.000 đ"),
        ("{{ n|intcomma }}", "5.000.000"),
        ("{{ n|bytes_exact }}", "4,8\xa0MB (5.000.000 byte)"),
    ],
)
def test_what_a_reader_counts_is_grouped_by_thousands(source, shown):
    assert _render(source, n=5_000_000) == shown


def test_english_groups_with_commas():
    with translation.override("en"):
        assert Template("{% load portal %}{{ n|vnd }}").render(Context({"n": 5_000_000})) == "5,000,000 đ"
