"""The fanpage's counts: recorded by the committee with a screenshot checked by its content, the screenshot served
to those who may see the counts only, and the latest count feeding the side prize's reason."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from contest_portal.refusals import NotAllowed, Refusal
from submissions.audience_vote import side_prize_suggestion
from submissions.fanpage_counts import fanpage_count_record
from submissions.models import Contest, FanpageCount, Submission
from submissions.publication import finalists_publish
from tests.conftest import close_entries
from tests.staff import make_staff

pytestmark = pytest.mark.django_db


def _picture(name="fanpage.png", kind="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (24, 119, 242)).save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _text_as_png():
    return SimpleUploadedFile("fanpage.png", b"1.234 likes, honestly\n" * 20, content_type="image/png")


@pytest.fixture
def finalists(contest, committee, make_finalists):
    clips = make_finalists(2)
    close_entries(contest)
    finalists_publish(contest=contest, user=committee)
    return clips


def _add(client, finalist, count, screenshot):
    client.cookies["django_language"] = "en"
    return client.post(
        reverse("admin:submissions_fanpagecount_add"),
        {"submission": finalist.pk, "count": count, "screenshot": screenshot},
    )


class TestRecording:
    def test_the_committee_records_a_count_with_its_screenshot(self, client, contest, finalists, committee):
        client.force_login(committee)
        response = _add(client, finalists[0], "1234", _picture())
        assert response.status_code == 302
        record = FanpageCount.objects.get()
        assert (record.submission, record.count, record.recorded_by) == (finalists[0], 1234, committee)
        assert record.screenshot.name.startswith(f"fanpage/{contest.slug}/")
        assert record.screenshot.name.endswith(".png")
        assert timezone.now() - record.recorded_at < datetime.timedelta(minutes=1)

    def test_a_text_file_named_png_is_refused(self, client, contest, finalists, committee):
        client.force_login(committee)
        response = _add(client, finalists[0], "10", _text_as_png())
        assert response.status_code == 200
        assert "The screenshot is not a picture: send a PNG, JPEG or WebP image." in response.content.decode()
        assert not FanpageCount.objects.exists()

    def test_the_service_refuses_it_too(self, contest, finalists, committee, english):
        with pytest.raises(Refusal) as refused:
            fanpage_count_record(submission=finalists[0], count=10, screenshot=_text_as_png(), user=committee)
        assert refused.value.field == "screenshot"
        assert not FanpageCount.objects.exists()

    def test_a_jpeg_named_png_is_stored_as_what_it_is(self, contest, finalists, committee):
        record = fanpage_count_record(
            submission=finalists[0], count=10, screenshot=_picture("anh.png", "JPEG"), user=committee
        )
        assert record.screenshot.name.endswith(".jpg")

    def test_only_a_finalists_count_is_recorded(self, contest, finalists, make_finalists, committee):
        (not_selected,) = make_finalists(1, status=Submission.Status.NOT_SELECTED)
        with pytest.raises(Refusal):
            fanpage_count_record(submission=not_selected, count=10, screenshot=_picture(), user=committee)

    def test_the_standing_office_may_not_record(self, contest, finalists, office):
        with pytest.raises(NotAllowed):
            fanpage_count_record(submission=finalists[0], count=10, screenshot=_picture(), user=office)

    def test_a_record_is_neither_changed_nor_deleted_in_the_admin(self, client, contest, finalists, committee):
        record = fanpage_count_record(submission=finalists[0], count=10, screenshot=_picture(), user=committee)
        client.force_login(committee)
        change = reverse("admin:submissions_fanpagecount_change", args=[record.pk])
        page = client.get(change)
        assert page.status_code == 200
        assert 'name="count"' not in page.content.decode()
        assert reverse("submissions:fanpage_screenshot", args=[record.pk]) in page.content.decode()
        assert client.post(change, {"count": "99999"}).status_code == 403
        assert client.post(reverse("admin:submissions_fanpagecount_delete", args=[record.pk])).status_code == 403
        record.refresh_from_db()
        assert record.count == 10


class TestTheScreenshot:
    @pytest.fixture
    def record(self, contest, finalists, committee):
        return fanpage_count_record(submission=finalists[0], count=10, screenshot=_picture(), user=committee)

    def _get(self, client, record):
        return client.get(reverse("submissions:fanpage_screenshot", args=[record.pk]))

    def test_the_committee_fetches_it(self, client, record, committee):
        client.force_login(committee)
        response = self._get(client, record)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        body = b"".join(response.streaming_content)
        assert Image.open(io.BytesIO(body)).format == "PNG"

    def test_the_standing_office_an_entrant_and_a_stranger_do_not(self, client, record, office, alice):
        client.force_login(office)
        assert self._get(client, record).status_code == 404
        client.force_login(alice)
        assert self._get(client, record).status_code == 404
        client.logout()
        assert self._get(client, record).status_code == 302

    def test_another_contests_committee_does_not(self, client, record, contest):
        other = Contest.objects.create(
            slug="other",
            code_prefix="OTHER",
            name="Another contest",
            short_name="Another",
            theme="x",
            eligibility="x",
            content_rules="x",
            opens_at=contest.opens_at,
            closes_at=contest.closes_at,
        )
        someone = make_staff("btc-khac@example.com", "committee", contests=[other])
        client.force_login(someone)
        assert self._get(client, record).status_code == 404


def test_the_latest_count_feeds_the_side_prizes_reason(contest, finalists, committee, english):
    fanpage_count_record(submission=finalists[0], count=900, screenshot=_picture(), user=committee)
    fanpage_count_record(submission=finalists[1], count=1500, screenshot=_picture(), user=committee)
    # A later reading of the first finalist's post: it passed the second.
    fanpage_count_record(submission=finalists[0], count=2048, screenshot=_picture(), user=committee)
    suggestion = side_prize_suggestion(contest=contest, source="fanpage")
    assert suggestion.submission == finalists[0]
    assert suggestion.reason == "Most likes and shares on the contest's fanpage: 2,048"
