"""The statistics page: counts by state, genre, entrant category and locality, clips per day in
Vietnamese time, distinct authors, and who may see them.

Alice enters alone and is also in Bob's group with Dương; Charlie enters with no district given; Eve only has
a withdrawn clip; Dan registered and sent nothing. Staff: a data officer (every permission it needs), a screener (may
view submissions) and an outsider (staff with no permission on submissions)."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from submissions.models import Submission
from submissions.reports import contest_statistics
from submissions.services import submission_authors_record
from tests.conftest import ALICE_ID, BOB_ID, CHARLIE_ID, make_user
from tests.staff import make_staff_with

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DUONG_ID = ("014096000111", datetime.date(1996, 4, 4), "male")
EVE_ID = ("014199000222", datetime.date(1999, 7, 7), "female")
DAN_ID = ("014088000333", datetime.date(1988, 3, 3), "male")
Status = Submission.Status

pytestmark = pytest.mark.django_db


def add_clip(registration, *, status=Status.RECEIVED, genre=None, submitted_at=None, title="Bản em số hoá"):
    """A clip row as the upload leaves it, without the file work: these tests count rows, not videos."""
    contest = registration.contest
    sequence = contest.submissions.count() + 1
    submission = Submission.objects.create(
        contest=contest,
        registration=registration,
        sequence=sequence,
        code=f"{contest.code_prefix}-{sequence:04d}",
        title=title,
        genre=genre or contest.genres.first(),
        summary="Một clip ngắn.",
        status=status,
        clip=f"clips/{contest.slug}/{sequence}.mp4",
        original_filename=f"clip {sequence}.mp4",
        size=12_345_678,
        sha256="ab" * 32,
        container="mp4",
        duration=125.4,
        width=1920,
        height=1080,
        video_codec="h264",
        submitted_at=submitted_at or timezone.now(),
    )
    submission_authors_record(submission=submission)
    return submission


@pytest.fixture
def dataset(contest, register, alice, bob, charlie):
    genres = list(contest.genres.all())
    categories = list(contest.categories.all())
    localities = list(contest.localities.all())
    alone = register(alice, "Lò Thị Alice", ALICE_ID, category=categories[0], locality=localities[0])
    group = register(
        bob,
        "Cầm Văn Bob",
        BOB_ID,
        group_name="Đội Mường La",
        category=categories[3],
        locality=localities[3],
        coauthors=[
            {
                "full_name": "Lò Thị Alice",
                "email": "alice@example.com",
                "date_of_birth": ALICE_ID[1],
                "id_number": ALICE_ID[0],
            },
            {
                "full_name": "Quàng Văn Dương",
                "email": "duong@example.com",
                "date_of_birth": DUONG_ID[1],
                "id_number": DUONG_ID[0],
            },
        ],
    )
    no_district = register(charlie, "Hà Thị Charlie", CHARLIE_ID, category=categories[4], locality=None)
    only_withdrawn = register(
        make_user("eve@example.com"), "Tòng Thị Eve", EVE_ID, category=categories[1], locality=localities[0]
    )
    register(make_user("dan@example.com"), "Vì Văn Dan", DAN_ID)

    add_clip(alone, genre=genres[0])
    add_clip(alone, genre=genres[1], status=Status.WITHDRAWN)
    add_clip(group, genre=genres[0], status=Status.SHORTLISTED)
    add_clip(group, genre=genres[1], status=Status.NOT_SELECTED)
    add_clip(no_district, genre=genres[1], status=Status.DISQUALIFIED)
    add_clip(no_district, genre=genres[0], status=Status.WITHDRAWN)
    add_clip(only_withdrawn, genre=genres[1], status=Status.WITHDRAWN)
    return contest


def _counts(tallies):
    return {tally.label: (tally.clips, tally.finalists, tally.withdrawn) for tally in tallies}


class TestTheNumbers:
    def test_totals_count_withdrawn_clips_apart(self, dataset):
        stats = contest_statistics(contest=dataset)
        assert stats.registrations == 5
        assert stats.clips == 4
        assert stats.finalists == 1
        assert stats.withdrawn == 3

    def test_clips_by_state(self, dataset):
        stats = contest_statistics(contest=dataset)
        assert stats.by_state == {
            Status.RECEIVED: 1,
            Status.SHORTLISTED: 1,
            Status.NOT_SELECTED: 1,
            Status.DISQUALIFIED: 1,
            Status.WITHDRAWN: 3,
        }
        assert [label for label, _count in stats.states] == [
            Status.RECEIVED.label,
            Status.SHORTLISTED.label,
            Status.NOT_SELECTED.label,
            Status.DISQUALIFIED.label,
        ]

    def test_an_author_in_a_group_who_also_entered_alone_counts_once(self, dataset):
        # Alice (alone and in the group), Bob, Dương and Charlie; Eve only withdrew, Dan sent nothing.
        assert contest_statistics(contest=dataset).authors == 4

    def test_a_group_whose_clips_were_all_withdrawn_brings_no_author(self, dataset):
        Submission.objects.filter(registration__group_name="Đội Mường La").update(status=Status.WITHDRAWN)
        # Alice still has her own clip; Bob and Dương are gone.
        assert contest_statistics(contest=dataset).authors == 2

    def test_clips_by_genre(self, dataset):
        first, second = dataset.genres.all()
        assert _counts(contest_statistics(contest=dataset).by_genre) == {
            first.name: (2, 1, 1),
            second.name: (2, 0, 2),
        }

    def test_clips_by_entrant_category_list_every_category(self, dataset):
        categories = [category.name for category in dataset.categories.all()]
        counts = _counts(contest_statistics(contest=dataset).by_category)
        assert list(counts) == categories
        assert counts == {
            categories[0]: (1, 0, 1),
            categories[1]: (0, 0, 1),
            categories[2]: (0, 0, 0),
            categories[3]: (2, 1, 0),
            categories[4]: (1, 0, 1),
        }

    def test_clips_by_locality_with_the_district_not_given_last(self, dataset, english):
        localities = [locality.name for locality in dataset.localities.all()]
        tallies = contest_statistics(contest=dataset).by_locality
        counts = _counts(tallies)
        assert [tally.label for tally in tallies] == [*localities, "not given"]
        assert counts[localities[0]] == (1, 0, 2)
        assert counts[localities[3]] == (2, 1, 0)
        assert counts["not given"] == (1, 0, 1)
        assert sum(clips for clips, _f, _w in counts.values()) == 4

    def test_an_empty_contest_has_zeros_and_no_days(self, contest):
        stats = contest_statistics(contest=contest)
        assert (stats.registrations, stats.clips, stats.withdrawn, stats.authors) == (0, 0, 0, 0)
        assert stats.by_day == []
        assert all(tally.clips == 0 for tally in stats.by_genre)

    def test_it_counts_in_a_fixed_number_of_queries(self, dataset, django_assert_num_queries):
        with django_assert_num_queries(9):
            contest_statistics(contest=dataset)


class TestClipsPerDay:
    def test_days_are_those_of_vietnam_not_utc(self, contest, register, alice, submit):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        day = timezone.localdate() - datetime.timedelta(days=3)
        late_evening = datetime.datetime.combine(day, datetime.time(23, 30), tzinfo=VIETNAM)
        # 00:30 in Sơn La is still 17:30 of the day before in UTC.
        just_after_midnight = late_evening + datetime.timedelta(hours=1)
        for moment in (late_evening, just_after_midnight):
            with time_machine.travel(moment, tick=False):
                submit(registration)

        by_day = contest_statistics(contest=contest).by_day
        assert [(entry.day, entry.clips) for entry in by_day] == [
            (day, 1),
            (day + datetime.timedelta(days=1), 1),
        ]

    def test_days_without_clips_are_there_with_zero(self, contest, register, alice):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        first = datetime.datetime(2024, 6, 20, 9, 0, tzinfo=VIETNAM)
        add_clip(registration, submitted_at=first)
        add_clip(registration, submitted_at=first + datetime.timedelta(days=3), status=Status.WITHDRAWN)
        add_clip(registration, submitted_at=first + datetime.timedelta(days=3, hours=2))

        by_day = contest_statistics(contest=contest).by_day
        assert [(entry.day.day, entry.clips, entry.withdrawn) for entry in by_day] == [
            (20, 1, 0),
            (21, 0, 0),
            (22, 0, 0),
            (23, 1, 1),
        ]


@pytest.fixture
def data_officer(db):
    return make_staff_with("btc@example.com", "view_submission", "export_submissions", "view_personal_data")


@pytest.fixture
def screener(db):
    return make_staff_with("ctt@example.com", "view_submission")


@pytest.fixture
def outsider(db):
    return make_staff_with("bgk@example.com")


STATISTICS = reverse("reports:statistics")


class TestThePage:
    def test_it_shows_the_current_contest_by_default(self, client, screener, dataset, english):
        client.force_login(screener)
        response = client.get(STATISTICS, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert response.context["contest"] == dataset
        page = response.content.decode()
        assert dataset.name in page
        assert "Đội Mường La" not in page  # numbers, not people
        for genre in dataset.genres.all():
            assert genre.name in page
        assert '<svg class="statistics-chart"' in page
        assert "Clips by district / city" in page

    def test_without_any_contest_it_says_so(self, client, screener, english):
        client.force_login(screener)
        response = client.get(STATISTICS, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert "There is no contest yet." in response.content.decode()

    def test_another_contest_is_chosen_by_its_slug(self, client, screener, dataset):
        from judging.son_la_2024 import load_son_la_2024

        other = load_son_la_2024(slug="son-la-2025", code_prefix="CDS2025", name="Cuộc thi năm 2025")
        client.force_login(screener)
        response = client.get(STATISTICS, {"contest": other.slug})
        assert response.context["contest"] == other
        assert response.context["stats"].clips == 0
        assert client.get(STATISTICS, {"contest": "no-such-contest"}).status_code == 404

    def test_the_chart_is_drawn_without_scripts(self, client, screener, dataset):
        client.force_login(screener)
        page = client.get(STATISTICS).content.decode()
        content = page.split('id="content-main"')[1]
        chart = content[content.index('<svg class="statistics-chart"') : content.index("</svg>")]
        assert "<script" not in content
        assert 'class="clips"' in chart
        # Geometry is written the way SVG reads numbers (376.0), not as Vietnamese formats them (376,0).
        assert re.search(r'<rect class="clips" x="\d+\.\d"', chart)
        assert not re.search(r'="[\d.]*,', chart)

    def test_numbers_are_formatted_for_the_reader(self, client, screener, contest, register, alice):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        Submission.objects.bulk_create(
            Submission(
                contest=contest,
                registration=registration,
                sequence=n,
                code=f"X-{n}",
                title="x",
                genre=contest.genres.first(),
                summary="x",
                clip="x.mp4",
                original_filename="x.mp4",
                size=1,
                sha256="0" * 64,
                container="mp4",
                duration=1,
                width=1,
                height=1,
                video_codec="h264",
            )
            for n in range(1, 1235)
        )
        client.force_login(screener)
        vietnamese = client.get(STATISTICS, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        assert "1.234" in vietnamese
        client.cookies["django_language"] = "en"
        english = client.get(STATISTICS).content.decode()
        assert "1,234" in english

    def test_export_links_are_shown_only_to_those_who_may_export(self, client, screener, data_officer, dataset):
        client.force_login(screener)
        assert reverse("reports:export", args=["xlsx"]) not in client.get(STATISTICS).content.decode()
        client.force_login(data_officer)
        assert reverse("reports:export", args=["xlsx"]) in client.get(STATISTICS).content.decode()

    def test_it_takes_the_same_number_of_queries_for_1_and_50_clips(
        self, client, screener, contest, register, alice
    ):
        registration = register(alice, "Lò Thị Alice", ALICE_ID)
        client.force_login(screener)

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(STATISTICS).status_code == 200
            return len(captured)

        add_clip(registration)
        with_one = queries()
        genres = list(contest.genres.all())
        for n in range(49):
            add_clip(
                registration,
                genre=genres[n % 2],
                status=[Status.RECEIVED, Status.SHORTLISTED, Status.WITHDRAWN][n % 3],
                submitted_at=timezone.now() - datetime.timedelta(hours=7 * n),
            )
        assert queries() == with_one


class TestWhoMaySeeIt:
    def test_anonymous_visitors_are_sent_to_the_admin_login(self, client, dataset):
        response = client.get(STATISTICS)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    def test_an_entrant_is_sent_to_the_admin_login(self, client, alice, dataset):
        client.force_login(alice)
        response = client.get(STATISTICS)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    def test_staff_without_the_permission_to_view_submissions_are_refused(self, client, outsider, dataset):
        client.force_login(outsider)
        response = client.get(STATISTICS)
        assert response.status_code == 403
        assert str(dataset.name) not in response.content.decode()
