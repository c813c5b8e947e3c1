from django.core.management.base import BaseCommand

from judging.son_la_2024 import load_son_la_2024


class Command(BaseCommand):
    help = "Loads (or refreshes) the Sơn La 2024 digital transformation contest exactly as its rules state."

    def handle(self, *args, **options):
        contest = load_son_la_2024()
        self.stdout.write(self.style.SUCCESS(f"Loaded {contest.name} ({contest.slug})."))
