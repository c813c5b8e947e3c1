"""The judging app in the admin: a judge's queue and scorecard pages, and who may reach what; the committee's
rubric, progress page, reminders, assignments and reopening."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contest_portal.mail.models import OutgoingMail
from judging.models import Assignment, Criterion, FinalRound, Scorecard
from judging.services import assignment_declare_conflict, assignments_generate, scorecard_save, scorecard_submit
from submissions.models import Registration
from tests.finalists import AUTHOR, COAUTHOR, GROUP, ORGANISATION
from tests.staff import make_staff

from .conftest import signed_in

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:judging_assignment_changelist")
SECRETS = (AUTHOR, GROUP, COAUTHOR, ORGANISATION, "014190001234", "0912345678", "tacgia@example.com")


def _score_url(assignment):
    return reverse("admin:judging_assignment_score", args=[assignment.pk])


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def _form_data(contest, values, *, comment="", button="_save"):
    data = {
        f"criterion_{criterion.pk}": value
        for criterion, value in zip(contest.criteria.all(), values, strict=False)
    }
    return {**data, "comment": comment, button: "1"}


@pytest.fixture
def round_of_three(contest, judges, committee, make_finalists):
    """Three finalists with previews, each assigned to each of the three judges."""
    clips = make_finalists(3, one_group=True, with_preview=True)
    assignments_generate(contest=contest, user=committee)
    return clips


@pytest.fixture
def mine(round_of_three, judge):
    return Assignment.objects.filter(judge=judge).order_by("submission__sequence").first()


@pytest.fixture
def judge_client(client, judge):
    return signed_in(client, judge)


class TestTheQueue:
    def test_a_judge_s_home_offers_scoring_and_nothing_else(self, judge_client, judge, round_of_three):
        html = judge_client.get(reverse("admin:index")).content.decode()

        assert QUEUE in html
        links = set(re.findall(r'href="(/admin/[^"]+)"', html))
        own_scorecards = {_score_url(assignment) for assignment in Assignment.objects.filter(judge=judge)}
        allowed = {QUEUE, "/admin/judging/", *own_scorecards}
        assert {link for link in links if link.startswith("/admin/judging/")} <= allowed
        for hidden in ("submissions", "mail", "accounts", "auth"):
            assert not any(link.startswith(f"/admin/{hidden}/") for link in links), hidden

    def test_the_queue_lists_the_judge_s_finalists_with_progress(
        self, judge_client, judge, round_of_three, contest
    ):
        first, second, third = Assignment.objects.filter(judge=judge).order_by("submission__sequence")
        points = {criterion.pk: criterion.max_points for criterion in contest.criteria.all()}
        scorecard_submit(scorecard=scorecard_save(assignment=first, judge=judge, points=points), judge=judge)
        scorecard_save(assignment=second, judge=judge, points={})

        response = judge_client.get(QUEUE)

        html = response.content.decode()
        assert response.context["title"] == "Scoring"
        assert "1 / 3 scored" in html
        assert [row.submission.code for row in response.context["cl"].result_list] == [
            clip.code for clip in round_of_three
        ]
        for assignment in (first, second, third):
            assert _score_url(assignment) in html
            assert assignment.submission.title in html
        assert 'class="scorecard-state state-none">not started' in html
        assert f'href="{_score_url(second)}" id="next-to-score"' in html

    def test_the_queue_reads_in_vietnamese(self, client, judge, round_of_three):
        client.force_login(judge)

        html = client.get(QUEUE).content.decode()

        assert "<h1>Chấm điểm</h1>" in html
        assert "0 / 3 đã chấm" in html
        assert "chưa chấm" in html

    def test_the_queue_shows_no_other_judge_and_no_author(self, judge_client, round_of_three, other_judge):
        html = judge_client.get(QUEUE).content.decode()

        assert other_judge.email not in html and other_judge.full_name not in html
        for secret in SECRETS:
            assert secret not in html

    def test_it_reads_the_same_number_of_queries_for_1_or_20_clips(
        self, client, contest, judge, committee, make_finalists
    ):
        signed_in(client, judge)
        make_finalists(1, one_group=True)
        assignments_generate(contest=contest, user=committee)
        client.get(QUEUE)
        with CaptureQueriesContext(connection) as one:
            assert client.get(QUEUE).status_code == 200

        clips = make_finalists(19, one_group=True)
        assignments_generate(contest=contest, user=committee)
        for clip in clips[:5]:
            scorecard_save(assignment=Assignment.objects.get(judge=judge, submission=clip), judge=judge, points={})
        with CaptureQueriesContext(connection) as twenty:
            response = client.get(QUEUE)

        assert len(response.context["cl"].result_list) == 20
        assert len(twenty.captured_queries) == len(one.captured_queries)


class TestTheScorecardPage:
    def test_it_shows_the_clip_blind(self, judge_client, mine):
        html = judge_client.get(_score_url(mine)).content.decode()

        clip = mine.submission
        assert (
            f'<video class="scoring-player" controls preload="metadata" playsinline\n'
            f'               src="{reverse("submissions:preview", args=[clip.code])}"'
        ) in html
        for shown in (clip.code, clip.title, str(clip.genre), clip.summary):
            assert shown in html
        for secret in SECRETS:
            assert secret not in html

    def test_without_blind_judging_the_authors_names_are_shown_but_nothing_else(self, judge_client, mine, contest):
        FinalRound.objects.filter(contest=contest).update(blind=False)

        html = judge_client.get(_score_url(mine)).content.decode()

        assert f"{GROUP}, {AUTHOR}, {COAUTHOR}" in html
        for secret in (ORGANISATION, "014190001234", "0912345678", "tacgia@example.com"):
            assert secret not in html

    def test_one_input_per_criterion_within_its_bounds(self, judge_client, mine, contest):
        html = judge_client.get(_score_url(mine)).content.decode()

        for criterion in contest.criteria.all():
            field = re.search(rf'<input[^>]*name="criterion_{criterion.pk}"[^>]*>', html).group(0)
            assert 'type="number"' in field
            assert 'min="0"' in field
            assert f'max="{int(criterion.max_points)}"' in field  # 30, not 30.00
            assert 'step="0.25"' in field
        assert 'name="_save"' in html and 'name="_submit"' in html

    def test_saving_a_draft_then_submitting_locks_it(self, judge_client, mine, contest):
        response = judge_client.post(_score_url(mine), _form_data(contest, ["27.5", "20"], comment="Khá hay."))

        assert response.status_code == 302
        scorecard = Scorecard.objects.get(assignment=mine)
        assert scorecard.state == Scorecard.State.DRAFT
        assert scorecard.comment == "Khá hay."

        response = judge_client.post(
            _score_url(mine),
            {**_form_data(contest, ["27.5", "20", "22", "18"], button="_submit"), "confirm": "yes"},
        )

        scorecard.refresh_from_db()
        assert scorecard.state == Scorecard.State.SUBMITTED
        next_assignment = Assignment.objects.filter(judge=mine.judge).order_by("submission__sequence")[1]
        assert response.url == _score_url(next_assignment)
        page = judge_client.get(_score_url(mine)).content.decode()
        assert 'id="scorecard-locked"' in page
        assert 'name="_submit"' not in page
        assert re.search(rf'<input[^>]*name="criterion_{contest.criteria.first().pk}"[^>]*disabled', page)

    def test_submitting_asks_first_and_keeps_the_points_as_a_draft(self, judge_client, mine, contest):
        judge_client.cookies["django_language"] = "en"

        response = judge_client.post(
            _score_url(mine), _form_data(contest, ["27.5", "20", "22", "18"], comment="Hay.", button="_submit")
        )

        assert response.status_code == 200
        scorecard = Scorecard.objects.get(assignment=mine)
        assert scorecard.state == Scorecard.State.DRAFT
        assert sorted(scorecard.scores.values_list("points", flat=True)) == [18, 20, 22, Decimal("27.5")]
        html = response.content.decode()
        confirm = re.search(r'<form[^>]*id="scorecard-confirm".*?</form>', html, re.S).group(0)
        # The four criteria weigh 1 each: 27.5 + 20 + 22 + 18 of 30 + 25 + 25 + 20.
        assert f"Your scorecard for {mine.submission.code}: weighted total 87.5 of 100." in confirm
        assert "only the Organizing Committee may reopen it" in confirm
        assert 'name="confirm" value="yes"' in confirm
        assert 'value="27.5"' in confirm and 'value="Hay."' in confirm

    def test_the_question_is_not_asked_for_a_draft(self, judge_client, mine, contest):
        response = judge_client.post(_score_url(mine), _form_data(contest, ["27.5", "20"]))

        assert response.status_code == 302
        assert 'id="scorecard-confirm"' not in judge_client.get(_score_url(mine)).content.decode()

    def test_submitting_with_a_criterion_missing_saves_nothing(self, judge_client, mine, contest):
        response = judge_client.post(_score_url(mine), _form_data(contest, ["27.5", "20", "22"], button="_submit"))

        assert response.status_code == 200
        assert "Nothing was saved: check the points below." in _messages(response)
        assert "This field is required." in response.content.decode()
        assert not Scorecard.objects.exists()

    @pytest.mark.parametrize(
        ("value", "error"),
        [
            ("31", "Ensure this value is less than or equal to 30"),
            ("-1", "Ensure this value is greater than or equal to 0"),
            ("hai mươi", "Enter a number."),
            ("20.1", "Ensure this value is a multiple of step size 0.25"),
        ],
    )
    def test_a_wrong_value_is_named_and_nothing_saved_changes(
        self, judge_client, judge, mine, contest, value, error
    ):
        criteria = list(contest.criteria.all())
        scorecard_save(assignment=mine, judge=judge, points={criteria[0].pk: 20}, comment="Cũ")

        response = judge_client.post(_score_url(mine), _form_data(contest, [value, "10"], comment="Mới"))

        assert response.status_code == 200
        assert error in response.content.decode()
        scorecard = Scorecard.objects.get()
        assert scorecard.comment == "Cũ"
        assert dict(scorecard.scores.values_list("criterion_id", "points")) == {criteria[0].pk: Decimal(20)}

    def test_a_submitted_scorecard_posted_again_is_refused_unchanged(self, judge_client, judge, mine, contest):
        points = {criterion.pk: 10 for criterion in contest.criteria.all()}
        scorecard_submit(scorecard=scorecard_save(assignment=mine, judge=judge, points=points), judge=judge)

        response = judge_client.post(_score_url(mine), _form_data(contest, ["1", "1", "1", "1"], button="_submit"))

        assert response.status_code == 200
        assert any("only the Organizing Committee may reopen it" in message for message in _messages(response))
        assert set(Scorecard.objects.get().scores.values_list("points", flat=True)) == {Decimal(10)}

    def test_declaring_a_conflict_takes_the_clip_out_of_the_judge_s_hands(self, judge_client, mine):
        response = judge_client.post(
            reverse("admin:judging_assignment_conflict", args=[mine.pk]), {"reason": "Tác giả là em họ tôi."}
        )

        assert response.status_code == 302
        mine.refresh_from_db()
        assert mine.conflict_reason == "Tác giả là em họ tôi."
        html = judge_client.get(_score_url(mine)).content.decode()
        assert "You declared a conflict of interest on this clip" in html
        assert "<video" not in html and 'id="scorecard-form"' not in html
        assert "0 / 2 scored" in judge_client.get(QUEUE).content.decode()

    def test_a_conflict_without_a_reason_is_refused(self, judge_client, mine):
        response = judge_client.post(reverse("admin:judging_assignment_conflict", args=[mine.pk]), {"reason": ""})

        assert "Say why: the Organizing Committee reads it." in _messages(judge_client.get(response.url))
        assert not Assignment.objects.get(pk=mine.pk).has_conflict


class TestWhatAJudgeCannotReach:
    def test_another_judge_s_scorecard_is_a_404(self, judge_client, round_of_three, other_judge, contest):
        theirs = Assignment.objects.filter(judge=other_judge).first()
        points = {criterion.pk: 10 for criterion in contest.criteria.all()}
        scorecard = scorecard_save(assignment=theirs, judge=other_judge, points=points)

        assert judge_client.get(_score_url(theirs)).status_code == 404
        assert judge_client.post(_score_url(theirs), _form_data(contest, ["1"])).status_code == 404
        conflict_url = reverse("admin:judging_assignment_conflict", args=[theirs.pk])
        assert judge_client.post(conflict_url, {"reason": "x"}).status_code == 404
        assert set(Scorecard.objects.get(pk=scorecard.pk).scores.values_list("points", flat=True)) == {Decimal(10)}
        assert not Assignment.objects.get(pk=theirs.pk).has_conflict

    def test_an_unassigned_clip_is_a_404(self, client, contest, judge, committee, make_finalists):
        signed_in(client, judge)
        clip, unassigned = make_finalists(2, one_group=True, with_preview=True)
        Assignment.objects.create(submission=clip, judge=judge)
        someone_elses = Assignment.objects.create(submission=unassigned, judge=committee)

        assert client.get(_score_url(someone_elses)).status_code == 404
        assert client.get(reverse("admin:judging_assignment_score", args=[999999])).status_code == 404
        # Not an id at all: no such assignment either (the admin's catch-all sends it on to a change page).
        assert client.get("/admin/judging/assignment/not-a-number/score/", follow=True).status_code == 404

    def test_no_scorecard_list_or_other_judge_s_scores_anywhere(
        self, judge_client, judge, round_of_three, other_judge, contest
    ):
        theirs = Assignment.objects.filter(judge=other_judge).first()
        scorecard = scorecard_save(assignment=theirs, judge=other_judge, points={contest.criteria.first().pk: 29})

        assert judge_client.get(reverse("admin:judging_scorecard_changelist")).status_code == 403
        # Another judge's scorecard is not there for them at all.
        assert judge_client.get(reverse("admin:judging_scorecard_change", args=[scorecard.pk])).status_code == 404
        assert judge_client.get(reverse("admin:judging_scorecard_reopen", args=[scorecard.pk])).status_code == 403
        assert (
            judge_client.get(reverse("admin:judging_finalround_progress", args=[contest.judging.pk])).status_code
            == 403
        )
        # Filtering the queue by another judge is not a way in: the lookup is refused or finds only their own.
        response = judge_client.get(QUEUE + f"?judge__id__exact={other_judge.pk}")
        assert response.status_code == 400 or {row.judge_id for row in response.context["cl"].result_list} <= {
            judge.pk
        }

    def test_the_entrants_registrations_are_out_of_reach(self, judge_client, round_of_three):
        registration = Registration.objects.get()

        assert judge_client.get(reverse("admin:submissions_registration_changelist")).status_code == 403
        response = judge_client.get(reverse("admin:submissions_registration_change", args=[registration.pk]))
        assert response.status_code in (403, 404)
        assert AUTHOR not in response.content.decode()
        assert judge_client.get(reverse("admin:submissions_submission_changelist")).status_code == 403

    def test_the_judge_fetches_the_assigned_clip_s_preview_but_not_another_s(
        self, client, contest, judge, committee, make_finalists
    ):
        signed_in(client, judge)
        assigned, unassigned = make_finalists(2, one_group=True, with_preview=True)
        Assignment.objects.create(submission=assigned, judge=judge)

        assert client.get(reverse("submissions:preview", args=[assigned.code])).status_code == 200
        assert client.get(reverse("submissions:thumbnail", args=[assigned.code])).status_code == 200
        assert client.get(reverse("submissions:preview", args=[unassigned.code])).status_code == 404
        assert client.get(reverse("submissions:thumbnail", args=[unassigned.code])).status_code == 404
        # The original and the documents are not for judges: a document may be the registration form.
        assert client.get(reverse("submissions:original", args=[assigned.code])).status_code == 404

    def test_a_conflict_closes_the_preview_too(self, judge_client, judge, mine):
        assignment_declare_conflict(assignment=mine, judge=judge, reason="Người nhà.")

        assert judge_client.get(reverse("submissions:preview", args=[mine.submission.code])).status_code == 404

    def test_an_entrant_cannot_reach_the_judging_app(self, client, alice, round_of_three, mine):
        client.force_login(alice)

        for url in (QUEUE, _score_url(mine)):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url.startswith(reverse("admin:login"))
        assert not Scorecard.objects.exists()


class TestTheCommittee:
    @pytest.fixture
    def committee_client(self, client, committee):
        return signed_in(client, committee)

    def test_the_progress_page_shows_each_judge_s_count(self, committee_client, round_of_three, judges, contest):
        points = {criterion.pk: 10 for criterion in contest.criteria.all()}
        for assignment in Assignment.objects.filter(judge=judges[0]):
            scorecard_submit(
                scorecard=scorecard_save(assignment=assignment, judge=judges[0], points=points), judge=judges[0]
            )

        html = committee_client.get(
            reverse("admin:judging_finalround_progress", args=[contest.judging.pk])
        ).content.decode()

        rows = dict(
            re.findall(
                r'data-judge="([^"]+)">.*?class="progress-count">.*?</progress> (\d+ / \d+)</td>', html, re.S
            )
        )
        assert rows == {
            judge.email: count for judge, count in zip(judges, ["3 / 3", "0 / 3", "0 / 3"], strict=True)
        }
        assert 'id="remind-judges"' in html and 'id="generate-assignments"' in html

    def test_the_reminder_button_e_mails_the_unfinished_judges(
        self, committee_client, round_of_three, contest, django_capture_on_commit_callbacks
    ):
        url = reverse("admin:judging_finalround_progress", args=[contest.judging.pk])

        with django_capture_on_commit_callbacks(execute=True):
            response = committee_client.post(url, {"remind": "1"}, follow=True)

        assert "3 judges reminded by e-mail." in _messages(response)
        assert OutgoingMail.objects.filter(kind="judge_reminder").count() == 3

    def test_the_generate_button_assigns_the_finalists(self, committee_client, contest, judges, make_finalists):
        make_finalists(2, one_group=True)
        url = reverse("admin:judging_finalround_progress", args=[contest.judging.pk])

        response = committee_client.post(url, {"generate": "1"}, follow=True)

        assert "Assignments: 6 new, 0 removed, 0 kept." in _messages(response)
        assert Assignment.objects.count() == 6

    def test_the_committee_reopens_a_scorecard_with_a_reason(self, committee_client, judge, mine, contest):
        points = {criterion.pk: 10 for criterion in contest.criteria.all()}
        scorecard = scorecard_save(assignment=mine, judge=judge, points=points)
        scorecard_submit(scorecard=scorecard, judge=judge)
        url = reverse("admin:judging_scorecard_reopen", args=[scorecard.pk])
        assert (
            url
            in committee_client.get(
                reverse("admin:judging_scorecard_change", args=[scorecard.pk])
            ).content.decode()
        )

        refused = committee_client.post(url, {"reason": ""})
        assert refused.status_code == 200
        assert Scorecard.objects.get().state == Scorecard.State.SUBMITTED

        committee_client.post(url, {"reason": "Giám khảo nhập nhầm."})
        scorecard.refresh_from_db()
        assert scorecard.state == Scorecard.State.DRAFT
        assert scorecard.events.get(action="reopened").reason == "Giám khảo nhập nhầm."

    def test_the_rubric_list_refuses_a_maximum_of_zero_beside_the_field(self, committee_client, contest):
        response = committee_client.post(
            reverse("admin:judging_criterion_add"),
            {"contest": contest.pk, "name": "Âm nhạc", "max_points": "0", "weight": "1", "order": "5"},
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {"max_points": ["The maximum must be more than 0."]}
        assert not Criterion.objects.filter(name="Âm nhạc").exists()

    def test_an_assignment_with_a_scorecard_cannot_be_deleted(self, committee_client, judge, mine):
        scorecard_save(assignment=mine, judge=judge, points={})

        response = committee_client.post(
            reverse("admin:judging_assignment_delete", args=[mine.pk]), {"post": "yes"}
        )

        assert response.status_code == 403
        assert Assignment.objects.filter(pk=mine.pk).exists()

    def test_a_staff_member_outside_the_jury_and_committee_sees_no_judging(self, client, round_of_three):
        office = make_staff("vanphong@example.com", "office")
        signed_in(client, office)

        assert client.get(QUEUE).status_code == 403


class TestTheCommitteeScreens:
    @pytest.fixture
    def committee_client(self, client, committee):
        return signed_in(client, committee)

    def test_the_final_round_page_summarises_the_rubric(self, committee_client, contest):
        html = committee_client.get(
            reverse("admin:judging_finalround_change", args=[contest.judging.pk])
        ).content.decode()

        assert "Nội dung đúng chủ đề: at most 30 points · weight 1 · breaks ties" in html
        assert reverse("admin:judging_finalround_progress", args=[contest.judging.pk]) in html

    def test_the_rubric_is_edited_in_its_list(self, committee_client, contest):
        criteria = list(contest.criteria.all())
        data = {
            "form-TOTAL_FORMS": str(len(criteria)),
            "form-INITIAL_FORMS": str(len(criteria)),
            "_save": "1",
        }
        for index, criterion in enumerate(criteria):
            data |= {
                f"form-{index}-id": str(criterion.pk),
                f"form-{index}-max_points": "40" if index == 0 else str(criterion.max_points),
                f"form-{index}-weight": "-1" if index == 1 else str(criterion.weight),
                f"form-{index}-order": str(criterion.order),
            }
        url = reverse("admin:judging_criterion_changelist") + f"?contest__id__exact={contest.pk}"

        refused = committee_client.post(url, data)

        assert refused.status_code == 200
        assert "The weight must be more than 0." in refused.content.decode()
        assert contest.criteria.get(pk=criteria[0].pk).max_points == 30

        data["form-1-weight"] = "2"
        assert committee_client.post(url, data).status_code == 302
        assert contest.criteria.get(pk=criteria[0].pk).max_points == 40
        assert contest.criteria.get(pk=criteria[1].pk).weight == 2

    def test_the_assignment_list_shows_every_judge_and_state(self, committee_client, round_of_three, judges, mine):
        assignment_declare_conflict(assignment=mine, judge=mine.judge, reason="Người nhà tác giả.")

        response = committee_client.get(QUEUE)

        html = response.content.decode()
        assert response.context["title"] == "Assignments of clips to judges"
        assert len(response.context["cl"].result_list) == 9
        # Named by name, not by the e-mail address their account is known by.
        assert all(judge.full_name in html and judge.email not in html for judge in judges)
        assert "Người nhà tác giả." in html

    def test_an_assignment_is_added_by_hand_for_a_judge_of_the_jury(
        self, committee_client, contest, make_finalists
    ):
        (clip,) = make_finalists(1, one_group=True)
        outsider = make_staff("vanphong@example.com", "office")
        judge = make_staff("giamkhao9@example.com", "jury")
        url = reverse("admin:judging_assignment_add")

        refused = committee_client.post(url, {"submission": clip.pk, "judge": outsider.pk})
        assert refused.status_code == 200 and "judge" in refused.context["adminform"].form.errors

        assert committee_client.post(url, {"submission": clip.pk, "judge": judge.pk}).status_code == 302
        assert Assignment.objects.filter(submission=clip, judge=judge).exists()
