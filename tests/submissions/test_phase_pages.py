"""The phase shown on every page: the committee's phase page with its confirmed move, the staff home's panel,
the landing page's timeline, My clips' next step, and a judge with nothing to score told why."""

import pytest
from django.urls import reverse

from submissions.models import Contest, ContestEvent, Submission
from submissions.phases import Phase
from submissions.screening import submission_decide
from tests.conftest import ALICE_ID, close_entries, open_final_round
from tests.staff import make_staff

pytestmark = pytest.mark.django_db


def _phase_url(contest):
    return reverse("admin:submissions_contest_phase", args=[contest.pk])


def _messages(response):
    return [str(message) for message in response.context["messages"]]


class TestThePhasePage:
    def test_it_shows_the_phase_its_dates_and_no_move_while_the_dates_decide(self, client, contest, committee):
        client.force_login(committee)

        page = client.get(_phase_url(contest)).content.decode()

        assert 'data-phase="open"' in page
        assert "đang nhận bài đến" in page
        assert 'id="phase-move"' not in page

    def test_a_move_needs_the_box_ticked(self, client, contest, committee):
        Contest.objects.filter(pk=contest.pk).update(stage=Phase.DRAFT)
        client.force_login(committee)

        response = client.post(_phase_url(contest))

        assert response.status_code == 400
        assert "Hãy đánh dấu ô xác nhận để chuyển giai đoạn." in _messages(response)
        assert Contest.objects.get(pk=contest.pk).stage == Phase.DRAFT

    def test_the_committee_announces_a_draft_and_sees_it_in_the_history(self, client, contest, committee):
        Contest.objects.filter(pk=contest.pk).update(stage=Phase.DRAFT)
        client.force_login(committee)

        response = client.post(_phase_url(contest), {"confirm": "yes"}, follow=True)

        assert "Cuộc thi đã được công bố." in _messages(response)
        assert Contest.objects.get(pk=contest.pk).stage == Phase.ANNOUNCED
        assert ContestEvent.objects.get(contest=contest).actor == committee
        assert "Đã công bố" in response.content.decode()  # the history's "to" column

    def test_closing_the_preliminary_round_with_a_clip_undecided_is_refused_with_the_clip(
        self, client, contest, committee, alice, register, submit
    ):
        clip = submit(register(alice, "Lò Thị Alice", ALICE_ID))
        close_entries(contest)
        client.force_login(committee)
        page = client.get(_phase_url(contest)).content.decode()

        response = client.post(_phase_url(contest), {"confirm": "yes"})

        assert 'id="undecided"' in page and clip.code in page
        assert response.status_code == 400
        assert f"Phải có quyết định cho mọi clip trước; còn đang chờ: {clip.code}." in _messages(response)
        assert Contest.objects.get(pk=contest.pk).stage == Phase.ANNOUNCED

    def test_closing_the_preliminary_round_says_who_goes_on_and_who_is_told(
        self, client, contest, committee, make_finalists
    ):
        make_finalists(2)
        close_entries(contest)
        client.force_login(committee)
        client.cookies["django_language"] = "en"

        page = client.get(_phase_url(contest)).content.decode()

        assert (
            '<p id="phase-move-who">2 finalists go on to the final round; every judge given clips to score is '
            "told by e-mail. No entrant is e-mailed.</p>"
        ) in page
        assert "I confirm: Close the preliminary round. It cannot be undone" in page
        assert Contest.objects.get(pk=contest.pk).stage == Phase.ANNOUNCED

    def test_the_standing_office_cannot_open_it_nor_move_the_contest(self, client, contest):
        client.force_login(make_staff("thuongtruc@example.com", "office"))

        assert client.get(_phase_url(contest)).status_code == 403
        assert client.post(_phase_url(contest), {"confirm": "yes"}).status_code == 403


class TestTheStaffHome:
    def test_the_office_is_told_the_phase_and_that_it_may_screen(self, client, contest):
        client.force_login(make_staff("thuongtruc@example.com", "office"))

        page = client.get("/admin/").content.decode()

        assert 'id="contest-phase" data-phase="open"' in page
        assert "Bây giờ bạn có thể: xét chọn các clip." in page

    def test_a_judge_before_the_final_round_is_told_none_of_their_work_is_open(self, client, contest):
        client.force_login(make_staff("giamkhao@example.com", "jury"))

        page = client.get("/admin/").content.decode()

        assert "Chưa có việc nào của bạn được mở trong giai đoạn này." in page

    def test_only_the_committee_gets_the_link_to_the_phase_page(self, client, contest, committee):
        client.force_login(committee)

        assert _phase_url(contest) in client.get("/admin/").content.decode()


class TestAJudgeWithNothingToScore:
    def test_before_the_final_round_they_are_told_why_and_when(self, client, contest):
        client.force_login(make_staff("giamkhao@example.com", "jury"))

        page = client.get(reverse("admin:judging_assignment_changelist")).content.decode()

        assert 'id="nothing-to-score"' in page
        assert "Vòng Chung kết chưa mở" in page
        assert "0 / 0" not in page

    def test_in_the_final_round_with_nothing_assigned_they_are_told_so(self, client, contest):
        open_final_round(contest)
        client.force_login(make_staff("giamkhao@example.com", "jury"))

        page = client.get(reverse("admin:judging_assignment_changelist")).content.decode()

        assert "Chưa có clip Chung kết nào được phân công cho bạn." in page


@pytest.mark.parametrize(
    ("move", "current"),
    [
        (lambda contest: None, "entries"),
        (close_entries, "preliminary"),
        (open_final_round, "final"),
    ],
    ids=["open", "preliminary", "final"],
)
def test_the_landing_page_marks_where_the_contest_is_on_its_timeline(client, contest, move, current):
    move(contest)

    page = client.get("/test-contest/").content.decode()

    assert f'<li class="current" data-step="{current}">' in page
    assert page.count('class="current"') == 1


@pytest.mark.parametrize(
    ("move", "says"),
    [
        (lambda contest: None, "Đang nhận bài đến"),
        (close_entries, "Đã hết hạn nhận bài. Cơ quan Thường trực đang xét chọn các clip"),
        (open_final_round, "Ban Giám khảo đang chấm điểm các clip vào Chung kết"),
    ],
    ids=["open", "preliminary", "final"],
)
def test_my_clips_says_what_happens_next(client, contest, alice, register, move, says):
    register(alice, "Lò Thị Alice", ALICE_ID)
    move(contest)
    client.force_login(alice)

    page = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()

    assert says in page


def test_a_screened_clip_offers_its_entrant_no_edit_or_withdraw(client, contest, alice, register, submit):
    clip = submit(register(alice, "Lò Thị Alice", ALICE_ID))
    submission_decide(
        submission=clip,
        user=make_staff("thuongtruc@example.com", "office"),
        decision=Submission.Status.SHORTLISTED,
    )
    client.force_login(alice)

    page = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()

    assert reverse("submissions:edit", args=[clip.contest.slug, clip.code]) not in page
    assert reverse("submissions:withdraw", args=[clip.contest.slug, clip.code]) not in page
