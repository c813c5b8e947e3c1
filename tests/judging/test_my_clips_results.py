"""My clips after the final round: a finalist stays "finalist" until the results are published; then the winner's
clip says its prize, with a certificate to download for each of its authors, and the other finalists' "No
prize". Judging tells submissions through the outcome source it registers (judging/outcomes.py)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from judging.models import Award, FinalRound
from submissions.models import ContestEvent, Submission
from submissions.phases import Phase
from tests.finalists import AUTHOR, COAUTHOR, TITLES

from .conftest import signed_in
from .results_setup import set_prize_counts

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TOLD = datetime.datetime(2024, 9, 21, 3, 0, tzinfo=UTC)
FINAL_ROUND = datetime.datetime(2024, 10, 5, 3, 0, tzinfo=UTC)
PUBLISHED = datetime.datetime(2024, 11, 10, 3, 0, tzinfo=UTC)
MY_CLIPS = "/test-contest/clip-cua-toi/"

STAGE = re.compile(
    r'<li class="\w+" data-stage="(\w+)"[^>]*>\s*<strong>([^<]+)</strong>(?: <time datetime="[^"]+">([^<]+)</time>)?'
)
CHIP = re.compile(r'<span class="status shortlisted" data-status="shortlisted">([^<]+)</span>')
CERTIFICATE = re.compile(r'<a class="button small secondary certificate" href="([^"]+)" download>([^<]+)</a>')


def _told(clips):
    Submission.objects.filter(pk__in=[clip.pk for clip in clips]).update(
        decided_at=TOLD, decision_notified_at=TOLD
    )


@pytest.fixture
def final_round(contest, committee):
    ContestEvent.objects.create(
        contest=contest, actor=committee, action="close_preliminary", to_phase=Phase.FINAL, created_at=FINAL_ROUND
    )
    return FinalRound.objects.get_or_create(contest=contest)[0]


@pytest.fixture
def winner(contest, committee, make_finalists, final_round):
    """A group's clip, Lò Thị Bí Mật's with her co-author: first prize, not published yet."""
    clip = make_finalists(titles=TITLES[:1], one_group=True)[0]
    _told([clip])
    Award.objects.create(
        tier=set_prize_counts(contest, nhat=1)["nhat"], submission=clip, rank=1, awarded_by=committee
    )
    return clip


@pytest.fixture
def runner_up(make_finalists, final_round):
    clip = make_finalists(titles=TITLES[1:2])[0]
    _told([clip])
    return clip


def _publish(final_round):
    FinalRound.objects.filter(pk=final_round.pk).update(results_published_at=PUBLISHED)


def _page(client, user):
    return signed_in(client, user).get(MY_CLIPS).content.decode()


def _stages(html):
    return [(key, label, date or None) for key, label, date in STAGE.findall(html)]


BEFORE_THE_RESULT = [
    ("received", "Received", None),
    ("checked", "Video checked", None),
    ("decision", "Chosen for the final round", "21/09/2024"),
    ("finalist", "Finalist in the final round", "05/10/2024"),
]


def test_before_publication_the_winner_is_still_a_finalist(client, winner):
    html = _page(client, winner.registration.user)

    assert CHIP.findall(html) == ["finalist"]
    # The dates of reception are the finalists' own (now): left out of the comparison.
    assert [stage[:2] for stage in _stages(html)][:1] == [("received", "Received")]
    assert _stages(html)[1:] == [*BEFORE_THE_RESULT[1:], ("result", "Results", None)]
    assert CERTIFICATE.findall(html) == []


def test_after_publication_the_winner_is_told_the_prize_with_the_certificates(client, winner, final_round):
    _publish(final_round)

    html = _page(client, winner.registration.user)

    assert CHIP.findall(html) == ["Prize: Giải Nhất"]
    assert _stages(html)[1:] == [*BEFORE_THE_RESULT[1:], ("result", "Prize: Giải Nhất", "10/11/2024")]
    code = winner.code
    assert CERTIFICATE.findall(html) == [
        (f"/test-contest/ket-qua/giay-chung-nhan/{code}/1.pdf", f"Certificate of {AUTHOR} (PDF)"),
        (f"/test-contest/ket-qua/giay-chung-nhan/{code}/2.pdf", f"Certificate of {COAUTHOR} (PDF)"),
    ]


def test_a_confirmed_co_author_finds_only_their_own_certificate(client, winner, final_round, bob):
    winner.registration.coauthors.update(user=bob)
    _publish(final_round)

    html = _page(client, bob)

    assert ("result", "Prize: Giải Nhất", "10/11/2024") in _stages(html)
    assert CERTIFICATE.findall(html) == [
        (f"/test-contest/ket-qua/giay-chung-nhan/{winner.code}/2.pdf", f"Certificate of {COAUTHOR} (PDF)")
    ]


def test_after_publication_a_finalist_without_a_prize_reads_no_prize(client, winner, runner_up, final_round):
    _publish(final_round)

    html = _page(client, runner_up.registration.user)

    assert CHIP.findall(html) == ["No prize"]
    assert _stages(html)[-1] == ("result", "No prize", "10/11/2024")
    assert CERTIFICATE.findall(html) == []


def test_the_query_count_does_not_grow_with_the_number_of_awarded_clips(
    client, contest, committee, make_finalists, final_round
):
    _publish(final_round)
    tier = set_prize_counts(contest, kk=2)["kk"]
    counts = []
    for _ in range(2):
        # One group's clips, so one registrant sees them all: one, then two (with a third the page asks who
        # has no clip left, once).
        clips = make_finalists(1, one_group=True)
        _told(clips)
        for clip in clips:
            Award.objects.create(tier=tier, submission=clip, awarded_by=committee)
        user = clips[0].registration.user
        signed_in(client, user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(MY_CLIPS).status_code == 200
        counts.append(len(queries))
    html = client.get(MY_CLIPS).content.decode()
    assert CHIP.findall(html) == ["Prize: Giải Khuyến khích"] * 2
    assert counts[0] == counts[1]
