"""The final round's permissions for the roles: the jury scores its finalists; the committee configures the
round, reopens scorecards, reminds judges, ranks, awards and publishes (contest_portal/roles.py lists them).

The permissions of the models made by 0002 are created here first, as 0005_roles does, so the groups can
have them on a fresh database."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from contest_portal.roles import roles_sync


def sync_roles(apps, schema_editor):
    app_config = apps.get_app_config("judging")
    # create_permissions skips an app without a models module; the migration state's apps have none.
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    roles_sync(apps=apps, missing_ok=True)


class Migration(migrations.Migration):
    dependencies = [
        ("judging", "0002_final_round"),
        ("submissions", "0005_roles"),
    ]

    # Undoing leaves the groups as they are: the permissions go with their models, if 0002 is undone too.
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
