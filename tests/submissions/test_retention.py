"""The end of a contest's retention period (submissions.retention): ID numbers, birth dates, addresses and phones
are anonymised, except what the prize winners' payments need; `manage.py anonymise_personal_data` shows it first.

Alice's group (with Phương, P) won a prize; Bob, a minor with a guardian, was a finalist who won nothing."""

import datetime
import inspect
import logging
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from judging.models import Award
from submissions import winners
from submissions.anonymisation import ANONYMISED_BIRTH_DATE
from submissions.models import (
    AudienceVote,
    CoAuthor,
    Contest,
    ContestEvent,
    Guardian,
    Registration,
    Submission,
    SubmissionAuthor,
)
from submissions.phases import Phase
from submissions.retention import contest_personal_data_anonymise, personal_data_retention_run, retention_plan
from submissions.tasks import personal_data_retention_task
from tests.conftest import ALICE_ID, BOB_ID, CHARLIE_ID, open_final_round

pytestmark = pytest.mark.django_db

PHUONG = {
    "full_name": "Vì Thị Phương",
    "email": "phuong@example.com",
    "date_of_birth": CHARLIE_ID[1],
    "id_number": CHARLIE_ID[0],
    "phone": "0977111222",
}
DAY = datetime.timedelta(days=1)

# What the anonymisation changes in this contest, table by table, worked out by hand: Alice's form and Bob's, P,
# Bob's guardian, the recorded authors of Alice's clip (Alice, P) and of Bob's (Bob), and the address Bob's vote
# for Alice's clip came from.
EXPECTED_COUNTS = {
    "registrations": 1,
    "registrations of prize winners": 1,
    "co-authors": 0,
    "co-authors of prize winners": 1,
    "guardians": 1,
    "clip authors": 1,
    "clip authors of prize-winning clips": 2,
    "audience votes": 1,
}


def _published(contest, at):
    Contest.objects.filter(pk=contest.pk).update(stage=Phase.PUBLISHED)
    ContestEvent.objects.create(
        contest=contest, action="publish_results", from_phase=Phase.FINAL, to_phase=Phase.PUBLISHED, created_at=at
    )


@pytest.fixture
def results(contest, register, alice, bob, submit, committee):
    """The contest's results published on 10 January 2025; Alice's clip won the first prize, Bob's none."""
    group = register(alice, "Lò Thị Alice", ALICE_ID, group_name="Nhóm Bản Mòng", coauthors=[PHUONG])
    winning = submit(group, title="Chợ phiên trên điện thoại")
    bobs = register(bob, "Cầm Văn Bob", BOB_ID)
    Guardian.objects.create(
        registration=bobs, full_name="Cầm Văn Bố", relation="bố", phone="0987654321", email="bo@example.com"
    )
    other = submit(bobs, title="Bản em lên số")
    open_final_round(contest)
    Submission.objects.filter(pk__in=[winning.pk, other.pk]).update(status=Submission.Status.SHORTLISTED)
    Award.objects.create(tier=contest.prize_tiers.first(), submission=winning, awarded_by=committee)
    AudienceVote.objects.create(contest=contest, submission=winning, user=bob, address="203.0.113.7")
    published_at = timezone.make_aware(datetime.datetime(2025, 1, 10, 20, 0))
    _published(contest, published_at)
    return published_at


def _command(*options):
    out = StringIO()
    call_command("anonymise_personal_data", *options, stdout=out)
    return out.getvalue()


def _counts(output):
    return dict(
        (table.strip(), int(rows))
        for table, rows in (line.rsplit(":", 1) for line in output.splitlines() if line.startswith("  "))
    )


class TestWhenItIsDue:
    def test_nothing_is_due_until_retention_months_after_the_results(self, contest, results):
        assert contest.retention_months == 12
        assert retention_plan(now=results + datetime.timedelta(days=365) - DAY) == []
        assert (
            contest_personal_data_anonymise(contest=contest, now=results + datetime.timedelta(days=365) - DAY)
            is None
        )

        (due,) = retention_plan(now=results + datetime.timedelta(days=366))

        assert due.contest == contest
        assert timezone.localtime(due.ends_at).date() == datetime.date(2026, 1, 10)

    def test_a_correction_of_the_results_does_not_start_the_period_again(self, contest, results):
        ContestEvent.objects.create(
            contest=contest,
            action="results_corrected",
            from_phase=Phase.PUBLISHED,
            to_phase=Phase.PUBLISHED,
            created_at=results + datetime.timedelta(days=200),
        )

        (due,) = retention_plan(now=results + datetime.timedelta(days=366))

        assert due.results_published_at == results

    def test_a_contest_whose_results_are_not_published_is_never_due(self, contest, register, alice):
        register(alice, "Lò Thị Alice", ALICE_ID)
        open_final_round(contest)

        assert retention_plan(now=timezone.now() + datetime.timedelta(days=3650)) == []


