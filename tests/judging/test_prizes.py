"""Prizes from the approved run: tiers filled in rank order by their counts, incomplete clips skipped, a tie across
a tier boundary reported and decided only by the committee, the side prize designated with a reason, the budget."""

import pytest

from contest_portal.refusals import NotAllowed, Refusal
from judging.models import Award, RankingRun, Scorecard
from judging.prizes import (
    TieChoice,
    awards_confirm,
    awards_propose,
    awards_withdraw,
    prize_list,
    side_prize_designate,
    side_prize_withdraw,
)
from judging.runs import ranking_run_approve, ranking_run_start
from judging.services import scorecard_reopen
from submissions.models import Submission
from tests.finalists import TITLES

from .results_setup import prepare_round, score, set_prize_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english"), pytest.mark.judges(2)]


@pytest.fixture
def clips(make_finalists):
    """A to F, the six finalists."""
    return dict(zip("ABCDEF", make_finalists(titles=TITLES), strict=True))


@pytest.fixture
def tiers(contest):
    return set_prize_counts(contest, nhat=1, nhi=1, ba=2, kk=2, phu=1)


@pytest.fixture
def approved(contest, committee, judges, clips, tiers, django_capture_on_commit_callbacks):
    """Both judges: A 40, B and C 36 each (tied all the way through count-back), D 32, E 28; F has one scorecard
    of the two needed. The run is approved."""
    prepare_round(contest, committee, judges=judges, finalists=clips.values(), min_scorecards=2)
    for judge in judges:
        score(judge, clips["A"], [10, 10, 10])
        score(judge, clips["B"], [9, 9, 9])
        score(judge, clips["C"], [9, 9, 9])
        score(judge, clips["D"], [8, 8, 8])
        score(judge, clips["E"], [7, 7, 7])
    score(judges[0], clips["F"], [10, 10, 10])
    with django_capture_on_commit_callbacks(execute=True):
        run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    ranking_run_approve(run=run, user=committee)
    return run


def _codes(clips_placed):
    return [clip.code for clip in clips_placed]


def _awarded(contest):
    return {(award.tier.name, award.submission.code) for award in Award.objects.filter(tier__contest=contest)}


def test_the_proposal_fills_the_tiers_in_rank_order_and_reports_the_tie_at_a_boundary(approved, clips, tiers):
    proposal = awards_propose(run=approved)

    nhat, nhi, ba, kk = proposal.tiers
    assert (nhat.tier, _codes(nhat.winners), nhat.tie) == (tiers["nhat"], [clips["A"].code], None)
    assert nhi.winners == []
    assert (sorted(nhi.tie.codes), nhi.tie.seats) == (sorted([clips["B"].code, clips["C"].code]), 1)
    # Ba gets whichever of B and C the committee does not choose for Nhì, then D.
    assert (ba.from_tie_above, ba.from_tie_above_count) == (nhi.tie, 1)
    assert _codes(ba.winners) == [clips["D"].code]
    assert _codes(kk.winners) == [clips["E"].code]
    assert [tier.tier for tier in proposal.tiers] == [tiers["nhat"], tiers["nhi"], tiers["ba"], tiers["kk"]]
    assert [entry["code"] for entry in proposal.incomplete] == [clips["F"].code]


def test_a_tie_across_a_boundary_is_never_decided_by_the_program(contest, committee, approved):
    with pytest.raises(Refusal, match="Giải Nhì"):
        awards_confirm(contest=contest, user=committee)

    assert not Award.objects.exists()


def test_the_committee_decides_the_tie_with_a_reason(contest, committee, approved, clips, tiers):
    choice = {tiers["nhi"].pk: TieChoice(submissions=[clips["C"].pk], reason="")}
    with pytest.raises(Refusal, match="reason"):
        awards_confirm(contest=contest, user=committee, choices=choice)

    choice = {tiers["nhi"].pk: TieChoice(submissions=[clips["C"].pk], reason="Hội đồng biểu quyết 5/2.")}
    awards = awards_confirm(contest=contest, user=committee, choices=choice)

    assert _awarded(contest) == {
        ("Giải Nhất", clips["A"].code),
        ("Giải Nhì", clips["C"].code),
        ("Giải Ba", clips["B"].code),
        ("Giải Ba", clips["D"].code),
        ("Giải Khuyến khích", clips["E"].code),
    }
    by_code = {award.submission.code: award for award in awards}
    assert {code: award.rank for code, award in by_code.items()} == {
        clips["A"].code: 1,
        clips["B"].code: 2,
        clips["C"].code: 2,
        clips["D"].code: 4,
        clips["E"].code: 5,
    }
    assert by_code[clips["C"].code].reason == by_code[clips["B"].code].reason == "Hội đồng biểu quyết 5/2."
    assert by_code[clips["A"].code].reason == ""
    assert {award.run_id for award in awards} == {approved.pk}


