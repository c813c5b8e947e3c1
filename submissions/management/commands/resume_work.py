from django.core.management.base import BaseCommand
from django.utils import timezone

from submissions.media.pipeline import media_work_requeue
from submissions.uploads import upload_check_stalled


class Command(BaseCommand):
    help = (
        "Queues again the work a lost worker left undone: the media of clips still being processed and the check "
        "of received uploads nobody holds. `make run` runs it at each start; run it once the workers of a lost "
        "machine are replaced. Work queued twice is done once."
    )

    def handle(self, *args, **options):
        clips = media_work_requeue()
        checks = upload_check_stalled(sent_before=timezone.now())
        self.stdout.write(f"{clips} clip(s) queued for media work, {checks} upload check(s) queued.")
