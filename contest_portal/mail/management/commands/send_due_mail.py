from django.core.management.base import BaseCommand

from contest_portal.mail.services import mail_send_due


class Command(BaseCommand):
    help = (
        "Sends mail still waiting: failed sends whose backoff is over, queued mail whose task was lost, and sends "
        "whose worker died, once their lease is over."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{mail_send_due()} mail(s) sent.")
