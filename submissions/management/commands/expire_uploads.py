from django.core.management.base import BaseCommand

from submissions.uploads import upload_expire_stale


class Command(BaseCommand):
    help = "Removes resumable uploads left unfinished (or refused) past their expiry, with their bytes."

    def handle(self, *args, **options):
        self.stdout.write(f"{upload_expire_stale()} expired upload(s) removed.")
