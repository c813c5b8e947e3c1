"""The default wording of the e-mails that publishing the results drafts, which the committee can edit in the
admin before it publishes: the award, and the finalist without a prize.

The text comes from templates/emails/<key>_subject.txt and <key>.txt; a template the committee already has is
left as it is."""

from importlib import import_module

from django.db import migrations

RESULT_TEMPLATES = [
    ("award", "Thông báo đạt giải"),
    ("finalist_no_prize", "Thông báo kết quả Chung kết: clip chưa đạt giải"),
]


def create_result_templates(apps, schema_editor):
    import_module("contest_portal.mail.migrations.0004_decision_mail_templates").create_templates(
        apps, RESULT_TEMPLATES
    )


class Migration(migrations.Migration):
    dependencies = [
        ("judging", "0003_judging_roles"),
        ("mail", "0004_decision_mail_templates"),
    ]

    operations = [
        # Going back keeps the rows: they may hold the committee's wording.
        migrations.RunPython(create_result_templates, migrations.RunPython.noop),
    ]
