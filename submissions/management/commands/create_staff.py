import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from contest_portal.roles import ROLES
from submissions.models import Contest
from submissions.staff import role_grant

# No 0/O or 1/l/I: the password is read off a screen and typed in.
PASSWORD_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Command(BaseCommand):
    help = (
        "Creates a staff account in a role: committee (Ban Tổ chức), office (Cơ quan Thường trực) or jury "
        "(Ban Giám khảo), in the contests named (every contest, without --contest). Prints a generated password "
        "unless one is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=list(ROLES))
        parser.add_argument("--password", help="At least 8 characters; generated and printed if left out.")
        parser.add_argument("--name", default="", help="The person's full name, as the admin shows it.")
        parser.add_argument(
            "--contest", action="append", default=[], metavar="SLUG", help="A contest of theirs; may be repeated."
        )

    def handle(self, *args, email, role, password, name, contest, **options):
        User = get_user_model()
        contests = list(Contest.objects.filter(slug__in=contest)) if contest else list(Contest.objects.all())
        unknown = set(contest) - {found.slug for found in contests}
        if unknown:
            raise CommandError(f"No contest at {', '.join(sorted(unknown))}.")
        email = User.objects.normalize_email(email).lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email}: {' '.join(error.messages)}") from None
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"There is already an account for {email}; change its roles in the admin.")
        generated = password is None
        if generated:
            password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(16))
        else:
            try:
                password_validation.validate_password(password, User(email=email, full_name=name))
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None

        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, full_name=name, is_staff=True)
            # Verified: the address is the one the organisers gave, and allauth's login asks for it.
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            for each in contests:
                role_grant(user, role, each)

        where = ", ".join(each.slug for each in contests) or "no contest yet"
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff account {email} created: {ROLES[role].group_name} ({ROLES[role].label}) in {where}."
            )
        )
        if generated:
            self.stdout.write(f"Password: {password}")
