"""Fixtures of the judging app's tests: the contest in its final round, its criteria, an assignment, and clients
signed in, reading English. The committee, the judges and make_finalists are tests/conftest.py's."""

import pytest

from judging.models import Assignment
from judging.services import assignments_generate
from tests.conftest import open_final_round


def signed_in(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def criteria(contest):
    """Content (30), creativity (25), technique (25), communication (20), as the contest ships them."""
    return list(contest.criteria.all())


@pytest.fixture
def assignment(contest, judge, committee, make_finalists):
    """The judge's assignment to the one finalist, as the committee's generation makes it."""
    make_finalists(1)
    assignments_generate(contest=contest, user=committee)
    return Assignment.objects.get(judge=judge)


@pytest.fixture
def contest(contest):
    """The contest in its final round, as submissions.phases.contest_close_preliminary leaves it."""
    return open_final_round(contest)
