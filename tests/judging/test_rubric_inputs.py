"""The rubric's numbers as the committee edits them: without the database's trailing zeros, which read as
thousands in Vietnamese ("1.000")."""

import re

import pytest
from django.urls import reverse

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_rubric_s_inputs_show_plain_numbers(client, committee, criteria):
    content = criteria[0]
    html = signed_in(client, committee).get(reverse("admin:judging_criterion_change", args=[content.pk])).content
    html = html.decode()

    assert re.search(r'<input[^>]*name="max_points"[^>]*value="30"', html)
    assert re.search(r'<input[^>]*name="weight"[^>]*value="1"', html)
    assert 'value="30.00"' not in html and 'value="1.000"' not in html


def test_the_rubric_list_shows_plain_numbers(client, committee, criteria):
    html = signed_in(client, committee).get(reverse("admin:judging_criterion_changelist")).content.decode()

    assert "30.00" not in html and "1.000" not in html
