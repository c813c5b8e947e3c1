"""The preliminary round's decisions and recommendations, through submissions.screening: every transition
allowed or refused, the reason required, the audit history, and a second click that changes nothing."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from contest_portal.refusals import NotAllowed, Refusal
from submissions.models import ScreeningReview, Submission, SubmissionEvent
from submissions.screening import DECISIONS, screening_review_save, submission_decide
from submissions.services import submission_withdraw
from tests.conftest import ALICE_ID

# The services' messages are checked as their English source text.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

Status = Submission.Status


@pytest.fixture
def clip(contest, alice, register, submit):
    return submit(register(alice, "Lò Thị Alice", ALICE_ID))


def _in_state(submission, status):
    Submission.objects.filter(pk=submission.pk).update(status=status)
    submission.refresh_from_db()
    return submission


def _reason_for(decision):
    return "" if decision == Status.SHORTLISTED else "Chưa đúng chủ đề của cuộc thi."


# Every (state, decision) pair and whether the rules allow it, written out: a received clip may be decided any
# way; a finalist or a clip not selected may change its mind or be disqualified; a disqualified or withdrawn
# clip is out of the contest.
TRANSITIONS = [
    (Status.RECEIVED, Status.SHORTLISTED, True),
    (Status.RECEIVED, Status.NOT_SELECTED, True),
    (Status.RECEIVED, Status.DISQUALIFIED, True),
    (Status.SHORTLISTED, Status.NOT_SELECTED, True),
    (Status.SHORTLISTED, Status.DISQUALIFIED, True),
    (Status.NOT_SELECTED, Status.SHORTLISTED, True),
    (Status.NOT_SELECTED, Status.DISQUALIFIED, True),
    (Status.DISQUALIFIED, Status.SHORTLISTED, False),
    (Status.DISQUALIFIED, Status.NOT_SELECTED, False),
    (Status.WITHDRAWN, Status.SHORTLISTED, False),
    (Status.WITHDRAWN, Status.NOT_SELECTED, False),
    (Status.WITHDRAWN, Status.DISQUALIFIED, False),
]


class TestTransitions:
    @pytest.mark.parametrize(
        ("start", "decision", "allowed"), TRANSITIONS, ids=[f"{s}->{d}" for s, d, _allowed in TRANSITIONS]
    )
    def test_each_transition_is_taken_or_refused_as_the_rules_say(self, clip, committee, start, decision, allowed):
        clip = _in_state(clip, start)

        if allowed:
            assert submission_decide(
                submission=clip, user=committee, decision=decision, reason=_reason_for(decision)
            )
            clip.refresh_from_db()
            assert clip.status == decision
            assert SubmissionEvent.objects.get(submission=clip).to_status == decision
        else:
            with pytest.raises(Refusal, match=f"{clip.code} is .*: it cannot become {decision.label}"):
                submission_decide(submission=clip, user=committee, decision=decision, reason=_reason_for(decision))
            clip.refresh_from_db()
            assert clip.status == start
            assert not SubmissionEvent.objects.filter(submission=clip).exists()

    def test_the_table_above_is_every_pair(self):
        assert {(start, decision) for start, decision, _allowed in TRANSITIONS} == {
            (start, decision) for start in Status for decision in DECISIONS if start != decision
        }

    def test_a_withdrawn_clip_is_not_screened(self, clip, alice, office):
        submission_withdraw(submission=clip, user=alice)

        with pytest.raises(Refusal, match="withdrawn: it cannot become finalist"):
            submission_decide(submission=clip, user=office, decision=Status.SHORTLISTED)
        with pytest.raises(Refusal, match="withdrawn"):
            screening_review_save(submission=clip, reviewer=office, recommendation="shortlist")

    def test_received_is_not_a_decision(self, clip, committee):
        with pytest.raises(Refusal, match="Choose finalist, not selected or disqualified"):
            submission_decide(submission=clip, user=committee, decision=Status.RECEIVED)


class TestReason:
    @pytest.mark.parametrize("decision", [Status.NOT_SELECTED, Status.DISQUALIFIED])
    @pytest.mark.parametrize("reason", ["", "   \n "])
    def test_a_decision_against_the_clip_needs_a_reason(self, clip, committee, decision, reason):
        with pytest.raises(Refusal, match="Give the reason: the entrant will read it") as refusal:
            submission_decide(submission=clip, user=committee, decision=decision, reason=reason)

        assert refusal.value.field == "reason"
        clip.refresh_from_db()
        assert clip.status == Status.RECEIVED

    def test_a_finalist_needs_no_reason(self, clip, office):
        assert submission_decide(submission=clip, user=office, decision=Status.SHORTLISTED)

    def test_the_reason_is_kept_without_surrounding_blanks(self, clip, office):
        submission_decide(submission=clip, user=office, decision=Status.NOT_SELECTED, reason="  Quá ngắn. \n")

        clip.refresh_from_db()
        assert clip.decision_reason == "Quá ngắn."


class TestAudit:
    def test_a_decision_records_who_when_from_what_to_what_and_why(self, clip, office):
        moment = timezone.now().replace(microsecond=0)
        with time_machine.travel(moment, tick=False):
            submission_decide(submission=clip, user=office, decision=Status.NOT_SELECTED, reason="Lạc đề.")

        event = SubmissionEvent.objects.get(submission=clip)
        assert (event.actor, event.action, event.from_status, event.to_status, event.reason) == (
            office,
            "decided",
            Status.RECEIVED,
            Status.NOT_SELECTED,
            "Lạc đề.",
        )
        assert event.created_at == moment
        clip.refresh_from_db()
        assert (clip.decided_by, clip.decided_at, clip.decision_reason) == (office, moment, "Lạc đề.")

    def test_the_same_decision_twice_changes_nothing(self, clip, office):
        submission_decide(submission=clip, user=office, decision=Status.NOT_SELECTED, reason="Lạc đề.")
        clip.refresh_from_db()
        decided_at = clip.decided_at

        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
            changed = submission_decide(
                submission=clip, user=office, decision=Status.NOT_SELECTED, reason="Lạc đề lần hai."
            )

        assert not changed and changed.mail_problem == ""
        clip.refresh_from_db()
        assert clip.decided_at == decided_at
        assert clip.decision_reason == "Lạc đề."
        assert SubmissionEvent.objects.filter(submission=clip).count() == 1

    def test_a_changed_decision_keeps_both_in_the_history(self, clip, office):
        submission_decide(submission=clip, user=office, decision=Status.SHORTLISTED)
        submission_decide(submission=clip, user=office, decision=Status.NOT_SELECTED, reason="Xem lại: trùng ý.")

        assert list(
            SubmissionEvent.objects.filter(submission=clip).values_list("from_status", "to_status", "reason")
        ) == [
            (Status.RECEIVED, Status.SHORTLISTED, ""),
            (Status.SHORTLISTED, Status.NOT_SELECTED, "Xem lại: trùng ý."),
        ]


class TestPermissions:
    def test_a_juror_may_not_decide(self, clip, judge):
        with pytest.raises(NotAllowed, match="You may not screen clips"):
            submission_decide(submission=clip, user=judge, decision=Status.SHORTLISTED)
        clip.refresh_from_db()
        assert clip.status == Status.RECEIVED

    def test_an_entrant_may_not_decide_even_on_her_own_clip(self, clip, alice):
        with pytest.raises(NotAllowed, match="You may not screen clips"):
            submission_decide(submission=clip, user=alice, decision=Status.SHORTLISTED)

    def test_the_standing_office_may_not_disqualify(self, clip, office):
        with pytest.raises(NotAllowed, match="Organizing Committee"):
            submission_decide(submission=clip, user=office, decision=Status.DISQUALIFIED, reason="Sao chép.")
        clip.refresh_from_db()
        assert clip.status == Status.RECEIVED

    def test_the_committee_may_disqualify(self, clip, committee):
        assert submission_decide(submission=clip, user=committee, decision=Status.DISQUALIFIED, reason="Sao chép.")

    def test_a_decision_the_entrant_was_told_stays_unless_the_committee_changes_it(self, clip, office, committee):
        submission_decide(submission=clip, user=office, decision=Status.NOT_SELECTED, reason="Lạc đề.")
        Submission.objects.filter(pk=clip.pk).update(decision_notified_at=timezone.now())

        with pytest.raises(NotAllowed, match="told"):
            submission_decide(submission=clip, user=office, decision=Status.SHORTLISTED)
        assert submission_decide(submission=clip, user=committee, decision=Status.SHORTLISTED)

        clip.refresh_from_db()
        last = SubmissionEvent.objects.filter(submission=clip).last()
        assert (last.actor, last.action, last.from_status, last.to_status) == (
            committee,
            "decision_changed_after_notice",
            Status.NOT_SELECTED,
            Status.SHORTLISTED,
        )
        # Told of the old decision, not yet of the new one.
        assert clip.decision_notified_at is None


class TestRecommendations:
    def test_a_screener_records_the_checklist_and_a_recommendation(self, clip, office):
        review = screening_review_save(
            submission=clip,
            reviewer=office,
            recommendation="shortlist",
            comment=" Hay. ",
            content_on_theme=True,
            content_note="Đúng chủ đề số hoá.",
            form_ok=False,
            form_note="Hơi dài.",
            technical_quality_ok=None,
        )

        review.refresh_from_db()
        assert (review.recommendation, review.comment, review.content_on_theme, review.form_ok) == (
            "shortlist",
            "Hay.",
            True,
            False,
        )
        assert review.technical_quality_ok is None
        assert review.content_note == "Đúng chủ đề số hoá."

    def test_a_second_save_updates_the_screener_s_own_review(self, clip, office):
        screening_review_save(submission=clip, reviewer=office, recommendation="shortlist")
        screening_review_save(submission=clip, reviewer=office, recommendation="not_select", form_ok=False)

        review = ScreeningReview.objects.get()
        assert (review.recommendation, review.form_ok) == ("not_select", False)

    def test_several_screeners_each_record_theirs(self, clip, office, committee):
        screening_review_save(submission=clip, reviewer=office, recommendation="shortlist")
        screening_review_save(submission=clip, reviewer=committee, recommendation="not_select")

        assert ScreeningReview.objects.filter(submission=clip).count() == 2

    def test_an_unknown_recommendation_is_refused(self, clip, office):
        with pytest.raises(Refusal, match="'maybe' is not a valid choice"):
            screening_review_save(submission=clip, reviewer=office, recommendation="maybe")
        assert not ScreeningReview.objects.exists()

    def test_a_juror_may_not_recommend(self, clip, judge):
        with pytest.raises(NotAllowed, match="You may not screen clips"):
            screening_review_save(submission=clip, reviewer=judge, recommendation="shortlist")


class TestWhatTheEntrantSees:
    """My clips shows a decision once the entrant was told it (its e-mail released), with the reason."""

    def _my_clips(self, client, alice):
        from django.urls import reverse

        client.force_login(alice)
        client.cookies["django_language"] = "en"
        return client.get(reverse("submissions:my_clips", args=["test-contest"])).content.decode()

    def test_a_decision_not_told_yet_still_reads_received(self, client, alice, clip, office):
        submission_decide(submission=clip, user=office, decision=Status.NOT_SELECTED, reason="Lạc đề.")

        html = self._my_clips(client, alice)

        assert 'class="status received"' in html
        assert "not selected" not in html and "Lạc đề." not in html

    @pytest.mark.parametrize(
        ("decision", "reason", "says"),
        [
            (Status.SHORTLISTED, "", "Your clip is a finalist"),
            (Status.NOT_SELECTED, "Lạc đề.", "Your clip was not selected"),
            (Status.DISQUALIFIED, "Sao chép.", "Your clip was disqualified."),
        ],
    )
    def test_a_told_decision_is_shown_with_its_reason(
        self, client, alice, clip, committee, decision, reason, says
    ):
        submission_decide(submission=clip, user=committee, decision=decision, reason=reason)
        Submission.objects.filter(pk=clip.pk).update(decision_notified_at=timezone.now())

        html = self._my_clips(client, alice)

        assert f'data-status="{decision}"' in html
        assert says in html
        if reason:
            assert f"Reason: {reason}" in html


class TestOneTransition:
    """Deciding drafts the entrant's e-mail in the same service; the page offers what decisions_allowed says."""

    def test_a_decision_drafts_the_mail_telling_it(self, clip, office):
        from contest_portal.mail.models import OutgoingMail

        decided = submission_decide(submission=clip, user=office, decision=Status.NOT_SELECTED, reason="Lạc đề.")

        assert decided and decided.mail_problem == ""
        [draft] = OutgoingMail.objects.filter(kind="decision_not_selected")
        assert (draft.state, draft.to) == (OutgoingMail.State.DRAFT, "alice@example.com")
        assert "Lạc đề." in draft.body_text

    def test_a_broken_template_stops_the_draft_not_the_decision(self, clip, office):
        from contest_portal.mail.models import MailTemplate, OutgoingMail

        MailTemplate.objects.filter(key="decision_shortlisted").update(body_text="{% if %}")

        decided = submission_decide(submission=clip, user=office, decision=Status.SHORTLISTED)

        assert decided
        assert decided.mail_problem.startswith("The e-mail template “")
        assert "needs fixing" in decided.mail_problem
        assert Submission.objects.get(pk=clip.pk).status == Status.SHORTLISTED
        assert not OutgoingMail.objects.filter(kind="decision_shortlisted").exists()

    @pytest.mark.parametrize(
        ("role", "state", "told", "expected"),
        [
            ("office", Status.RECEIVED, False, [Status.SHORTLISTED, Status.NOT_SELECTED]),
            ("committee", Status.RECEIVED, False, [Status.SHORTLISTED, Status.NOT_SELECTED, Status.DISQUALIFIED]),
            ("office", Status.SHORTLISTED, False, [Status.NOT_SELECTED]),
            ("office", Status.NOT_SELECTED, True, []),
            ("committee", Status.NOT_SELECTED, True, [Status.SHORTLISTED, Status.DISQUALIFIED]),
            ("committee", Status.DISQUALIFIED, False, []),
            ("judge", Status.RECEIVED, False, []),
        ],
    )
    def test_the_decisions_offered(self, clip, office, committee, judge, role, state, told, expected):
        from submissions.screening import decisions_allowed

        user = {"office": office, "committee": committee, "judge": judge}[role]
        Submission.objects.filter(pk=clip.pk).update(
            status=state, decision_notified_at=timezone.now() if told else None
        )
        clip.refresh_from_db()

        assert decisions_allowed(user, clip) == expected

    def test_nothing_is_offered_outside_screenings_phases(self, clip, committee, contest):
        from submissions.models import Contest
        from submissions.phases import Phase
        from submissions.screening import decisions_allowed

        Contest.objects.filter(pk=contest.pk).update(stage=Phase.FINAL)
        clip.refresh_from_db()

        assert decisions_allowed(committee, clip) == []