def test_a_choice_must_take_exactly_the_seats_among_the_tied_clips(contest, committee, approved, clips, tiers):
    for chosen in ([clips["B"].pk, clips["C"].pk], [clips["D"].pk], []):
        choice = {tiers["nhi"].pk: TieChoice(submissions=chosen, reason="Biểu quyết.")}
        with pytest.raises(Refusal, match="Giải Nhì: choose 1 of the tied clips"):
            awards_confirm(contest=contest, user=committee, choices=choice)
    assert not Award.objects.exists()


def test_a_tie_inside_a_tier_needs_no_choice(contest, committee, approved, clips, tiers):
    tiers["nhi"].count = 2
    tiers["nhi"].save()

    awards_confirm(contest=contest, user=committee)

    assert {code for tier, code in _awarded(contest) if tier == "Giải Nhì"} == {clips["B"].code, clips["C"].code}
    assert {code for tier, code in _awarded(contest) if tier == "Giải Ba"} == {clips["D"].code, clips["E"].code}


def test_clips_with_too_few_scorecards_get_no_prize_from_the_rank(contest, committee, approved, clips, tiers):
    tiers["kk"].count = 5
    tiers["kk"].save()

    awards_confirm(
        contest=contest, user=committee, choices={tiers["nhi"].pk: TieChoice([clips["B"].pk], "Lý do.")}
    )

    assert clips["F"].code not in {code for _tier, code in _awarded(contest)}
    assert Award.objects.filter(tier=tiers["kk"]).count() == 1


def test_confirming_again_replaces_the_prizes_from_the_run(contest, committee, approved, clips, tiers):
    awards_confirm(
        contest=contest, user=committee, choices={tiers["nhi"].pk: TieChoice([clips["B"].pk], "Lần 1.")}
    )
    awards_confirm(
        contest=contest, user=committee, choices={tiers["nhi"].pk: TieChoice([clips["C"].pk], "Lần 2.")}
    )

    assert Award.objects.get(tier=tiers["nhi"]).submission == clips["C"]
    assert Award.objects.count() == 5


def test_a_group_tied_across_two_boundaries_needs_a_choice_at_each(contest, tiers, clips):
    ranked = [("A", 1), ("B", 1), ("C", 1), ("D", 4), ("E", 5)]
    run = RankingRun(
        contest=contest,
        inputs={"clips": [{"id": clip.pk, "code": clip.code} for clip in clips.values()]},
        results={
            "ranked": [{"clip": clips[key].pk, "rank": rank, "score": "1"} for key, rank in ranked],
            "incomplete": [],
        },
    )
    A, B, C = (clips[key].pk for key in "ABC")

    open_ties = awards_propose(run=run)
    decided = awards_propose(
        run=run, choices={tiers["nhat"].pk: TieChoice([B], "1"), tiers["nhi"].pk: TieChoice([C], "2")}
    )

    assert [(tie.tier, tie.seats, len(tie.candidates)) for tie in open_ties.ties] == [
        (tiers["nhat"], 1, 3),
        (tiers["nhi"], 1, 3),
    ]
    assert _codes(open_ties.tiers[2].winners) == [clips["D"].code]
    assert open_ties.tiers[2].from_tie_above_count == 1
    nhat, nhi, ba, _kk = decided.tiers
    assert (_codes(nhat.tie.chosen), _codes(nhi.tie.chosen)) == ([clips["B"].code], [clips["C"].code])
    assert _codes(ba.winners) == [clips["A"].code, clips["D"].code]
    assert ba.from_tie_above is None
    assert A not in {clip.submission_id for clip in nhat.tie.chosen + nhi.tie.chosen}


def test_prizes_come_only_from_an_approved_current_run(
    contest, committee, judges, approved, clips, tiers, django_capture_on_commit_callbacks
):
    choices = {tiers["nhi"].pk: TieChoice([clips["B"].pk], "Lý do.")}
    scorecard = Scorecard.objects.get(assignment__judge=judges[0], assignment__submission=clips["E"])
    scorecard_reopen(scorecard=scorecard, user=committee, reason="Nhập nhầm.")
    score(judges[0], clips["E"], [6, 6, 6])

    with pytest.raises(Refusal, match="changed"):
        awards_confirm(contest=contest, user=committee, choices=choices)
    RankingRun.objects.update(approved_at=None, approved_by=None)
    with pytest.raises(Refusal, match="Approve"):
        awards_confirm(contest=contest, user=committee, choices=choices)