class TestTheDryRunAndTheRun:
    def test_they_agree_table_by_table(self, contest, results):
        now = results + datetime.timedelta(days=400)

        (planned,) = retention_plan(now=now)
        done = contest_personal_data_anonymise(contest=contest, now=now)

        assert planned.counts == EXPECTED_COUNTS
        assert done == EXPECTED_COUNTS
        assert list(AudienceVote.objects.values_list("address", flat=True)) == [None]

    def test_the_command_shows_what_it_then_does_and_the_dry_run_is_the_default(self, contest, results):
        dry_run = _command()
        before = list(Registration.objects.order_by("pk").values_list("id_number", "phone"))

        assert "Dry run: nothing changed. Run with --apply to anonymise." in dry_run
        assert "test-contest: results published 2025-01-10, kept for 12 months, until 2026-01-10" in dry_run
        assert list(Registration.objects.order_by("pk").values_list("id_number", "phone")) == before
        assert Contest.objects.get(pk=contest.pk).personal_data_anonymised_at is None

        applied = _command("--apply")

        assert _counts(dry_run) == _counts(applied) == EXPECTED_COUNTS
        assert "Anonymised." in applied
        assert Contest.objects.get(pk=contest.pk).personal_data_anonymised_at is not None
        assert _command() == "No contest is due for anonymisation.\n"

    def test_it_is_done_once(self, contest, results):
        now = results + datetime.timedelta(days=400)

        assert [counts for _contest, counts in personal_data_retention_run(now=now)] == [EXPECTED_COUNTS]
        assert personal_data_retention_run(now=now) == []
        assert contest_personal_data_anonymise(contest=contest, now=now) is None
        assert Contest.objects.get(pk=contest.pk).personal_data_anonymised_at == now


class TestWhatIsKept:
    def test_the_winners_keep_what_their_payment_needs_and_the_others_lose_it(self, contest, results):
        contest_personal_data_anonymise(contest=contest, now=results + datetime.timedelta(days=400))

        alice = Registration.objects.get(user__email="alice@example.com")
        assert (alice.full_name, alice.id_number, alice.address) == (
            "Lò Thị Alice",
            ALICE_ID[0],
            "Phường Chiềng Lề, Thành phố Sơn La",
        )
        assert (alice.date_of_birth, alice.phone) == (None, "")
        phuong = CoAuthor.objects.get()
        assert (phuong.full_name, phuong.id_number) == ("Vì Thị Phương", CHARLIE_ID[0])
        assert (phuong.date_of_birth, phuong.phone) == (ANONYMISED_BIRTH_DATE, "")
        winning_authors = SubmissionAuthor.objects.filter(submission__awards__isnull=False).order_by("order")
        assert [(a.full_name, a.id_number, a.date_of_birth) for a in winning_authors] == [
            ("Lò Thị Alice", ALICE_ID[0], None),
            ("Vì Thị Phương", CHARLIE_ID[0], None),
        ]

        bob = Registration.objects.get(user__email="bob@example.com")
        assert bob.full_name == "Cầm Văn Bob"
        assert bob.id_number == f"R{bob.pk:011d}"
        assert (bob.date_of_birth, bob.address, bob.phone) == (None, "", "")
        bobs_author = SubmissionAuthor.objects.get(submission__registration=bob)
        assert (bobs_author.full_name, bobs_author.id_number, bobs_author.date_of_birth) == (
            "Cầm Văn Bob",
            f"A{bobs_author.pk:011d}",
            None,
        )
        guardian = Guardian.objects.get()
        assert (guardian.full_name, guardian.phone) == ("Cầm Văn Bố", "")

    def test_without_a_source_of_winners_it_refuses_to_guess(self, contest, results, monkeypatch):
        monkeypatch.setattr(winners, "WINNER_SOURCES", [])

        with pytest.raises(ImproperlyConfigured):
            contest_personal_data_anonymise(contest=contest, now=results + datetime.timedelta(days=400))

        assert Registration.objects.get(user__email="alice@example.com").id_number == ALICE_ID[0]


class TestTheTask:
    def test_it_takes_no_arguments_so_nothing_personal_goes_through_the_broker(self):
        entry = settings.CELERY_BEAT_SCHEDULE["anonymise-personal-data"]

        assert entry["task"] == "submissions.tasks.personal_data_retention_task"
        assert not entry.get("args") and not entry.get("kwargs")
        assert inspect.signature(personal_data_retention_task.run).parameters == {}

    def test_it_logs_the_contest_and_counts_and_nothing_personal(self, contest, results, caplog, time_machine):
        time_machine.move_to(results + datetime.timedelta(days=400))

        with caplog.at_level(logging.DEBUG):
            assert personal_data_retention_task.delay().get() == 1

        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert "test-contest" in logged
        for personal in [
            ALICE_ID[0],
            BOB_ID[0],
            CHARLIE_ID[0],
            "0912345678",
            "0987654321",
            "Chiềng Lề",
            "Cầm Văn Bob",
        ]:
            assert personal not in logged
