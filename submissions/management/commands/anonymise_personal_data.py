from django.core.management.base import BaseCommand
from django.utils import timezone

from submissions.retention import contest_personal_data_anonymise, retention_plan


def _day(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d")


class Command(BaseCommand):
    help = (
        "Anonymises the personal data of the contests whose retention period (retention_months after the results "
        "were published) is over: ID numbers, birth dates, addresses and phones, except what the prize winners' "
        "payments need (name, ID number, address). Without --apply it only shows what it would do: the contests "
        "and the rows per table. The daily task does the same (submissions.tasks.personal_data_retention_task)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="Anonymise; without it, nothing changes (a dry run, the default)."
        )

    def handle(self, *args, apply, **options):
        # One instant for the plan and the run, so a period ending in between does not make them disagree.
        now = timezone.now()
        due = retention_plan(now=now)
        if not due:
            self.stdout.write("No contest is due for anonymisation.")
            return
        for retention in due:
            contest = retention.contest
            self.stdout.write(
                f"{contest.slug}: results published {_day(retention.results_published_at)}, "
                f"kept for {contest.retention_months} months, until {_day(retention.ends_at)}"
            )
            counts = retention.counts
            if apply:
                counts = contest_personal_data_anonymise(contest=contest, now=now)
                if counts is None:
                    self.stdout.write("  anonymised meanwhile by another run")
                    continue
            for table, rows in counts.items():
                self.stdout.write(f"  {table}: {rows}")
        if apply:
            self.stdout.write("Anonymised.")
        else:
            self.stdout.write("Dry run: nothing changed. Run with --apply to anonymise.")
