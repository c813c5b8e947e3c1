"""A winner's certificate from My clips: the clip's registrant downloads every author's, a co-author who confirmed
with their account only their own, and only once the results are published. Everybody else gets a 404, as for
a clip that won nothing."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from judging.models import Award, FinalRound
from submissions.models import CoAuthor
from tests.finalists import AUTHOR, COAUTHOR, TITLES

from .results_setup import set_prize_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def winner(contest, committee, make_finalists, bob):
    """A group's clip, first prize: its registrant Lò Thị Bí Mật and her co-author, who confirmed as bob."""
    clip = make_finalists(titles=TITLES[:1], one_group=True)[0]
    CoAuthor.objects.filter(registration=clip.registration).update(user=bob, confirmed_at=timezone.now())
    tier = set_prize_counts(contest, nhat=1)["nhat"]
    Award.objects.create(tier=tier, submission=clip, rank=1, awarded_by=committee)
    return clip


@pytest.fixture
def other_finalist(make_finalists):
    """A finalist of an entrant of their own, without a prize."""
    return make_finalists(titles=TITLES[1:2])[0]


@pytest.fixture
def published(contest, winner, other_finalist):
    FinalRound.objects.update_or_create(contest=contest, defaults={"results_published_at": timezone.now()})


def _address(clip, position):
    return f"/test-contest/ket-qua/giay-chung-nhan/{clip.code}/{position}.pdf"


def _names_in(response):
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return [name for name in (AUTHOR, COAUTHOR) if name in text]


def test_the_registrant_downloads_each_authors_certificate(client, winner, published):
    client.force_login(winner.registration.user)

    first, second = client.get(_address(winner, 1)), client.get(_address(winner, 2))

    assert (first.status_code, second.status_code) == (200, 200)
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == f'attachment; filename="giay-chung-nhan-{winner.code}-1.pdf"'
    assert first["Cache-Control"] == "private, no-store"
    assert (_names_in(first), _names_in(second)) == ([AUTHOR], [COAUTHOR])
    assert "Giải Nhất" in PdfReader(io.BytesIO(first.content)).pages[0].extract_text()


def test_a_confirmed_co_author_downloads_only_their_own(client, winner, published, bob):
    client.force_login(bob)

    assert _names_in(client.get(_address(winner, 2))) == [COAUTHOR]
    assert client.get(_address(winner, 1)).status_code == 404


def test_a_co_author_who_has_not_confirmed_gets_nothing(client, winner, published, bob):
    CoAuthor.objects.filter(user=bob).update(confirmed_at=None)
    client.force_login(bob)

    assert client.get(_address(winner, 2)).status_code == 404


def test_nobody_else_gets_a_certificate(client, winner, other_finalist, published, charlie, judge, committee):
    for user in (charlie, other_finalist.registration.user, judge, committee):
        client.force_login(user)
        for position in (1, 2):
            assert client.get(_address(winner, position)).status_code == 404, user


def test_an_anonymous_visitor_is_sent_to_log_in(client, winner, published):
    response = client.get(_address(winner, 1))

    assert response.status_code == 302
    assert "/tai-khoan/login/" in response["Location"]


def test_a_finalist_without_a_prize_has_no_certificate(client, other_finalist, published):
    client.force_login(other_finalist.registration.user)

    assert client.get(_address(other_finalist, 1)).status_code == 404


def test_there_is_no_author_beyond_the_clips_own(client, winner, published):
    client.force_login(winner.registration.user)

    for position in (0, 3):
        assert client.get(_address(winner, position)).status_code == 404


def test_before_publication_not_even_the_registrant_gets_it(client, winner, bob):
    for user in (winner.registration.user, bob):
        client.force_login(user)
        assert client.get(_address(winner, 1)).status_code == 404
        assert client.get(_address(winner, 2)).status_code == 404


def test_it_is_only_read(client, winner, published):
    client.force_login(winner.registration.user)

    assert client.post(_address(winner, 1)).status_code == 405
