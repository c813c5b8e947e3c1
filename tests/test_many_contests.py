"""Many contests on one portal: each at its own address, with its own entrants' limits, codes and mail, its own
staff, its own mail wording and certificates."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from contest_portal.mail.models import MailTemplate, OutgoingMail
from contest_portal.mail.services import mail_template_get
from contest_portal.refusals import ClipLimitReached, WindowClosed
from judging.certificates import certificate_pdf
from judging.models import Assignment, Award, FinalRound, PrizeTier, RankingRun, Scorecard
from judging.son_la_2024 import load_son_la_2024
from submissions.copying import contest_copy
from submissions.decision_mail import decision_mail_prepare
from submissions.models import Contest, Registration, StaffRole, Submission
from submissions.phases import Phase
from submissions.services import registration_save
from tests.conftest import ALICE_ID, BOB_ID, close_entries, make_user, registration_fields
from tests.finalists import make_finalists
from tests.staff import PASSWORD, make_staff

DIEN_BIEN = "CĐS Điện Biên 2025"


def _second_contest(**overrides):
    now = timezone.now()
    fields = {
        "slug": "dien-bien-2025",
        "code_prefix": "DB2025",
        "name": "Cuộc thi sáng tạo video clip về chuyển đổi số tỉnh Điện Biên năm 2025",
        "short_name": DIEN_BIEN,
        "opens_at": now - datetime.timedelta(days=5),
        "closes_at": now + datetime.timedelta(days=20),
        "min_duration": 1,
        **overrides,
    }
    return load_son_la_2024(**fields)


@pytest.fixture
def other(db):
    """A second contest, open at the same time as `contest`."""
    return _second_contest()


def _register(contest, user, name, person, coauthors=(), **fields):
    return registration_save(
        contest=contest,
        user=user,
        fields=registration_fields(contest, full_name=name, person=person, **fields),
        coauthors=coauthors,
    )


# The public side.


class TestFrontPage:
    def test_one_public_contest_is_where_the_front_page_goes(self, client, contest):
        response = client.get("/")
        assert response.status_code == 302
        assert response.url == "/test-contest/"

    def test_it_lists_the_open_then_the_announced_then_the_past_contests(self, client, contest):
        now = timezone.now()
        _second_contest(opens_at=now + datetime.timedelta(days=30), closes_at=now + datetime.timedelta(days=60))
        _second_contest(
            slug="son-la-2023",
            code_prefix="CDS2023",
            short_name="CĐS Sơn La 2023",
            name="Cuộc thi chuyển đổi số tỉnh Sơn La năm 2023",
            opens_at=now - datetime.timedelta(days=400),
            closes_at=now - datetime.timedelta(days=340),
        )
        html = client.get("/").content.decode()
        positions = [
            html.index(text)
            for text in (
                "Đang nhận bài dự thi",
                contest.name,
                "Sắp diễn ra",
                "tỉnh Điện Biên năm 2025",
                "Các cuộc thi đã qua",
                "tỉnh Sơn La năm 2023",
            )
        ]
        assert positions == sorted(positions)
        assert 'href="/dien-bien-2025/"' in html and 'href="/son-la-2023/"' in html

    def test_a_past_contest_links_to_its_results_once_published(self, client, contest):
        past = _second_contest(
            opens_at=timezone.now() - datetime.timedelta(days=60),
            closes_at=timezone.now() - datetime.timedelta(days=30),
        )
        FinalRound.objects.filter(contest=past).update(results_published_at=timezone.now())
        html = client.get("/").content.decode()
        assert 'href="/dien-bien-2025/ket-qua/"' in html
        assert 'href="/test-contest/ket-qua/"' not in html

    def test_a_registered_entrant_finds_their_clips_of_each_contest(self, client, contest, other, alice):
        _register(other, alice, "Lò Thị Alice", ALICE_ID)
        client.force_login(alice)
        html = client.get("/").content.decode()
        assert 'href="/dien-bien-2025/clip-cua-toi/"' in html
        assert 'href="/test-contest/clip-cua-toi/"' not in html


class TestEachContestAtItsAddress:
    def test_each_landing_page_shows_its_own_contest(self, client, contest, other):
        first = client.get("/test-contest/").content.decode()
        second = client.get("/dien-bien-2025/").content.decode()
        assert contest.name in first and other.name not in first
        assert other.name in second and contest.name not in second
        assert 'href="/dien-bien-2025/the-le/"' in second

    def test_an_unknown_address_is_a_404(self, client, contest):
        assert client.get("/khong-co/").status_code == 404
        assert client.get("/khong-co/the-le/").status_code == 404

    def test_the_old_addresses_lead_to_the_current_contest(self, client, contest):
        response = client.get("/the-le/?ref=poster")
        assert response.status_code == 302
        assert response.url == "/test-contest/the-le/?ref=poster"

    @pytest.mark.parametrize("slug", ["admin", "tai-khoan", "media-rieng", "the-le", "chung-ket"])
    def test_a_contest_cannot_take_one_of_the_portals_own_addresses(self, contest, slug):
        contest.slug = slug
        with pytest.raises(ValidationError) as error:
            contest.full_clean()
        assert "slug" in error.value.message_dict

    def test_one_contests_clip_is_not_found_at_anothers_address(self, client, contest, other, alice, submit):
        clip = submit(_register(contest, alice, "Lò Thị Alice", ALICE_ID))
        client.force_login(alice)
        assert client.get(f"/test-contest/clip-cua-toi/{clip.code}/").status_code == 200
        assert client.get(f"/dien-bien-2025/clip-cua-toi/{clip.code}/").status_code == 404


class TestDrafts:
    @pytest.fixture
    def draft(self, other):
        Contest.objects.filter(pk=other.pk).update(stage=Phase.DRAFT)
        other.refresh_from_db()
        return other

    def test_the_public_does_not_see_a_draft(self, client, contest, draft, alice):
        assert client.get("/dien-bien-2025/").status_code == 404
        client.force_login(alice)
        assert client.get("/dien-bien-2025/the-le/").status_code == 404
        assert client.get("/").status_code == 302  # the one public contest

    def test_its_committee_previews_it_and_finds_it_on_the_front_page(self, client, contest, draft):
        client.force_login(make_staff("btc.db@example.com", "committee", contests=[draft]))
        assert client.get("/dien-bien-2025/").status_code == 200
        html = client.get("/").content.decode()
        assert "Bản nháp (chỉ cán bộ thấy)" in html and 'href="/dien-bien-2025/"' in html

    def test_another_contests_committee_does_not_see_it(self, client, contest, draft):
        client.force_login(make_staff("btc.sl@example.com", "committee", contests=[contest]))
        assert client.get("/dien-bien-2025/").status_code == 404


# Entrants in two contests at once.


class TestTwoOpenContests:
    def test_the_limit_is_counted_in_each_contest_on_its_own(self, contest, other, alice, submit):
        here, there = (_register(each, alice, "Lò Thị Alice", ALICE_ID) for each in (contest, other))
        for index in range(3):
            submit(here, title=f"Clip {index}")
        with pytest.raises(ClipLimitReached):
            submit(here)
        assert submit(there).contest == other

    def test_a_coauthor_in_both_counts_in_each_on_its_own(self, contest, other, alice, bob, submit):
        alice_as_coauthor = [
            {
                "full_name": "Lò Thị Alice",
                "email": "alice@example.com",
                "date_of_birth": ALICE_ID[1],
                "id_number": ALICE_ID[0],
            }
        ]
        groups = {
            each: _register(
                each, bob, "Quàng Văn Bob", BOB_ID, coauthors=alice_as_coauthor, group_name="Nhóm Bản Mòng"
            )
            for each in (contest, other)
        }
        solo = _register(contest, alice, "Lò Thị Alice", ALICE_ID)
        for index in range(3):
            submit(solo, title=f"Clip {index}")
        # Alice has no clip left in the first contest, so the group she is in may not enter another there...
        with pytest.raises(ClipLimitReached):
            submit(groups[contest])
        # ...but in the second she has all three.
        for index in range(3):
            submit(groups[other], title=f"Nhóm {index}")
        assert Submission.objects.filter(contest=other).count() == 3

    def test_codes_are_numbered_in_each_contest(self, contest, other, alice, submit):
        here, there = (_register(each, alice, "Lò Thị Alice", ALICE_ID) for each in (contest, other))
        codes = [submit(here).code, submit(there).code, submit(here).code]
        assert codes == ["CDS2024-0001", "DB2025-0001", "CDS2024-0002"]

    def test_each_window_is_its_own(self, contest, other, alice, submit):
        here, there = (_register(each, alice, "Lò Thị Alice", ALICE_ID) for each in (contest, other))
        close_entries(contest)
        here.refresh_from_db()
        with pytest.raises(WindowClosed):
            submit(here)
        assert submit(there).code == "DB2025-0001"

    def test_each_receipt_names_its_contest_and_is_in_its_outbox(self, contest, other, alice, submit):
        clip = submit(_register(other, alice, "Lò Thị Alice", ALICE_ID))
        receipt = OutgoingMail.objects.get(kind="submission_receipt")
        assert receipt.contest == other
        assert other.name in receipt.body_text and contest.name not in receipt.body_text
        assert clip.code in receipt.subject

    def test_my_clips_of_one_contest_lists_only_its_clips(self, client, contest, other, alice, submit):
        first = submit(_register(contest, alice, "Lò Thị Alice", ALICE_ID))
        second = submit(_register(other, alice, "Lò Thị Alice", ALICE_ID))
        client.force_login(alice)
        html = client.get("/dien-bien-2025/clip-cua-toi/").content.decode()
        assert second.code in html and first.code not in html

    def test_the_registration_form_is_per_contest(self, client, contest, other, alice):
        _register(contest, alice, "Lò Thị Alice", ALICE_ID)
        client.force_login(alice)
        response = client.get("/dien-bien-2025/clip-cua-toi/gui-clip/")
        assert response.status_code == 302
        assert response.url == "/dien-bien-2025/phieu-dang-ky/"
        assert Registration.objects.filter(user=alice).count() == 1


# Staff per contest.


@pytest.fixture
def contest_b(other, judges, submit):
    """What the second contest holds for its own staff: a clip, a registration, finalists with an assignment and a
    scorecard, a ranking run, an award, a mail in its outbox."""
    judge_b = make_staff("giamkhao.db@example.com", "jury", contests=[other])
    clip = submit(_register(other, make_user("thisinh.db@example.com"), "Lò Văn Ba", BOB_ID))
    finalist = make_finalists(other, 1)[0]
    assignment = Assignment.objects.create(submission=finalist, judge=judge_b)
    scorecard = Scorecard.objects.create(assignment=assignment)
    final_round = FinalRound.objects.get(contest=other)
    run = RankingRun.objects.create(contest=other, method="mean", started_by=judge_b, state=RankingRun.State.DONE)
    tier = PrizeTier.objects.filter(contest=other).first()
    award = Award.objects.create(tier=tier, submission=finalist, awarded_by=judge_b)
    mail = OutgoingMail.objects.get(contest=other, kind="submission_receipt")
    return {
        "contest": other,
        "clip": clip,
        "assignment": assignment,
        "scorecard": scorecard,
        "final_round": final_round,
        "run": run,
        "award": award,
        "mail": mail,
    }


def _object_urls(b):
    clip, contest = b["clip"], b["contest"]
    return [
        reverse("admin:submissions_submission_change", args=[clip.pk]),
        reverse("admin:submissions_submission_screen", args=[clip.pk]),
        reverse("admin:submissions_registration_change", args=[clip.registration_id]),
        reverse("submissions:original", args=[clip.code]),
        reverse("submissions:thumbnail", args=[clip.code]),
        reverse("admin:judging_finalround_change", args=[b["final_round"].pk]),
        reverse("admin:judging_finalround_progress", args=[b["final_round"].pk]),
        reverse("admin:judging_assignment_change", args=[b["assignment"].pk]),
        reverse("admin:judging_assignment_score", args=[b["assignment"].pk]),
        reverse("admin:judging_scorecard_change", args=[b["scorecard"].pk]),
        reverse("admin:judging_rankingrun_change", args=[b["run"].pk]),
        reverse("admin:judging_rankingrun_summary", args=[b["run"].pk]),
        reverse("admin:judging_award_prizes", args=[contest.slug]),
        reverse("admin:judging_award_certificate", args=[b["award"].pk]),
        reverse("admin:submissions_contest_change", args=[contest.pk]),
        reverse("admin:submissions_contest_phase", args=[contest.pk]),
        reverse("admin:mail_outgoingmail_change", args=[b["mail"].pk]),
        reverse("reports:statistics") + f"?contest={contest.slug}",
        reverse("reports:export", args=["csv"]) + f"?contest={contest.slug}",
        reverse("submissions:publication", args=[contest.slug]),
        reverse("submissions:fanpage_pack", args=[contest.slug]),
    ]


class TestStaffOfOneContest:
    @pytest.mark.parametrize("role", ["committee", "office", "jury"])
    def test_every_object_url_of_another_contest_is_a_404(self, client, contest, contest_b, role):
        client.force_login(make_staff(f"{role}.sl@example.com", role, contests=[contest]))
        answers = {url: client.get(url).status_code for url in _object_urls(contest_b)}
        assert answers == {url: 404 for url in answers}

    def test_the_lists_hold_only_their_contest(self, client, contest, contest_b, alice, submit):
        own = submit(_register(contest, alice, "Lò Thị Alice", ALICE_ID))
        client.force_login(make_staff("btc.sl@example.com", "committee", contests=[contest]))
        submissions = client.get(reverse("admin:submissions_submission_changelist")).content.decode()
        assert own.code in submissions and contest_b["clip"].code not in submissions
        contests = client.get(reverse("admin:submissions_contest_changelist")).content.decode()
        assert DIEN_BIEN not in contests
        outbox = client.get(reverse("admin:mail_outgoingmail_changelist")).content.decode()
        assert own.code in outbox and contest_b["clip"].code not in outbox
        search = client.get(reverse("admin:submissions_registration_changelist") + "?q=Ba").content.decode()
        assert "Lò Văn Ba" not in search

    def test_their_export_holds_only_their_contest(self, client, contest, contest_b, alice, submit):
        own = submit(_register(contest, alice, "Lò Thị Alice", ALICE_ID))
        client.force_login(make_staff("btc.sl@example.com", "committee", contests=[contest]))
        csv = b"".join(client.get(reverse("reports:export", args=["csv"])).streaming_content).decode()
        assert own.code in csv and "DB2025" not in csv

    def test_staff_of_both_switch_between_them(self, client, contest, contest_b):
        both = make_staff("btc.both@example.com", "committee", contests=[contest, contest_b["contest"]])
        client.force_login(both)
        index = client.get(reverse("admin:index")).content.decode()
        assert "Đang làm việc với" in index and DIEN_BIEN in index
        response = client.post(reverse("working_contest"), {"contest": contest_b["contest"].pk})
        assert response.status_code == 302
        assert (
            client.get(reverse("admin:submissions_submission_change", args=[contest_b["clip"].pk])).status_code
            == 200
        )

    def test_switching_to_a_contest_one_does_not_work_on_is_a_404(self, client, contest, contest_b):
        client.force_login(make_staff("btc.sl@example.com", "committee", contests=[contest]))
        response = client.post(reverse("working_contest"), {"contest": contest_b["contest"].pk})
        assert response.status_code == 404

    def test_a_portal_administrator_sees_every_contest(self, client, contest, contest_b, django_user_model):
        admin = django_user_model.objects.create_superuser(email="admin@example.com", password=PASSWORD)
        client.force_login(admin)
        client.post(reverse("working_contest"), {"contest": contest_b["contest"].pk})
        assert (
            client.get(reverse("admin:submissions_submission_change", args=[contest_b["clip"].pk])).status_code
            == 200
        )

    def test_a_role_holds_in_its_contest_only(self, contest, other):
        screener = make_staff("vp.sl@example.com", "office", contests=[contest])
        assert screener.has_perm("submissions.screen_submission", contest)
        assert not screener.has_perm("submissions.screen_submission", other)

    def test_the_judges_of_a_contest_are_its_own(self, contest, other):
        from judging.services import jury

        sl = make_staff("gk.sl@example.com", "jury", contests=[contest])
        db = make_staff("gk.db@example.com", "jury", contests=[other])
        assert list(jury(contest)) == [sl] and list(jury(other)) == [db]

    def test_create_staff_gives_the_role_in_the_contests_named(self, contest, other, capsys):
        call_command("create_staff", "vp.db@example.com", "--role", "office", "--contest", "dien-bien-2025")
        roles = StaffRole.objects.filter(user__email="vp.db@example.com")
        assert [(role.contest.slug, role.group.name) for role in roles] == [
            ("dien-bien-2025", "Cơ quan Thường trực")
        ]

    def test_create_staff_refuses_an_unknown_contest(self, contest):
        with pytest.raises(Exception, match="No contest at khong-co"):
            call_command("create_staff", "vp@example.com", "--role", "office", "--contest", "khong-co")


def test_the_migration_gives_each_role_member_their_role_in_every_contest(contest, other, django_user_model):
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    migration = importlib.import_module("submissions.migrations.0009_staff_roles")
    screener = django_user_model.objects.create_user(email="old@example.com", password=PASSWORD, is_staff=True)
    group = Group.objects.get(name="Cơ quan Thường trực")
    screener.groups.add(group)
    migration.roles_per_contest(apps, None)
    assert sorted(StaffRole.objects.filter(user=screener).values_list("contest__slug", flat=True)) == [
        "dien-bien-2025",
        "test-contest",
    ]
    assert not screener.groups.exists()


def _copy(contest, committee):
    now = timezone.now()
    return contest_copy(
        contest=contest,
        user=committee,
        slug="son-la-2025",
        code_prefix="CDS2025",
        name="Cuộc thi 2025",
        short_name="CĐS 2025",
        opens_at=now + datetime.timedelta(days=100),
        closes_at=now + datetime.timedelta(days=130),
    )


# Each contest's wording.


class TestMailTemplatesPerContest:
    def test_a_contest_without_its_own_wording_uses_the_default(self, contest):
        assert mail_template_get(key="decision_shortlisted", contest=contest).contest is None

    def test_a_contests_own_wording_is_used_for_it_only(self, contest, other):
        default = mail_template_get(key="decision_shortlisted")
        own = MailTemplate.objects.create(
            key="decision_shortlisted",
            contest=other,
            subject="Điện Biên: {{ submission.code }} vào chung khảo",
            body_text="Chúc mừng!",
        )
        assert mail_template_get(key="decision_shortlisted", contest=other) == own
        assert mail_template_get(key="decision_shortlisted", contest=contest) == default

    def test_the_decision_mail_of_each_contest_is_worded_by_it(self, contest, other, alice, submit):
        MailTemplate.objects.create(
            key="decision_shortlisted",
            contest=other,
            subject="Điện Biên: {{ submission.code }} vào chung khảo",
            body_text="Chúc mừng!",
        )
        clip = submit(_register(other, alice, "Lò Thị Alice", ALICE_ID))
        Submission.objects.filter(pk=clip.pk).update(
            status=Submission.Status.SHORTLISTED, decided_at=timezone.now()
        )
        clip.refresh_from_db()
        draft = decision_mail_prepare(submission=clip)
        assert draft.subject == f"Điện Biên: {clip.code} vào chung khảo"
        assert draft.contest == other

    def test_the_committee_words_a_default_for_its_contest_and_the_default_stays(self, client, contest, other):
        default = mail_template_get(key="decision_shortlisted")
        client.force_login(make_staff("btc.db@example.com", "committee", contests=[other]))
        response = client.post(
            reverse("admin:mail_mailtemplate_change", args=[default.pk]),
            {
                "description": default.description,
                "subject": "Riêng Điện Biên",
                "body_text": "Chúc mừng {{ submission.code }}",
            },
        )
        assert response.status_code == 302
        default.refresh_from_db()
        assert default.subject != "Riêng Điện Biên"
        assert MailTemplate.objects.get(key="decision_shortlisted", contest=other).subject == "Riêng Điện Biên"

    def test_a_copy_takes_the_contests_own_wording(self, contest, committee):
        MailTemplate.objects.create(
            key="decision_shortlisted", contest=contest, subject="Riêng", body_text="Riêng"
        )
        copy = _copy(contest, committee)
        assert MailTemplate.objects.get(key="decision_shortlisted", contest=copy).subject == "Riêng"
        # Its committee prepares it.
        assert committee.has_perm("submissions.change_contest", copy)


def test_certificates_carry_each_contests_wording(contest, other, judges):
    FinalRound.objects.filter(contest=other).update(
        certificate_title="BẰNG CHỨNG NHẬN",
        certificate_issuer="Sở Thông tin và Truyền thông tỉnh Điện Biên",
        certificate_signatory="GIÁM ĐỐC",
    )

    def first_page(of):
        # Each contest's finalist by an author of their own.
        finalist = make_finalists(of, 1, one_group=of == contest)[0]
        award = Award.objects.create(tier=of.prize_tiers.first(), submission=finalist, awarded_by=judges[0])
        return PdfReader(io.BytesIO(certificate_pdf(award=award))).pages[0].extract_text()

    own, default = first_page(other), first_page(contest)
    for text in ("BẰNG CHỨNG NHẬN", "Sở Thông tin và Truyền thông tỉnh Điện Biên", "GIÁM ĐỐC"):
        assert text in own and text not in default
    for text in ("GIẤY CHỨNG NHẬN", f"Ban Tổ chức {contest.name}", "TM. BAN TỔ CHỨC"):
        assert text in default


def test_only_a_portal_administrator_gives_roles_on_the_contest_page(
    client, contest, committee, django_user_model
):
    url = reverse("admin:submissions_contest_change", args=[contest.pk])
    client.force_login(committee)
    assert "staff_roles-TOTAL_FORMS" not in client.get(url).content.decode()
    client.force_login(django_user_model.objects.create_superuser(email="admin@example.com", password=PASSWORD))
    html = client.get(url).content.decode()
    assert "staff_roles-TOTAL_FORMS" in html and "btc@example.com" in html


def test_a_copy_takes_the_certificates_wording(contest, committee):
    FinalRound.objects.filter(contest=contest).update(certificate_signatory="KT. TRƯỞNG BAN")
    copy = _copy(contest, committee)
    assert FinalRound.objects.get(contest=copy).certificate_wording() == (
        "GIẤY CHỨNG NHẬN",
        "Ban Tổ chức Cuộc thi 2025",
        "KT. TRƯỞNG BAN",
    )
