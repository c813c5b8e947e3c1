"""Publishing the results: the public page (404 before, winners and amounts after), the award e-mails drafted
in the outbox and released by the committee, and nothing about the outcome changing afterwards."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from contest_portal.mail.models import OutgoingMail
from contest_portal.mail.outbox import drafts_release
from contest_portal.refusals import NotAllowed, Refusal
from judging.models import Award, FinalRound, RankingRun, Scorecard
from judging.prizes import TieChoice, awards_confirm, side_prize_designate, side_prize_withdraw
from judging.publication import results_publish
from judging.runs import ranking_run_approve, ranking_run_start
from judging.services import scorecard_reopen
from submissions.models import CoAuthor, Contest, ContestEvent, SubmissionAuthor
from submissions.phases import Phase, WrongPhase, contest_phase
from submissions.services import submission_authors_change
from tests.finalists import TITLES

from .results_setup import prepare_round, score, set_prize_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english"), pytest.mark.judges(2)]

RESULTS_URL = "/test-contest/ket-qua/"


@pytest.fixture
def clips(make_finalists):
    clips = make_finalists(titles=TITLES[:4])
    first = clips[0].registration
    first.group_name = "Nhóm Bản Em"
    first.save()
    # A co-author as the clip records its authors; the registration form lists her too.
    # She confirmed by the link mailed to her, so the clip may be awarded.
    coauthor = CoAuthor.objects.create(
        registration=first,
        full_name="Quàng Thị Ánh",
        email="anh@example.com",
        date_of_birth="2001-01-01",
        id_number="014301000001",
        confirmed_at=timezone.now(),
    )
    SubmissionAuthor.objects.create(
        submission=clips[0],
        order=1,
        full_name="Quàng Thị Ánh",
        date_of_birth="2001-01-01",
        id_number="014301000001",
        coauthor=coauthor,
    )
    return clips


@pytest.fixture
def tiers(contest):
    return set_prize_counts(contest, nhat=1, nhi=1, ba=1, kk=0, phu=1)


@pytest.fixture
def awarded(contest, committee, judges, clips, tiers, django_capture_on_commit_callbacks):
    """Totals: first 40, second 32, third 24, fourth 16 from both judges; awarded, with the side prize to the
    fourth. Not published."""
    prepare_round(contest, committee, judges=judges, finalists=clips)
    for judge in judges:
        for clip, points in zip(clips, [10, 8, 6, 4], strict=True):
            score(judge, clip, [points] * 3)
    with django_capture_on_commit_callbacks(execute=True):
        run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    ranking_run_approve(run=run, user=committee)
    awards_confirm(contest=contest, user=committee)
    side_prize_designate(tier=tiers["phu"], submission=clips[3], user=committee, reason="Nhiều lượt xem nhất.")
    return run


def test_the_results_page_is_a_404_before_publication(client, contest, committee, judges, alice, awarded):
    for user in (None, alice, judges[0], committee):
        if user:
            client.force_login(user)
        assert client.get(RESULTS_URL).status_code == 404


def test_the_results_page_shows_the_winners_and_amounts_after_publication(
    client, contest, committee, awarded, clips
):
    results_publish(contest=contest, user=committee)

    response = client.get(RESULTS_URL)

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Giải Nhất",
        "5.000.000 đ",
        "Bằng khen của Chủ tịch UBND tỉnh",
        "Giải Nhì",
        "3.000.000 đ",
        "Giải Ba",
        "2.000.000 đ",
        "Giải phụ",
        "1.000.000 đ",
        "Nhiều lượt xem nhất.",
        clips[0].code,
        clips[0].title,
        "Nhóm Bản Em (Lò Văn Tác Giả 1, Quàng Thị Ánh)",
        clips[3].title,
    ):
        assert text in page
    # Nhất before Nhì before Ba; the fourth clip only for its side prize.
    assert page.index(clips[0].code) < page.index(clips[1].code) < page.index(clips[2].code)
    assert page.count(f'data-code="{clips[3].code}"') == 1


def test_publishing_drafts_an_award_email_per_prize_for_the_committee_to_release(
    contest, committee, awarded, clips, django_capture_on_commit_callbacks
):
    results_publish(contest=contest, user=committee)

    drafts = OutgoingMail.objects.filter(kind="award")
    assert set(drafts.values_list("state", flat=True)) == {OutgoingMail.State.DRAFT}
    # The first clip's co-author is told too, by a mail of her own.
    assert sorted(drafts.values_list("to", flat=True)) == sorted(
        [*(clip.registration.user.email for clip in [clips[0], clips[1], clips[2], clips[3]]), "anh@example.com"]
    )
    first = drafts.get(to=clips[0].registration.user.email)
    assert drafts.get(to="anh@example.com").body_text == first.body_text
    assert clips[0].code in first.subject and "Giải Nhất" in first.subject
    for text in (
        "Kính gửi nhóm tác giả Nhóm Bản Em",
        clips[0].title,
        "5.000.000 đ",
        "Bằng khen",
        "/test-contest/ket-qua/",
    ):
        assert text in first.body_text
    side = drafts.get(to=clips[3].registration.user.email)
    assert "Lý do: Nhiều lượt xem nhất." in side.body_text
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        drafts_release(mails=drafts, user=committee)

    assert set(drafts.values_list("state", flat=True)) == {OutgoingMail.State.SENT}
    assert len(mail.outbox) == 5


def test_publishing_tells_each_finalist_without_a_prize_too(contest, committee, awarded, clips):
    side = Award.objects.get(submission=clips[3])
    side_prize_withdraw(award=side, user=committee)

    results_publish(contest=contest, user=committee)

    told = OutgoingMail.objects.filter(kind="finalist_no_prize")
    assert list(told.values_list("to", "state")) == [(clips[3].registration.user.email, OutgoingMail.State.DRAFT)]
    (mail_to_fourth,) = told
    assert (
        mail_to_fourth.subject
        == f"[Cuộc thi Chuyển đổi số tỉnh Sơn La năm 2024] Kết quả Chung kết của clip {clips[3].code}"
    )
    for text in ("Kính gửi tác giả Lò Văn Tác Giả 4", clips[3].title, "chưa đạt giải", "/test-contest/ket-qua/"):
        assert text in mail_to_fourth.body_text
    # The winners, and the first clip's co-author, hear of their prize only.
    assert sorted(OutgoingMail.objects.filter(kind="award").values_list("to", flat=True)) == sorted(
        [*(clip.registration.user.email for clip in clips[:3]), "anh@example.com"]
    )


def test_publishing_twice_changes_nothing(contest, committee, awarded):
    assert results_publish(contest=contest, user=committee) is True
    published_at = FinalRound.objects.get(contest=contest).results_published_at

    assert results_publish(contest=contest, user=committee) is False

    assert FinalRound.objects.get(contest=contest).results_published_at == published_at
    assert OutgoingMail.objects.filter(kind="award").count() == 5


def test_publishing_needs_the_permission(contest, judges, alice, awarded):
    for user in (judges[0], alice):
        with pytest.raises(NotAllowed, match="You may not publish the results"):
            results_publish(contest=contest, user=user)
    assert FinalRound.objects.get(contest=contest).results_published_at is None


def test_publishing_needs_the_prizes_of_a_current_approved_run(contest, committee, judges, awarded, clips):
    Award.objects.filter(run__isnull=False).delete()
    with pytest.raises(Refusal, match="Award"):
        results_publish(contest=contest, user=committee)

    awards_confirm(contest=contest, user=committee)
    scorecard = Scorecard.objects.get(assignment__judge=judges[0], assignment__submission=clips[2])
    scorecard_reopen(scorecard=scorecard, user=committee, reason="Nhập nhầm.")
    score(judges[0], clips[2], [5, 5, 5])
    with pytest.raises(Refusal, match="changed"):
        results_publish(contest=contest, user=committee)

    assert FinalRound.objects.get(contest=contest).results_published_at is None
    assert not OutgoingMail.objects.filter(kind="award").exists()


def test_after_publication_the_outcome_stays_as_published(
    contest, committee, awarded, clips, tiers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new_run = ranking_run_start(contest=contest, user=committee)
    results_publish(contest=contest, user=committee)

    with pytest.raises(WrongPhase, match="Ranking is not possible now: .* its results are published"):
        ranking_run_start(contest=contest, user=committee)
    with pytest.raises(WrongPhase, match="Awarding prizes is not possible now: .* its results are published"):
        awards_confirm(contest=contest, user=committee, choices={tiers["nhi"].pk: TieChoice((), "")})
    with pytest.raises(WrongPhase, match="Awarding prizes is not possible now"):
        side_prize_designate(tier=tiers["phu"], submission=clips[0], user=committee, reason="Khác.")
    with pytest.raises(WrongPhase, match="Ranking is not possible now"):
        ranking_run_approve(run=new_run, user=committee)
    assert RankingRun.objects.get(approved_at__isnull=False) == awarded


def test_the_menu_links_the_results_only_once_published(client, contest, committee, awarded):
    assert f'href="{RESULTS_URL}"' not in client.get("/test-contest/").content.decode()
    results_publish(contest=contest, user=committee)
    assert f'href="{RESULTS_URL}"' in client.get("/test-contest/").content.decode()


def test_publishing_moves_the_contest_to_its_results_phase_and_records_it(contest, committee, awarded):
    results_publish(contest=contest, user=committee)

    assert contest_phase(Contest.objects.get(pk=contest.pk)) == Phase.PUBLISHED
    event = ContestEvent.objects.get(contest=contest, action="publish_results")
    assert (event.actor, event.from_phase, event.to_phase, event.reason) == (
        committee,
        Phase.FINAL,
        Phase.PUBLISHED,
        "",
    )


def test_a_finalist_still_waiting_for_a_scorecard_needs_a_reason_to_publish(
    contest, committee, judges, clips, tiers, django_capture_on_commit_callbacks
):
    prepare_round(contest, committee, judges=judges, finalists=clips)
    for judge in judges:
        for clip, points in zip(clips, [10, 8, 6, 4], strict=True):
            # The second judge has only a draft for the fourth clip: one scorecard is enough to rank it.
            score(judge, clip, [points] * 3, submit=not (judge == judges[1] and clip == clips[3]))
    with django_capture_on_commit_callbacks(execute=True):
        run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    ranking_run_approve(run=run, user=committee)
    awards_confirm(contest=contest, user=committee)

    with pytest.raises(Refusal, match=f"Scorecards are still missing for {clips[3].code}") as refusal:
        results_publish(contest=contest, user=committee)
    assert refusal.value.field == "reason"
    assert FinalRound.objects.get(contest=contest).results_published_at is None

    assert results_publish(contest=contest, user=committee, reason="Giám khảo 2 ốm, Ban Tổ chức đồng ý.") is True
    assert ContestEvent.objects.get(action="publish_results").reason == "Giám khảo 2 ốm, Ban Tổ chức đồng ý."


def test_nothing_is_ranked_awarded_or_published_while_entries_are_open(contest, committee, awarded):
    """The outside test: the committee ranked, awarded and published while entries were still open."""
    Contest.objects.filter(pk=contest.pk).update(
        stage=Phase.ANNOUNCED, closes_at=timezone.now() + timedelta(days=1)
    )

    with pytest.raises(WrongPhase, match="Ranking is not possible now: .* is open for entries"):
        ranking_run_start(contest=contest, user=committee)
    with pytest.raises(WrongPhase, match="Awarding prizes is not possible now: .* is open for entries"):
        awards_confirm(contest=contest, user=committee)
    with pytest.raises(WrongPhase, match="Publishing the results is not possible now: .* is open for entries"):
        results_publish(contest=contest, user=committee)
    assert FinalRound.objects.get(contest=contest).results_published_at is None


def test_after_publication_a_change_of_authors_is_a_recorded_correction(
    client, contest, committee, awarded, clips
):
    results_publish(contest=contest, user=committee)
    authors = [
        {"full_name": a.full_name, "id_number": a.id_number, "date_of_birth": a.date_of_birth, "organisation": ""}
        for a in clips[0].authors.all()
    ][:1]

    submission_authors_change(
        submission=clips[0], user=committee, authors=authors, reason="Khai nhầm đồng tác giả."
    )

    correction = ContestEvent.objects.get(contest=contest, action="results_corrected")
    assert correction.reason == f"Authors of {clips[0].code}: Khai nhầm đồng tác giả."
    page = client.get(RESULTS_URL).content.decode()
    assert "Quàng Thị Ánh" not in page
    assert "Khai nhầm đồng tác giả." in page


def test_an_archived_contest_changes_no_more(contest, committee, awarded, clips):
    results_publish(contest=contest, user=committee)
    Contest.objects.filter(pk=contest.pk).update(stage=Phase.ARCHIVED)

    with pytest.raises(WrongPhase, match="Correcting the published results is not possible now: .* archived"):
        submission_authors_change(submission=clips[0], user=committee, authors=[], reason="x")
