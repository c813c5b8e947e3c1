"""Fixtures of the judging app's tests: the committee, judges in the jury, finalists made directly (with a real
preview when a test plays or fetches it), and clients signed in as each, reading English."""

import pytest

from judging.models import Assignment
from judging.services import assignments_generate
from submissions.models import Submission
from tests.conftest import open_final_round
from tests.staff import make_staff

from .finalists import add_finalists, media_for_previews


@pytest.fixture
def committee(db):
    return make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")


@pytest.fixture
def judges(db):
    """Three judges, in the order assignments go round them."""
    return [
        make_staff(f"giamkhao{index}@example.com", "jury", full_name=f"Giám Khảo {name}")
        for index, name in enumerate(["An", "Bình", "Chi"], start=1)
    ]


@pytest.fixture
def judge(judges):
    return judges[0]


@pytest.fixture
def other_judge(judges):
    return judges[1]


@pytest.fixture(scope="session")
def preview_bytes(tmp_path_factory):
    return media_for_previews(tmp_path_factory.mktemp("previews"))


@pytest.fixture
def make_finalists(contest, preview_bytes):
    """make_finalists(count, with_preview=False) -> finalists of the contest, by one group of authors."""

    def _make(count, *, with_preview=False, status=Submission.Status.SHORTLISTED):
        return add_finalists(contest, count, previews=preview_bytes if with_preview else None, status=status)

    return _make


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
