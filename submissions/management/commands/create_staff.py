import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from contest_portal.roles import ROLES, role_group

# No 0/O or 1/l/I: the password is read off a screen and typed in.
PASSWORD_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Command(BaseCommand):
    help = (
        "Creates a staff account in a role: committee (Ban Tổ chức), office (Cơ quan Thường trực) or jury "
        "(Ban Giám khảo). Prints a generated password unless one is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=list(ROLES))
        parser.add_argument("--password", help="At least 8 characters; generated and printed if left out.")
        parser.add_argument("--name", default="", help="The person's full name, as the admin shows it.")

    def handle(self, *args, email, role, password, name, **options):
        User = get_user_model()
        email = User.objects.normalize_email(email).lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email}: {' '.join(error.messages)}") from None
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"There is already an account for {email}; change its groups in the admin.")
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
            group = role_group(role)
            user.groups.add(group)

        self.stdout.write(
            self.style.SUCCESS(f"Staff account {email} created in {group.name} ({ROLES[role].label}).")
        )
        if generated:
            self.stdout.write(f"Password: {password}")
