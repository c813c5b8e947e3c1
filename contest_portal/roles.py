"""The staff roles: a group each, with the permissions its work needs.

The groups' stored names are the contest's own words (Ban Tổ chức, Cơ quan Thường trực, Ban Giám khảo);
`label` is what the admin shows in the reader's language. The migration submissions 0005_roles creates the groups; a
change to a role's permissions goes in a new migration that calls `roles_sync` again."""

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.utils.translation import gettext_lazy as _

COMMITTEE = "Ban Tổ chức"
STANDING_OFFICE = "Cơ quan Thường trực"
JURY = "Ban Giám khảo"

_CONTEST_SETTINGS = [
    f"{app}.{action}_{model}"
    for app, model in [
        ("submissions", "contest"),
        ("submissions", "entrantcategory"),
        ("submissions", "clipgenre"),
        ("submissions", "locality"),
        ("submissions", "faqentry"),
        ("submissions", "audiencevotewindow"),
        ("judging", "prizetier"),
    ]
    for action in ("add", "change", "delete", "view")
]
_FINAL_ROUND_SETTINGS = [
    f"judging.{action}_{model}"
    for model in ("criterion", "finalround", "panel", "assignment")
    for action in ("add", "change", "delete", "view")
]


@dataclass(frozen=True)
class Role:
    key: str  # as `create_staff --role` names it
    group_name: str
    label: str
    permissions: tuple  # "app_label.codename"


ROLES = {
    role.key: role
    for role in [
        Role(
            "committee",
            COMMITTEE,
            _("Organizing Committee"),
            (
                *_CONTEST_SETTINGS,
                "submissions.view_registration",
                "submissions.view_coauthor",
                "submissions.view_submission",
                "submissions.change_submission",
                "submissions.view_submissiondocument",
                "submissions.view_upload",
                "submissions.screen_submission",
                "submissions.change_told_decision",
                "submissions.disqualify_submission",
                "submissions.view_personal_data",
                "submissions.change_submission_authors",
                "submissions.run_contest",
                "submissions.publish_finalists",
                "submissions.export_submissions",
                "submissions.view_audiencevote",
                "submissions.view_fanpagecount",
                "submissions.add_fanpagecount",
                "mail.view_outgoingmail",
                "mail.change_outgoingmail",
                "mail.release_outgoingmail",
                "mail.view_mailtemplate",
                "mail.change_mailtemplate",
                *_FINAL_ROUND_SETTINGS,
                "judging.view_scorecard",
                "judging.view_score",
                "judging.view_scorecardevent",
                "judging.reopen_scorecard",
                "judging.remind_judges",
                "judging.view_rankingrun",
                "judging.run_ranking",
                "judging.approve_ranking",
                "judging.view_award",
                "judging.award_prizes",
                "judging.publish_results",
            ),
        ),
        Role(
            "office",
            STANDING_OFFICE,
            _("Standing Office"),
            (
                "submissions.view_registration",
                "submissions.view_coauthor",
                "submissions.view_submission",
                "submissions.view_submissiondocument",
                "submissions.screen_submission",
                # Masked: the export leaves personal data out without view_personal_data.
                "submissions.export_submissions",
                "mail.view_outgoingmail",
            ),
        ),
        # Judges see the finalists assigned to them and their own scorecards only; the judging app scopes
        # every page by assignment, so no view permission on scorecards is needed (nor given).
        Role("jury", JURY, _("Jury"), ("judging.score_finalists",)),
    ]
}


def _permissions(role, apps, *, missing_ok):
    Permission = apps.get_model("auth", "Permission")
    wanted = {tuple(name.split(".")) for name in role.permissions}
    found = {
        (permission.content_type.app_label, permission.codename): permission
        for permission in Permission.objects.select_related("content_type").filter(
            codename__in={codename for _app, codename in wanted}
        )
    }
    missing = wanted - found.keys()
    if missing and not missing_ok:
        raise LookupError(f"{role.group_name}: no such permissions {sorted('.'.join(m) for m in missing)}")
    return [found[name] for name in wanted if name in found]


def roles_sync(*, apps=global_apps, missing_ok=False):
    """Creates the role groups and gives each exactly its permissions.

    A migration passes its `apps`, and `missing_ok=True`: a permission of a model made by a later migration
    is not there yet, and the migration that adds it calls this again."""
    Group = apps.get_model("auth", "Group")
    for role in ROLES.values():
        group, _created = Group.objects.get_or_create(name=role.group_name)
        group.permissions.set(_permissions(role, apps, missing_ok=missing_ok))


def role_group(key):
    """The group of a role, made with its permissions if it is missing (a database flushed since migrating)."""
    from django.contrib.auth.models import Group

    role = ROLES[key]
    group, created = Group.objects.get_or_create(name=role.group_name)
    if created:
        group.permissions.set(_permissions(role, global_apps, missing_ok=False))
    return group
