"""The default wording of the decision e-mails, which the committee then edits in the admin.

The text comes from templates/emails/<key>_subject.txt and <key>.txt; a template the committee already has is
left as it is."""

from django.db import migrations
from django.template.loader import get_template

DECISION_TEMPLATES = [
    ("decision_shortlisted", "Thông báo kết quả Sơ loại: clip vào vòng Chung kết"),
    ("decision_not_selected", "Thông báo kết quả Sơ loại: clip không được chọn"),
    ("decision_disqualified", "Thông báo clip không đủ điều kiện dự thi"),
]


def create_decision_templates(apps, schema_editor):
    create_templates(apps, DECISION_TEMPLATES)


def create_templates(apps, templates):
    """Stores the default wording of each (key, description) of `templates`; later migrations call it too."""
    MailTemplate = apps.get_model("mail", "MailTemplate")
    for key, description in templates:
        MailTemplate.objects.get_or_create(
            key=key,
            defaults={
                "description": description,
                "subject": get_template(f"emails/{key}_subject.txt").template.source.strip(),
                "body_text": get_template(f"emails/{key}.txt").template.source,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0003_release_permission"),
    ]

    operations = [
        # Going back keeps the rows: they may hold the committee's wording.
        migrations.RunPython(create_decision_templates, migrations.RunPython.noop),
    ]
