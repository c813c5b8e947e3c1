"""Who may do what is asked in one place (contest_portal/permissions.py): each predicate names a permission that
exists and that a role holds, and no other module asks Django for a permission by its string."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from contest_portal import permissions
from contest_portal.roles import ROLES

BASE_DIR = Path(__file__).resolve().parent.parent
PREDICATES = {name: value for name, value in vars(permissions).items() if hasattr(value, "permission")}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PREDICATES))
def test_each_predicate_names_a_permission_a_role_holds(name):
    app_label, codename = PREDICATES[name].permission.split(".")

    assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists()
    assert any(PREDICATES[name].permission in role.permissions for role in ROLES.values())


def test_no_module_but_permissions_asks_for_a_permission_by_itself():
    asking = [
        f"{path.relative_to(BASE_DIR)}:{number}"
        for folder in ("contest_portal", "submissions", "judging")
        for path in (BASE_DIR / folder).rglob("*.py")
        if "migrations" not in path.parts and path.name != "permissions.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\.has_perm\(", line)
    ]

    assert asking == []
