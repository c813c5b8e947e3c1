"""The staff roles: groups made by a migration, staff accounts made by a command, and an admin home for each
role showing what that role works on. Entrants never reach the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from contest_portal.roles import COMMITTEE, JURY, ROLES, STANDING_OFFICE, roles_sync
from tests.conftest import ALICE_ID, BOB_ID
from tests.staff import PASSWORD

pytestmark = pytest.mark.django_db


def _permission_names(group):
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def _english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


class TestGroups:
    def test_the_migration_made_the_three_groups_with_their_permissions(self):
        groups = {group.name: group for group in Group.objects.filter(name__in=[COMMITTEE, STANDING_OFFICE, JURY])}

        assert set(groups) == {"Ban Tổ chức", "Cơ quan Thường trực", "Ban Giám khảo"}
        for role in ROLES.values():
            assert _permission_names(groups[role.group_name]) == set(role.permissions), role.key

    def test_the_committee_may_do_everything_the_preliminary_round_needs(self):
        committee = _permission_names(Group.objects.get(name=COMMITTEE))

        assert {
            "submissions.change_contest",
            "submissions.screen_submission",
            "submissions.change_told_decision",
            "submissions.disqualify_submission",
            "submissions.view_personal_data",
            "submissions.publish_finalists",
            "submissions.export_submissions",
            "submissions.view_registration",
            "mail.release_outgoingmail",
            "mail.change_mailtemplate",
            "judging.change_prizetier",
        } <= committee
        assert "submissions.delete_submission" not in committee

    def test_the_standing_office_screens_but_does_not_decide_what_only_the_committee_may(self):
        office = _permission_names(Group.objects.get(name=STANDING_OFFICE))

        assert {
            "submissions.view_submission",
            "submissions.screen_submission",
            "submissions.export_submissions",
        } <= (office)
        assert not office & {
            "submissions.change_contest",
            "submissions.change_told_decision",
            "submissions.disqualify_submission",
            "submissions.view_personal_data",
            "submissions.publish_finalists",
            "mail.release_outgoingmail",
        }

    def test_the_jury_may_score_its_finalists_and_nothing_else(self):
        assert _permission_names(Group.objects.get(name=JURY)) == {"judging.score_finalists"}

    def test_syncing_again_restores_a_role_s_permissions(self):
        office = Group.objects.get(name=STANDING_OFFICE)
        office.permissions.add(Permission.objects.get(codename="disqualify_submission"))
        Group.objects.get(name=JURY).delete()

        roles_sync()

        assert _permission_names(office) == set(ROLES["office"].permissions)
        assert Group.objects.filter(name=JURY).exists()

    def test_a_permission_that_does_not_exist_is_an_error(self, monkeypatch):
        from contest_portal import roles

        monkeypatch.setitem(roles.ROLES, "jury", roles.Role("jury", JURY, "Jury", ("judging.score_everything",)))

        with pytest.raises(LookupError, match="judging.score_everything"):
            roles_sync()


class TestCreateStaff:
    def test_it_makes_a_verified_staff_account_in_the_role_and_prints_a_password(self, client, contest, capsys):
        call_command("create_staff", "Screener@Example.com", role="office", name="Lò Văn Sàng")

        out = capsys.readouterr().out
        user = get_user_model().objects.get(email="screener@example.com")
        password = out.split("Password: ")[1].strip()
        assert "Cơ quan Thường trực" in out
        assert user.is_staff and not user.is_superuser
        assert user.full_name == "Lò Văn Sàng"
        # In every contest there is, without --contest.
        assert list(user.contest_roles.values_list("group__name", "contest__slug")) == [
            (STANDING_OFFICE, "test-contest")
        ]
        assert user.emailaddress_set.get().verified
        assert len(password) == 16
        assert client.login(email="screener@example.com", password=password)

    def test_it_takes_the_password_given_and_does_not_print_it(self, contest, capsys):
        call_command("create_staff", "btc@example.com", role="committee", password=PASSWORD)

        assert "Password" not in capsys.readouterr().out
        user = get_user_model().objects.get(email="btc@example.com")
        assert user.check_password(PASSWORD)
        assert user.has_perm("submissions.publish_finalists", contest)

    def test_it_remakes_a_group_missing_from_the_database(self, contest):
        Group.objects.filter(name=JURY).delete()

        call_command("create_staff", "giamkhao@example.com", role="jury", password=PASSWORD)

        judge = get_user_model().objects.get(email="giamkhao@example.com")
        assert judge.contest_roles.get().group.name == JURY

    def test_it_refuses_an_address_that_has_an_account(self, alice):
        with pytest.raises(CommandError, match="already an account"):
            call_command("create_staff", "ALICE@example.com", role="office", password=PASSWORD)
        alice.refresh_from_db()
        assert not alice.is_staff

    def test_it_refuses_a_weak_password(self):
        # In the portal's language: Django's own catalog lacks this message, the portal's has it.
        with pytest.raises(CommandError, match="Mật khẩu này quá ngắn"):
            call_command("create_staff", "x@example.com", role="office", password="abc")
        assert not get_user_model().objects.filter(email="x@example.com").exists()

    def test_it_refuses_an_unknown_role(self):
        with pytest.raises(CommandError, match="invalid choice"):
            call_command("create_staff", "x@example.com", role="judge")


class TestAdminHome:
    def test_the_standing_office_sees_submissions_and_registrations_not_settings_or_users(self, client, office):
        html = _english(client, office).get(reverse("admin:index")).content.decode()

        assert reverse("admin:submissions_submission_changelist") in html
        assert reverse("admin:submissions_registration_changelist") in html
        for hidden in (
            "admin:submissions_contest_changelist",
            "admin:accounts_user_changelist",
            "admin:auth_group_changelist",
            "admin:mail_mailtemplate_changelist",
        ):
            assert reverse(hidden) not in html, hidden

    def test_the_committee_sees_the_contest_settings_and_the_outbox(self, client, committee):
        html = _english(client, committee).get(reverse("admin:index")).content.decode()

        assert reverse("admin:submissions_contest_changelist") in html
        assert reverse("admin:mail_outgoingmail_changelist") in html
        assert reverse("admin:mail_mailtemplate_changelist") in html
        assert reverse("admin:accounts_user_changelist") not in html

    def test_a_juror_finds_the_scoring_queue_and_nothing_of_the_preliminary_round(self, client, judge):
        html = _english(client, judge).get(reverse("admin:index")).content.decode()

        assert reverse("admin:judging_assignment_changelist") in html
        assert reverse("admin:submissions_submission_changelist") not in html
        assert reverse("admin:submissions_registration_changelist") not in html
        assert 'id="screening-todo"' not in html

    def test_a_screener_is_told_how_many_clips_wait(self, client, office, alice, bob, register, submit):
        first = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        submit(register(bob, "Cầm Văn Bob", BOB_ID))
        from submissions.screening import screening_review_save

        screening_review_save(submission=first, reviewer=office, recommendation="shortlist")

        html = _english(client, office).get(reverse("admin:index")).content.decode()

        assert "2 clips to screen" in html
        assert "1 without your recommendation" in html
        assert "?status__exact=received&amp;mine=no" in html
        second = first.contest.submissions.exclude(pk=first.pk).get()
        assert reverse("admin:submissions_submission_screen", args=[second.pk]) in html

    def test_the_committee_finds_the_statistics_exports_outbox_and_publication(self, client, committee, contest):
        html = _english(client, committee).get(reverse("admin:index")).content.decode()

        for url in (
            reverse("reports:statistics"),
            reverse("reports:export", args=["xlsx"]),
            reverse("admin:mail_outgoingmail_changelist"),
            reverse("admin:submissions_submission_publish", args=[contest.slug]),
            reverse("submissions:fanpage_pack", args=[contest.slug]),
        ):
            assert url in html, url

    def test_the_standing_office_finds_no_publication_link(self, client, office, contest):
        html = _english(client, office).get(reverse("admin:index")).content.decode()

        assert reverse("reports:statistics") in html
        assert reverse("admin:submissions_submission_publish", args=[contest.slug]) not in html


class TestEntrants:
    def test_an_entrant_signed_in_is_sent_to_the_admin_login(self, client, alice):
        client.force_login(alice)

        response = client.get(reverse("admin:index"))

        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    def test_the_admin_login_refuses_an_entrant_s_right_password(self, client, alice):
        client.cookies["django_language"] = "en"

        response = client.post(
            reverse("admin:login"), {"username": "alice@example.com", "password": PASSWORD, "next": "/admin/"}
        )

        assert response.status_code == 200
        assert "staff account" in response.content.decode()
        assert "_auth_user_id" not in client.session
