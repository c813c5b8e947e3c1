"""Every page of each role's journey on a 360 × 640 phone: none is wider than the screen, and axe-core finds no
serious or critical accessibility violation on it — for the entrant before and after the results, the screener,
the judge and the committee. Each test walks its role's pages and reports every problem found, not the first."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from judging.models import Assignment, FinalRound, RankingRun
from judging.publication import results_publish
from submissions.coauthors import coauthor_token
from submissions.guardians import guardian_token
from submissions.models import AudienceVoteWindow
from submissions.publication import finalists_publish
from submissions.services import registration_save
from tests.conftest import ALICE_ID, BOB_ID, close_entries, make_user, open_final_round, registration_fields
from tests.finalists import TITLES, make_finalists, media_for_previews
from tests.judging.results_setup import prepare_round, scored_ranked_and_awarded, set_prize_counts
from tests.staff import make_judges, make_staff

from .accessibility import page_problems
from .conftest import admin_log_in, log_in

pytestmark = pytest.mark.browser

SLUG = "test-contest"


def _walk(page, addresses):
    """Opens each (label, address) in turn; every problem of every page, and any page that did not open."""
    problems = []
    for label, address in addresses:
        response = page.goto(address)
        if response is None or response.status != 200:
            problems.append(f"{label}: {address} answered {response.status if response else 'nothing'}")
            continue
        problems.extend(page_problems(page, label))
    return problems


def _results_published(contest, tmp_path):
    """Three finalists in a published gallery, scored 40, 32 and 24 by two judges, ranked, awarded and published:
    the contest as its results leave it. Returns (committee, judges, finalists)."""
    open_final_round(contest)
    committee = make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    set_prize_counts(contest, nhat=1, nhi=1, ba=1, kk=0, phu=0)
    judges = make_judges(2)
    clips = make_finalists(contest, titles=TITLES[:3], previews=media_for_previews(tmp_path))
    finalists_publish(contest=contest, user=committee)
    scored_ranked_and_awarded(contest, committee, judges=judges, finalists=clips)
    results_publish(contest=contest, user=committee)
    return committee, judges, clips


def test_an_entrant_s_pages_before_the_deadline_fit_the_phone(page, live_contest, alice, register, submit):
    registration = register(alice, "Lò Thị Na", ALICE_ID)
    clip = submit(registration)

    problems = _walk(
        page,
        [
            ("contests", "/"),
            ("home", f"/{SLUG}/"),
            ("rules", f"/{SLUG}/the-le/"),
            ("privacy", f"/{SLUG}/bao-mat/"),
            ("questions and answers", f"/{SLUG}/hoi-dap/"),
            ("all privacy notices", "/bao-mat/"),
            ("sign up", "/tai-khoan/signup/"),
            ("log in", "/tai-khoan/login/"),
            ("password reset", "/tai-khoan/password/reset/"),
        ],
    )
    log_in(page, alice.email)
    page.wait_for_url(lambda url: "/login/" not in url)
    problems += _walk(
        page,
        [
            ("registration form", f"/{SLUG}/phieu-dang-ky/"),
            ("my clips", f"/{SLUG}/clip-cua-toi/"),
            ("new clip", f"/{SLUG}/clip-cua-toi/gui-clip/"),
            ("receipt", f"/{SLUG}/clip-cua-toi/{clip.code}/"),
            ("edit clip", f"/{SLUG}/clip-cua-toi/{clip.code}/sua/"),
            ("my data", "/tai-khoan/du-lieu/"),
            ("erase my data", "/tai-khoan/du-lieu/xoa/"),
            ("account e-mail", "/tai-khoan/email/"),
            ("change password", "/tai-khoan/password/change/"),
        ],
    )
    # The registration form with errors, as a careless entrant leaves it.
    page.goto(f"/{SLUG}/phieu-dang-ky/")
    page.fill("#id_full_name", "")
    page.fill("#id_phone", "không có")
    page.locator("form#registration-form [type=submit], form.registration [type=submit]").first.click()
    page.wait_for_load_state()
    problems += page_problems(page, "registration form with errors")

    assert not problems, "\n".join(problems)


def test_a_co_author_s_and_a_guardian_s_pages_fit_the_phone(page, live_contest, alice, register):
    dung = make_user("dung@example.com")
    group = register(
        alice,
        "Lò Thị Na",
        ALICE_ID,
        group_name="Nhóm Bản Mòng",
        coauthors=[
            {"full_name": "Tòng Văn Dũng", "email": dung.email, "date_of_birth": BOB_ID[1], "id_number": BOB_ID[0]}
        ],
    )
    closing = live_contest.closes_at.date()
    born = closing.replace(year=closing.year - 12) + datetime.timedelta(days=1)
    pupil = registration_save(
        contest=live_contest,
        user=make_user("na@example.com"),
        fields=registration_fields(
            live_contest, full_name="Lò Thị Na", person=(f"0143{born.year % 100:02d}000123", born, "female")
        ),
        guardian={"full_name": "Lò Văn Bố", "relation": "Bố", "phone": "0912333444", "email": "bo@example.com"},
    )

    problems = _walk(
        page,
        [
            (
                "guardian's consent",
                reverse("submissions:guardian_consent", args=[guardian_token(pupil.guardians.get())]),
            )
        ],
    )
    log_in(page, dung.email)
    page.wait_for_url(lambda url: "/login/" not in url)
    invitation = reverse("submissions:coauthor_invitation", args=[coauthor_token(group.coauthors.get())])
    problems += _walk(page, [("co-author's invitation", invitation)])

    assert not problems, "\n".join(problems)


def test_an_entrant_s_pages_after_the_results_fit_the_phone(page, live_contest, tmp_path):
    _committee, _judges, clips = _results_published(live_contest, tmp_path)
    winner = clips[0]
    EmailAddress.objects.create(user=winner.registration.user, email=winner.registration.user.email, verified=True)
    log_in(page, winner.registration.user.email)
    page.wait_for_url(lambda url: "/login/" not in url)
    now = timezone.now()
    vote = AudienceVoteWindow.objects.create(
        contest=live_contest, opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=1)
    )
    problems = _walk(page, [("gallery during the audience vote", f"/{SLUG}/chung-ket/")])
    page.locator(f"#vote-{clips[1].code} form[data-voted=no] [type=submit]").click()
    page.locator(f"#vote-{clips[1].code} form[data-voted=yes]").wait_for()
    problems += page_problems(page, "gallery after a vote")
    AudienceVoteWindow.objects.filter(pk=vote.pk).update(closes_at=now - datetime.timedelta(hours=1))

    problems += _walk(
        page,
        [
            ("home", f"/{SLUG}/"),
            ("gallery with the vote's counts", f"/{SLUG}/chung-ket/"),
            ("finalist", f"/{SLUG}/chung-ket/{winner.code}/"),
            ("results", f"/{SLUG}/ket-qua/"),
            ("my clips with a prize", f"/{SLUG}/clip-cua-toi/"),
            ("receipt of a winner", f"/{SLUG}/clip-cua-toi/{winner.code}/"),
        ],
    )

    assert not problems, "\n".join(problems)


def test_a_screener_s_pages_fit_the_phone(page, live_contest, alice, register, submit):
    clip = submit(register(alice, "Lò Thị Na", ALICE_ID))
    close_entries(live_contest)
    make_staff("vanphong@example.com", "office", full_name="Lò Văn Sàng")
    admin_log_in(page, "vanphong@example.com")

    problems = _walk(
        page,
        [
            ("admin home", "/admin/"),
            ("clips", reverse("admin:submissions_submission_changelist")),
            ("clips to screen", reverse("admin:submissions_submission_changelist") + "?status__exact=received"),
            ("screening page", reverse("admin:submissions_submission_screen", args=[clip.pk])),
            ("statistics", reverse("reports:statistics")),
        ],
    )

    assert not problems, "\n".join(problems)


def test_a_judge_s_pages_fit_the_phone(page, live_contest, tmp_path):
    open_final_round(live_contest)
    committee = make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    judge = make_judges(1)[0]
    admin_log_in(page, judge.email)
    problems = _walk(page, [("judge's home with nothing assigned", "/admin/")])

    clips = make_finalists(live_contest, titles=TITLES[:2], previews=media_for_previews(tmp_path))
    prepare_round(live_contest, committee, judges=[judge], finalists=clips)
    first = Assignment.objects.filter(judge=judge).order_by("submission__sequence").first()
    problems += _walk(
        page,
        [
            ("judge's home", "/admin/"),
            ("queue", reverse("admin:judging_assignment_changelist")),
            ("scorecard", reverse("admin:judging_assignment_score", args=[first.pk])),
        ],
    )
    inputs = page.locator("#scorecard-form input.score-input")
    for index in range(inputs.count()):
        inputs.nth(index).fill("10")
    page.locator("#scorecard-form input[name=_submit]").click()
    page.locator("#scorecard-confirm").wait_for()
    problems += page_problems(page, "scorecard's confirmation")

    assert not problems, "\n".join(problems)


def test_the_committee_s_pages_fit_the_phone(page, live_contest, tmp_path):
    _committee, _judges, _clips = _results_published(live_contest, tmp_path)
    admin_log_in(page, "btc@example.com")
    run = RankingRun.objects.get()
    final_round = FinalRound.objects.get(contest=live_contest)

    problems = _walk(
        page,
        [
            ("admin home", "/admin/"),
            ("contest", reverse("admin:submissions_contest_change", args=[live_contest.pk])),
            ("phases", reverse("admin:submissions_contest_phase", args=[live_contest.pk])),
            ("publication of the finalists", reverse("submissions:publication", args=[SLUG])),
            ("final round", reverse("admin:judging_finalround_change", args=[final_round.pk])),
            ("judges' progress", reverse("admin:judging_finalround_progress", args=[final_round.pk])),
            ("ranking runs", reverse("admin:judging_rankingrun_changelist")),
            ("ranking run", reverse("admin:judging_rankingrun_change", args=[run.pk])),
            ("prizes", reverse("admin:judging_award_prizes", args=[SLUG])),
            ("outbox", reverse("admin:mail_outgoingmail_changelist")),
            ("clips", reverse("admin:submissions_submission_changelist")),
            ("statistics", reverse("reports:statistics")),
        ],
    )

    assert not problems, "\n".join(problems)
