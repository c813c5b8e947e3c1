"""Requests the portal cannot read (contest_portal/bad_requests.py): NUL or text that is not UTF-8 in the address
or a form is refused with a 400 before any view runs; Django's own 400s (a malformed multipart body, a file name
too long for a part's header, a form over the limits) get the portal's page with the reason; a cookie holding
NUL is left out."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from submissions.models import Submission
from tests.conftest import ALICE_ID, close_entries
from tests.finalists import make_finalists
from tests.staff import make_staff

pytestmark = pytest.mark.django_db

ADDRESS_REFUSED = "The address holds a character that is not allowed (NUL), or text that is not UTF-8."
FORM_REFUSED = "The form holds a character that is not allowed (NUL), or text that is not UTF-8."
MULTIPART_REFUSED = "The form could not be read. If you are sending a file, give it a shorter name and try again."
PAGE = "The portal could not read what your browser sent, so it did nothing with it."
FORM_URLENCODED = "application/x-www-form-urlencoded"


@pytest.fixture
def english_client():
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def published_finalists(contest):
    finalists = make_finalists(contest, 2, one_group=True)
    close_entries(contest)
    contest.finalists_published_at = timezone.now()
    contest.save(update_fields=["finalists_published_at"])
    return finalists


@pytest.fixture
def committee_client(english_client, contest):
    english_client.force_login(make_staff("btc@example.com", "committee"))
    return english_client


@pytest.fixture
def entrant_client(english_client, alice, register):
    register(alice, "Lò Thị Alice", ALICE_ID)
    english_client.force_login(alice)
    return english_client


def _multipart(boundary, *parts):
    return (
        b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts) + f"--{boundary}--\r\n".encode()
    )


def _field(name, value):
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value


def _file(name, filename, content):
    header = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: video/mp4'
    return header.encode() + b"\r\n\r\n" + content


def _assert_refused(response, reason):
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Request not understood</h1>" in html
    assert PAGE in html
    assert f'<p class="message error" role="alert">{reason}</p>' in html


class TestTheAddress:
    @pytest.mark.parametrize("query", ["status__exact=%00", "q=abc%00def", "%00=1", "q=%FF%FE", "q=%C3"])
    def test_an_admin_filter_with_nul_or_broken_utf8_is_a_400_with_the_reason(self, committee_client, query):
        response = committee_client.get(f"{reverse('admin:submissions_submission_changelist')}?{query}")

        _assert_refused(response, ADDRESS_REFUSED)

    def test_a_clip_code_with_nul_is_a_400_with_the_reason(self, english_client, published_finalists):
        response = english_client.get("/test-contest/chung-ket/CDS2024-0001%00/")

        _assert_refused(response, ADDRESS_REFUSED)

    def test_the_refusal_has_the_site_s_security_headers(self, english_client, contest):
        response = english_client.get("/?q=%00")

        assert response.status_code == 400
        policy = {part.strip() for part in response["Content-Security-Policy"].split(";")}
        assert {"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} <= policy
        assert response["X-Frame-Options"] == "DENY"

    @pytest.mark.parametrize("query", ["q=L%C3%B2+Th%E1%BB%8B+Alice", "q=a%2Bb%26c%3Dd", "q=", "q", "&&", "q=%25"])
    def test_text_in_utf8_and_plus_signs_pass(self, committee_client, query):
        response = committee_client.get(f"{reverse('admin:submissions_submission_changelist')}?{query}")

        assert response.status_code == 200


class TestAForm:
    def test_a_reason_with_nul_is_refused_before_the_view_changes_anything(
        self, committee_client, contest, published_finalists
    ):
        url = reverse("submissions:publication_unpublish", args=[contest.slug])

        response = committee_client.post(url, b"reason=Sai%00s%C3%B3t", content_type=FORM_URLENCODED)

        _assert_refused(response, FORM_REFUSED)
        contest.refresh_from_db()
        assert contest.finalists_published_at is not None

    def test_a_form_body_that_is_not_utf8_is_refused(self, committee_client, contest, published_finalists):
        url = reverse("submissions:publication_unpublish", args=[contest.slug])

        response = committee_client.post(url, b"reason=Sai%FFs%F3t", content_type=FORM_URLENCODED)

        _assert_refused(response, FORM_REFUSED)
        contest.refresh_from_db()
        assert contest.finalists_published_at is not None

    def test_a_multipart_field_with_nul_is_refused(self, entrant_client, contest):
        body = _multipart("BOUNDARY", _field("title", "Bản em\x00".encode()))

        response = entrant_client.post(
            reverse("submissions:submission_new", args=[contest.slug]),
            body,
            content_type="multipart/form-data; boundary=BOUNDARY",
        )

        _assert_refused(response, FORM_REFUSED)

    def test_a_form_in_plain_utf8_reaches_the_view(self, committee_client, contest, published_finalists):
        url = reverse("submissions:publication_unpublish", args=[contest.slug])

        response = committee_client.post(url, "reason=Sai s\u00f3t", content_type=FORM_URLENCODED)

        assert response.status_code == 302
        contest.refresh_from_db()
        assert contest.finalists_published_at is None


class TestDjangosOwnRefusals:
    def test_a_plain_upload_with_a_5000_character_file_name_gets_the_page_with_the_reason(
        self, entrant_client, contest
    ):
        # Django refuses a part whose headers pass 1 KB; the browser sends the name as the entrant gave it.
        body = _multipart(
            "BOUNDARY",
            _field("title", "Bản em".encode()),
            _file("clip", "a" * 5000 + ".mp4", b"\x00\x00\x00\x18ftypmp42"),
        )

        response = entrant_client.post(
            reverse("submissions:submission_new", args=[contest.slug]),
            body,
            content_type="multipart/form-data; boundary=BOUNDARY",
        )

        _assert_refused(response, MULTIPART_REFUSED)
        assert not Submission.objects.exists()

    def test_a_multipart_body_without_a_boundary_gets_the_page_with_the_reason(self, entrant_client, contest):
        response = entrant_client.post(
            reverse("submissions:submission_new", args=[contest.slug]),
            b"--x\r\n\r\n--x--",
            content_type="multipart/form-data",
        )

        _assert_refused(response, MULTIPART_REFUSED)

    def test_a_form_over_the_size_limit_gets_the_page_with_the_reason(self, settings, english_client, contest):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

        response = english_client.post(
            reverse("account_login"), f"login={'a' * 2000}", content_type=FORM_URLENCODED
        )

        _assert_refused(response, "The form is too large to be read.")

    def test_a_form_of_too_many_fields_gets_the_page_with_the_reason(self, settings, english_client, contest):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

        response = english_client.post(
            reverse("account_login"), "&".join(f"f{n}=1" for n in range(20)), content_type=FORM_URLENCODED
        )

        _assert_refused(response, "The form has too many fields or files to be read.")

    def test_a_400_of_no_known_reason_gets_the_page_without_one(self, english_client, contest):
        response = english_client.get("/", HTTP_HOST="not-served.example")

        assert response.status_code == 400
        html = response.content.decode()
        assert PAGE in html
        assert 'class="message error"' not in html

    def test_the_page_is_in_the_visitor_s_language(self, contest):
        client = Client(raise_request_exception=False)
        client.cookies["django_language"] = "vi"

        response = client.get("/?q=%00")

        assert response.status_code == 400
        assert '<html lang="vi">' in response.content.decode()


class TestCookies:
    def test_a_session_cookie_holding_nul_is_left_out(self, english_client, alice, contest):
        # On PostgreSQL the session key would be looked up as it is, and refused by the database.
        english_client.cookies["sessionid"] = "\x00" * 32

        response = english_client.get(reverse("submissions:my_clips", args=[contest.slug]))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert "sessionid" not in response.wsgi_request.COOKIES

    def test_a_signed_in_visitor_with_another_cookie_holding_nul_stays_signed_in(
        self, english_client, alice, contest
    ):
        english_client.force_login(alice)
        english_client.cookies["something"] = "\x00"

        response = english_client.get(reverse("submissions:my_clips", args=[contest.slug]))

        assert response.status_code == 200
        assert "Log out" in response.content.decode()
        assert "something" not in response.wsgi_request.COOKIES
