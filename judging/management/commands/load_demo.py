import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from contest_portal.roles import ROLES, role_group
from judging.son_la_2024 import load_son_la_2024

DEMO_ACCOUNTS = [
    # (e-mail, password, staff, superuser, role)
    ("admin@demo.local", "demo-admin-2024", True, True, None),
    ("bantochuc@demo.local", "demo-btc-2024", True, False, "committee"),
    ("thuongtruc@demo.local", "demo-thuongtruc-2024", True, False, "office"),
    ("giamkhao1@demo.local", "demo-giamkhao-2024", True, False, "jury"),
    ("giamkhao2@demo.local", "demo-giamkhao-2024", True, False, "jury"),
    ("thisinh@demo.local", "demo-thisinh-2024", False, False, None),
]


class Command(BaseCommand):
    help = (
        "Loads the demo contest (Sơn La 2024 with its window open now) and demo accounts, and prints the logins."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        contest = load_son_la_2024(
            slug="demo-son-la-2024",
            opens_at=now - datetime.timedelta(days=7),
            closes_at=timezone.localtime(now + datetime.timedelta(days=60)).replace(
                hour=23, minute=59, second=59, microsecond=0
            ),
            code_prefix="DEMO2024",
            short_name="Cuộc thi Chuyển đổi số tỉnh Sơn La (bản thử)",
        )
        User = get_user_model()
        self.stdout.write(
            self.style.SUCCESS(f"Demo contest: {contest.short_name}, open until {contest.closes_at}.")
        )
        for email, password, staff, superuser, role in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=email, defaults={"is_staff": staff, "is_superuser": superuser}
            )
            if created:
                user.set_password(password)
                user.save()
            if role:
                user.groups.add(role_group(role))
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            label = "admin" if superuser else (ROLES[role].label if role else _("entrant"))
            self.stdout.write(f"  {email} / {password}  ({label})")
