import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from contest_portal.roles import ROLES
from judging.son_la_2024 import load_son_la_2024
from submissions.staff import role_grant

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
        "Loads two demo contests (Sơn La 2024 with its window open now, and a second one announced for later) "
        "and demo accounts with their roles in both, and prints the logins."
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
        opens_later = timezone.localtime(now + datetime.timedelta(days=90)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        later = load_son_la_2024(
            slug="demo-cds-2025",
            opens_at=opens_later,
            closes_at=(opens_later + datetime.timedelta(days=60)).replace(hour=23, minute=59, second=59),
            code_prefix="DEMO2025",
            name="Cuộc thi sáng tạo video clip về Chuyển đổi số năm 2025 (bản thử)",
            short_name="Cuộc thi Chuyển đổi số 2025 (bản thử)",
        )
        User = get_user_model()
        for each in (contest, later):
            self.stdout.write(
                self.style.SUCCESS(f"Demo contest: {each.short_name}, open {each.opens_at} to {each.closes_at}.")
            )
        for email, password, staff, superuser, role in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=email, defaults={"is_staff": staff, "is_superuser": superuser}
            )
            if created:
                user.set_password(password)
                user.save()
            if role:
                for each in (contest, later):
                    role_grant(user, role, each)
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            label = "admin" if superuser else (ROLES[role].label if role else _("entrant"))
            self.stdout.write(f"  {email} / {password}  ({label})")
