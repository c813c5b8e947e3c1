"""The staff roles as groups with their permissions: Ban Tổ chức, Cơ quan Thường trực, Ban Giám khảo.

Permissions are otherwise made after the last migration (post_migrate); they are made here first, so the
groups can have them on a fresh database."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from contest_portal.roles import ROLES, roles_sync


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # create_permissions skips an app without a models module; the migration state's apps have none.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_sync(apps=apps, missing_ok=True)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[role.group_name for role in ROLES.values()]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0004_alter_submission_options_and_more"),
        ("mail", "0004_decision_mail_templates"),
        ("judging", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
