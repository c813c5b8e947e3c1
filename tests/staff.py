"""Staff accounts in their roles, as `manage.py create_staff` makes them (without going through the command), or
with only the permissions a test names."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from submissions.models import Contest
from submissions.staff import role_grant

PASSWORD = "a-long-test-password"


def make_staff(email, role, *, full_name="", contests=None):
    """A staff account with `role` ("committee", "office" or "jury") in `contests` (every contest there is
    when left out)."""
    user = get_user_model().objects.create_user(
        email=email, password=PASSWORD, is_staff=True, full_name=full_name or email.split("@")[0].title()
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    for contest in Contest.objects.all() if contests is None else contests:
        role_grant(user, role, contest)
    return user


def make_staff_with(email, *codenames, app_label="submissions"):
    """A staff account outside every role, with just these permissions of `app_label`."""
    user = get_user_model().objects.create_user(email=email, password=PASSWORD, is_staff=True)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )
    return user


def make_judges(count, contests=None):
    """`count` members of the jury, in the order assignments go round them: giamkhao1@example.com, ..."""
    return [
        make_staff(f"giamkhao{index}@example.com", "jury", full_name=f"Giám khảo {index}", contests=contests)
        for index in range(1, count + 1)
    ]