def test_awarding_needs_the_permission(contest, approved, judges, alice):
    for user in (judges[0], alice):
        with pytest.raises(NotAllowed, match="You may not award prizes"):
            awards_confirm(contest=contest, user=user)


def test_withdrawn_prizes_let_another_run_be_approved(
    contest, committee, approved, clips, tiers, django_capture_on_commit_callbacks
):
    awards_confirm(
        contest=contest, user=committee, choices={tiers["nhi"].pk: TieChoice([clips["B"].pk], "Lý do.")}
    )
    side_prize_designate(tier=tiers["phu"], submission=clips["F"], user=committee, reason="Nhiều lượt xem nhất.")
    with django_capture_on_commit_callbacks(execute=True):
        second = ranking_run_start(contest=contest, user=committee)

    assert awards_withdraw(contest=contest, user=committee) == 5
    ranking_run_approve(run=second, user=committee)

    assert list(Award.objects.values_list("tier__name", flat=True)) == ["Giải phụ"]


def test_the_side_prize_is_designated_with_a_reason_not_from_the_rank(contest, committee, approved, clips, tiers):
    with pytest.raises(Refusal, match="reason"):
        side_prize_designate(tier=tiers["phu"], submission=clips["F"], user=committee, reason="  ")

    award = side_prize_designate(
        tier=tiers["phu"], submission=clips["F"], user=committee, reason="Nhiều lượt xem nhất trên Fanpage."
    )

    # F was not even ranked (too few scorecards): the side prize does not look at the rank.
    assert (award.tier, award.submission, award.run, award.rank) == (tiers["phu"], clips["F"], None, None)
    assert award.reason == "Nhiều lượt xem nhất trên Fanpage."
    assert award.awarded_by == committee


def test_the_side_prize_keeps_to_its_count(contest, committee, clips, tiers):
    side_prize_designate(tier=tiers["phu"], submission=clips["A"], user=committee, reason="Lượt xem.")
    reworded = side_prize_designate(
        tier=tiers["phu"], submission=clips["A"], user=committee, reason="Lượt chia sẻ."
    )
    with pytest.raises(Refusal, match="withdraw"):
        side_prize_designate(tier=tiers["phu"], submission=clips["B"], user=committee, reason="Lượt xem.")

    assert reworded.reason == "Lượt chia sẻ."
    side_prize_withdraw(award=reworded, user=committee)
    side_prize_designate(tier=tiers["phu"], submission=clips["B"], user=committee, reason="Lượt xem.")
    assert list(Award.objects.values_list("submission__code", flat=True)) == [clips["B"].code]


def test_the_side_prize_goes_to_finalists_only_and_is_not_a_ranked_tier(contest, committee, clips, tiers):
    Submission.objects.filter(pk=clips["A"].pk).update(status=Submission.Status.NOT_SELECTED)

    with pytest.raises(Refusal, match="finalist"):
        side_prize_designate(tier=tiers["phu"], submission=clips["A"], user=committee, reason="Lượt xem.")
    with pytest.raises(Refusal, match="Giải Nhất is given from the ranking, not designated"):
        side_prize_designate(tier=tiers["nhat"], submission=clips["B"], user=committee, reason="Hay nhất.")
    assert not Award.objects.exists()


def test_the_side_prize_needs_the_permission(contest, judges, clips, tiers):
    with pytest.raises(NotAllowed, match="You may not award prizes"):
        side_prize_designate(tier=tiers["phu"], submission=clips["A"], user=judges[0], reason="Lượt xem.")


def test_the_budget_is_the_sum_of_the_amounts_awarded(contest, committee, approved, clips, tiers):
    awards_confirm(
        contest=contest, user=committee, choices={tiers["nhi"].pk: TieChoice([clips["B"].pk], "Lý do.")}
    )
    side_prize_designate(tier=tiers["phu"], submission=clips["F"], user=committee, reason="Nhiều lượt xem nhất.")

    prizes = prize_list(contest=contest)

    # Nhất 5M + Nhì 3M + Ba 2 × 2M + one Khuyến khích 1M (of two) + Giải phụ 1M.
    assert prizes.total == 14_000_000
    assert prizes.total == sum(award.tier.amount for award in Award.objects.select_related("tier"))
    assert prizes.planned == 5_000_000 + 3_000_000 + 2 * 2_000_000 + 2 * 1_000_000 + 1_000_000
    assert [award.tier.name for award in prizes.awards] == [
        "Giải Nhất",
        "Giải Nhì",
        "Giải Ba",
        "Giải Ba",
        "Giải Khuyến khích",
        "Giải phụ",
    ]
    assert prizes.awards[0].authors == "Lò Văn Tác Giả 1"
