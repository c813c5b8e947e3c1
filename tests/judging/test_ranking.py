"""The ranking module against tables computed by hand, and properties that hold for any table of scores.

Most tables use two criteria: content (at most 10 points, weight 2, breaks ties) and craft (at most 10, weight 1,
breaks ties after content), so a scorecard's total is content × 2 + craft and the highest possible total is 30.
"""

import json
import random
from decimal import Decimal as D

import pytest

from judging.ranking import METHODS, Criterion, Scorecard, rank_clips

CONTENT = Criterion("content", max_points=10, weight=2, breaks_ties=True)
CRAFT = Criterion("craft", max_points=10, weight=1, breaks_ties=True)
RUBRIC = [CONTENT, CRAFT]


def cards(table, *, leave_out=()):
    """Scorecards from {judge: {clip: (content, craft)}}, without the (judge, clip) pairs left out."""
    return [
        Scorecard(judge, clip, {"content": content, "craft": craft})
        for judge, row in table.items()
        for clip, (content, craft) in row.items()
        if (judge, clip) not in leave_out
    ]


def rank(table, **options):
    return rank_clips(criteria=RUBRIC, scorecards=cards(table), **options)


def order(result):
    return [clip.clip for clip in result.ranked]


def by_clip(result):
    return {clip.clip: clip for clip in result.ranked}


# Totals:   an  binh  chi  dung | mean   trimmed / median   spread
#    A      22   21   23   20   | 21.5   (21 + 22) / 2 = 21.5   3
#    B      27   24   20   25   | 24     (24 + 25) / 2 = 24.5   7
#    C      15   16   14   13   | 14.5   (14 + 15) / 2 = 14.5   3
#    D      16   18   24   18   | 19     (18 + 18) / 2 = 18     8
# Each judge's order: an B A D C; binh B A D C; chi D A B C; dung B A D C.
FOUR_BY_FOUR = {
    "an": {"A": (8, 6), "B": (9, 9), "C": (5, 5), "D": (7, 2)},
    "binh": {"A": (7, 7), "B": (8, 8), "C": (6, 4), "D": (6, 6)},
    "chi": {"A": (9, 5), "B": (7, 6), "C": (4, 6), "D": (8, 8)},
    "dung": {"A": (6, 8), "B": (9, 7), "C": (5, 3), "D": (7, 4)},
}

ALL_JUDGES = {clip: set(FOUR_BY_FOUR) for clip in "ABCD"}


def test_a_scorecard_total_is_the_sum_of_points_times_weight():
    rubric = [Criterion("content", 10, D("1.5")), Criterion("craft", 5, 2), Criterion("impact", D("2.5"), 0)]
    result = rank_clips(
        criteria=rubric,
        scorecards=[Scorecard("an", "A", {"content": D("7.5"), "craft": 4, "impact": D("2.5")})],
    )
    # 7.5 × 1.5 + 4 × 2 + 2.5 × 0 = 11.25 + 8 = 19.25, out of 10 × 1.5 + 5 × 2 = 25.
    assert result.ranked[0].score == D("19.25")
    assert result.ranked[0].criterion_scores == {"content": D("11.25"), "craft": D("8"), "impact": D("0")}
    assert result.max_total == D("25")


def test_the_mean_ranks_clips_by_their_mean_total():
    result = rank(FOUR_BY_FOUR)

    assert order(result) == ["B", "A", "D", "C"]
    assert [clip.rank for clip in result.ranked] == [1, 2, 3, 4]
    assert [clip.score for clip in result.ranked] == [D("24"), D("21.5"), D("19"), D("14.5")]
    assert [clip.raw_mean for clip in result.ranked] == [D("24"), D("21.5"), D("19"), D("14.5")]
    assert [clip.decided_by for clip in result.ranked] == ["score"] * 4
    # B's content × 2: 18, 16, 14, 18 → 16.5; craft: 9, 8, 6, 7 → 7.5; together the 24 above.
    assert by_clip(result)["B"].criterion_scores == {"content": D("16.5"), "craft": D("7.5")}
    assert by_clip(result)["A"].criterion_scores == {"content": D("15"), "craft": D("6.5")}
    assert by_clip(result)["B"].scorecards == 4
    assert by_clip(result)["B"].zscore is None


def test_count_back_places_are_counted_for_every_clip():
    clips = by_clip(rank(FOUR_BY_FOUR))

    # First places: an, binh and dung put B first, chi put D first. Every judge has C last, the others top 3.
    assert {code: clip.first_places for code, clip in clips.items()} == {"A": 0, "B": 3, "C": 0, "D": 1}
    assert {code: clip.top3_places for code, clip in clips.items()} == {"A": 4, "B": 4, "C": 0, "D": 4}


def test_the_trimmed_mean_drops_the_highest_and_the_lowest_of_four_scorecards():
    result = rank(FOUR_BY_FOUR, method="trimmed_mean")

    assert order(result) == ["B", "A", "D", "C"]
    assert [clip.score for clip in result.ranked] == [D("24.5"), D("21.5"), D("18"), D("14.5")]
    assert [clip.raw_mean for clip in result.ranked] == [D("24"), D("21.5"), D("19"), D("14.5")]


def test_the_trimmed_mean_of_three_scorecards_is_the_plain_mean():
    result = rank_clips(
        criteria=RUBRIC, scorecards=cards(FOUR_BY_FOUR, leave_out={("chi", "D")}), method="trimmed_mean"
    )

    # D without chi's 24: 16, 18, 18 → (16 + 18 + 18) / 3 = 52 / 3, not the middle 18.
    assert by_clip(result)["D"].score == D("17.333333")
    assert by_clip(result)["D"].scorecards == 3


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    result = rank(FOUR_BY_FOUR, method="median")

    assert order(result) == ["B", "A", "D", "C"]
    # B: 20, 24, 25, 27 → (24 + 25) / 2; D: 16, 18, 18, 24 → (18 + 18) / 2.
    assert [clip.score for clip in result.ranked] == [D("24.5"), D("21.5"), D("18"), D("14.5")]
    # B's content × 2: 14, 16, 18, 18 → 17.
    assert by_clip(result)["B"].criterion_scores["content"] == D("17")


def test_the_median_of_an_odd_count_is_the_middle_total():
    result = rank_clips(criteria=RUBRIC, scorecards=cards(FOUR_BY_FOUR, leave_out={("chi", "D")}), method="median")

    assert by_clip(result)["D"].score == D("18")


# Chi is harsh and scored only A and C (a panel); the mean punishes the clips chi scored.
#          A    B    C    D  | judge mean, population sd, z-scores
#   an    27   21   19   13  | 20, √((49 + 1 + 1 + 49) / 4) = 5: A 7/5, B 1/5, C −1/5, D −7/5
#   binh  25   19   19   17  | 20, √((25 + 1 + 1 + 9) / 4) = 3: A 5/3, B −1/3, C −1/3, D −1
#   chi    5    -    1    -  | 3, 2: A 1, C −1
# Mean:  A 57/3 = 19, B 20, C 39/3 = 13, D 15 → B A D C.
# Mean z: A (7/5 + 5/3 + 1) / 3 = 61/45 = 1.355556; B (1/5 − 1/3) / 2 = −1/15 = −0.066667;
#         C (−1/5 − 1/3 − 1) / 3 = −23/45 = −0.511111; D (−7/5 − 1) / 2 = −1.2 → A B C D.
# On the points scale: all ten totals have mean 16.6 and population sd √(3362 / 10 − 16.6²) = √60.64 = 7.7871689…,
# so A = 16.6 + 61/45 × 7.7871689… = 27.155940, B = 16.080855, C = 12.619891, D = 7.255397.
HARSH_PANEL = {
    "an": {"A": (9, 9), "B": (7, 7), "C": (6, 7), "D": (4, 5)},
    "binh": {"A": (8, 9), "B": (6, 7), "C": (7, 5), "D": (5, 7)},
    "chi": {"A": (2, 1), "C": (0, 1)},
}


def test_the_zscore_method_evens_out_a_harsh_judge():
    assert order(rank(HARSH_PANEL)) == ["B", "A", "D", "C"]

    result = rank(HARSH_PANEL, method="zscore")

    assert order(result) == ["A", "B", "C", "D"]
    assert [clip.zscore for clip in result.ranked] == [D("1.355556"), D("-0.066667"), D("-0.511111"), D("-1.2")]
    assert [clip.score for clip in result.ranked] == [
        D("27.155940"),
        D("16.080855"),
        D("12.619891"),
        D("7.255397"),
    ]
    assert [clip.raw_mean for clip in result.ranked] == [D("19"), D("20"), D("13"), D("15")]


def test_a_judge_with_one_clip_or_one_total_for_all_gives_zscores_of_zero():
    table = {
        "an": {"A": (7, 6), "B": (3, 4)},  # 20 and 10: z +1 and −1
        "binh": {"A": (5, 5), "B": (5, 5)},  # 15 and 15: no spread, z 0 and 0
        "chi": {"A": (2, 1)},  # one clip: z 0
    }

    result = rank(table, method="zscore")

    # A: (1 + 0 + 0) / 3; B: (−1 + 0) / 2.
    assert {clip.clip: clip.zscore for clip in result.ranked} == {"A": D("0.333333"), "B": D("-0.5")}


@pytest.mark.parametrize("method", METHODS)
def test_a_tie_on_score_is_broken_by_the_first_tie_breaking_criterion(method):
    table = {
        "an": {"P": (8, 4), "Q": (7, 6), "R": (5, 5)},
        "binh": {"P": (8, 4), "Q": (7, 6), "R": (5, 5)},
    }

    result = rank(table, method=method)

    # P and Q both total 20 from each judge; content × 2 is 16 for P, 14 for Q. R's 15 is lower.
    # In the z-score method P and Q have equal z-scores for their equal totals, P the higher for content.
    assert order(result) == ["P", "Q", "R"]
    assert [clip.rank for clip in result.ranked] == [1, 2, 3]
    assert [clip.decided_by for clip in result.ranked] == ["criterion:content", "criterion:content", "score"]
    assert [clip.tied_with for clip in result.ranked] == [(), (), ()]


def test_criteria_that_do_not_break_ties_are_passed_over():
    table = {
        "an": {"P": (8, 4), "Q": (7, 6)},
        "binh": {"P": (8, 4), "Q": (7, 6)},
    }
    rubric = [Criterion("content", 10, 2, breaks_ties=False), CRAFT]

    result = rank_clips(criteria=rubric, scorecards=cards(table))

    # Content would favour P (16 to 14); craft, the only tie-breaker, favours Q (6 to 4).
    assert order(result) == ["Q", "P"]
    assert [clip.decided_by for clip in result.ranked] == ["criterion:craft", "criterion:craft"]


def test_a_tie_the_criteria_cannot_break_goes_to_more_first_places():
    table = {
        "an": {"P": (8, 4), "Q": (7, 4), "R": (3, 3)},  # 20 18 9: P first
        "binh": {"P": (8, 4), "Q": (7, 4), "R": (3, 3)},  # 20 18 9: P first
        "chi": {"P": (5, 4), "Q": (7, 4), "R": (3, 3)},  # 14 18 9: Q first
    }

    result = rank(table)

    # P: (20 + 20 + 14) / 3 = 18, content × 2 (16 + 16 + 10) / 3 = 14, craft 4.
    # Q: 18, content 14, craft 4. Count-back: P two first places, Q one.
    assert order(result) == ["P", "Q", "R"]
    assert [clip.score for clip in result.ranked] == [D("18"), D("18"), D("9")]
    assert [clip.first_places for clip in result.ranked] == [2, 1, 0]
    assert [clip.decided_by for clip in result.ranked] == ["first_places", "first_places", "score"]


def test_equal_first_places_go_to_more_top3_places():
    table = {
        # Places: X 1, Y 2, P and Q share 3, Z 5.
        "an": {"X": (10, 10), "Y": (10, 9), "P": (8, 5), "Q": (8, 5), "Z": (5, 5)},
        # X 1, Y 2, P 3 (22), Q 4 (20), Z 5.
        "binh": {"X": (10, 10), "Y": (10, 9), "P": (8, 6), "Q": (8, 4), "Z": (5, 5)},
        # X 1, Y 2, Z 3 (28), Q 4 (22), P 5 (20).
        "chi": {"X": (10, 10), "Y": (10, 9), "P": (8, 4), "Q": (8, 6), "Z": (10, 8)},
    }

    result = rank(table)

    # P: (21 + 22 + 20) / 3 = 21, Q: (21 + 20 + 22) / 3 = 21; content × 2 is 16 for both from every judge;
    # craft (5 + 6 + 4) / 3 = (5 + 4 + 6) / 3 = 5. No first places for either; top 3: P twice, Q once.
    assert order(result) == ["X", "Y", "P", "Q", "Z"]
    clips = by_clip(result)
    assert (clips["P"].score, clips["Q"].score, clips["Z"].score) == (D("21"), D("21"), D("19.333333"))
    assert (clips["P"].first_places, clips["Q"].first_places) == (0, 0)
    assert (clips["P"].top3_places, clips["Q"].top3_places) == (2, 1)
    assert [clip.decided_by for clip in result.ranked] == ["score", "score", "top3_places", "top3_places", "score"]


@pytest.mark.parametrize("method", METHODS)
def test_a_tie_nothing_breaks_shares_the_rank_and_names_the_tied_clips_for_the_committee(method):
    # Each judge gives P, Q and S the same 21 in a different mix of content and craft; R is last.
    table = {
        "an": {"P": (8, 5), "Q": (7, 7), "S": (6, 9), "R": (5, 5)},
        "binh": {"P": (7, 7), "Q": (6, 9), "S": (8, 5), "R": (5, 5)},
        "chi": {"P": (6, 9), "Q": (8, 5), "S": (7, 7), "R": (5, 5)},
    }

    result = rank(table, method=method)

    # P, Q and S: 21, content × 2 (16 + 14 + 12) / 3 = 14, craft (5 + 7 + 9) / 3 = 7,
    # three first places each (every judge tied them first), three top-3 places each. Every judge gives the same
    # content points 8, 7, 6 and 5 in turn, so the content z-scores of P, Q and S are the same three numbers.
    assert [(clip.clip, clip.rank) for clip in result.ranked] == [("P", 1), ("Q", 1), ("S", 1), ("R", 4)]
    clips = by_clip(result)
    assert [clips[code].decided_by for code in "PQSR"] == ["unresolved", "unresolved", "unresolved", "score"]
    assert clips["P"].tied_with == ("Q", "S")
    assert clips["Q"].tied_with == ("P", "S")
    assert clips["S"].tied_with == ("P", "Q")
    assert clips["R"].tied_with == ()


def test_clips_a_judge_ties_for_first_each_get_that_judges_first_place():
    table = {"an": {"P": (8, 5), "Q": (7, 7), "R": (5, 5)}}

    clips = by_clip(rank(table))

    # P and Q both 21 from an: both first; R, third by competition ranking, is still in an's top 3.
    assert (clips["P"].first_places, clips["Q"].first_places, clips["R"].first_places) == (1, 1, 0)
    assert (clips["P"].top3_places, clips["Q"].top3_places, clips["R"].top3_places) == (1, 1, 1)


def test_a_scorecard_from_a_judge_with_a_conflict_does_not_count():
    table = {
        "an": {"A": (10, 10), "B": (4, 2)},  # 30 10
        "binh": {"A": (6, 4), "B": (8, 5)},  # 16 21
        "chi": {"A": (6, 4), "B": (8, 5)},  # 16 21
    }
    assert order(rank(table)) == ["A", "B"]  # A (30 + 16 + 16) / 3 = 20.67, B 52 / 3 = 17.33

    result = rank(
        table, conflicts={("an", "A")}, assigned={"A": {"an", "binh", "chi"}, "B": {"an", "binh", "chi"}}
    )

    # Without an's 30, A is (16 + 16) / 2 = 16; B keeps an's 10.
    assert order(result) == ["B", "A"]
    clips = by_clip(result)
    assert (clips["A"].score, clips["B"].score) == (D("16"), D("17.333333"))
    assert (clips["A"].scorecards, clips["A"].conflicts, clips["A"].abstentions) == (2, 1, 0)
    assert (clips["B"].scorecards, clips["B"].conflicts) == (3, 0)


def test_an_abstention_leaves_a_clip_with_too_few_scorecards_incomplete():
    scorecards = cards(FOUR_BY_FOUR, leave_out={("dung", "C")})

    result = rank_clips(criteria=RUBRIC, scorecards=scorecards, assigned=ALL_JUDGES, min_scorecards=4)

    assert order(result) == ["B", "A", "D"]
    assert [clip.rank for clip in result.ranked] == [1, 2, 3]
    assert [clip.to_dict() for clip in result.incomplete] == [
        {"clip": "C", "scorecards": 3, "needed": 4, "abstentions": 1, "conflicts": 0}
    ]


def test_an_abstention_is_counted_on_a_ranked_clip_with_enough_scorecards():
    scorecards = cards(FOUR_BY_FOUR, leave_out={("dung", "C")})

    result = rank_clips(criteria=RUBRIC, scorecards=scorecards, assigned=ALL_JUDGES, min_scorecards=3)

    assert order(result) == ["B", "A", "D", "C"]
    assert by_clip(result)["C"].abstentions == 1
    assert by_clip(result)["C"].score == D("15")  # (15 + 16 + 14) / 3
    assert result.incomplete == ()


def test_an_assigned_clip_nobody_scored_is_listed_incomplete():
    result = rank(FOUR_BY_FOUR, assigned={**ALL_JUDGES, "E": {"an", "binh"}})

    assert order(result) == ["B", "A", "D", "C"]
    assert [clip.to_dict() for clip in result.incomplete] == [
        {"clip": "E", "scorecards": 0, "needed": 1, "abstentions": 2, "conflicts": 0}
    ]


def test_a_clip_whose_only_judge_has_a_conflict_is_listed_incomplete():
    result = rank({"an": {"A": (5, 5)}}, conflicts={("an", "A")})

    assert result.ranked == ()
    assert [clip.to_dict() for clip in result.incomplete] == [
        {"clip": "A", "scorecards": 0, "needed": 1, "abstentions": 0, "conflicts": 1}
    ]


def test_a_wide_spread_between_judges_is_flagged():
    clips = by_clip(rank(FOUR_BY_FOUR, disagreement_threshold=D("0.25")))

    # 0.25 × 30 = 7.5: D's 24 − 16 = 8 is above it, B's 27 − 20 = 7 is not.
    assert {code: clip.spread for code, clip in clips.items()} == {"A": 3, "B": 7, "C": 3, "D": 8}
    assert {code: clip.high_disagreement for code, clip in clips.items()} == {
        "A": False,
        "B": False,
        "C": False,
        "D": True,
    }


def test_no_clip_is_flagged_without_a_threshold():
    clips = rank(FOUR_BY_FOUR, disagreement_threshold=None).ranked

    assert not any(clip.high_disagreement for clip in clips)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ({"content": 11, "craft": 5}, r"'an'.*'A'.*11.*'content'.*0 to 10"),
        ({"content": 5, "craft": -1}, r"'an'.*'A'.*-1.*'craft'"),
        ({"content": 5}, r"'an'.*'A'.*no points for criterion 'craft'"),
        ({"content": 5, "craft": 5, "humour": 3}, r"'an'.*'A'.*'humour'.*not a criterion"),
        ({"content": 5, "humour": 3}, r"'an'.*'A'.*'humour'.*not a criterion"),
    ],
)
def test_points_outside_the_rubric_are_refused_naming_judge_clip_and_criterion(points, message):
    with pytest.raises(ValueError, match=message):
        rank_clips(criteria=RUBRIC, scorecards=[Scorecard("an", "A", points)])


def test_float_points_are_refused_because_they_are_not_exact():
    with pytest.raises(TypeError, match="'an'.*'A'.*'content'"):
        rank_clips(criteria=RUBRIC, scorecards=[Scorecard("an", "A", {"content": 7.5, "craft": 5})])


def test_points_as_decimal_text_rank_exactly_as_decimals():
    """As a database or a stored run gives them back: "7.50"."""
    as_text = [
        Scorecard(card.judge, card.clip, {key: f"{value}.00" for key, value in card.points.items()})
        for card in cards(FOUR_BY_FOUR)
    ]

    for method in METHODS:
        assert (
            rank_clips(criteria=RUBRIC, scorecards=as_text, method=method).to_dict()
            == rank(FOUR_BY_FOUR, method=method).to_dict()
        )


@pytest.mark.parametrize(
    ("points", "error", "message"),
    [
        ({"content": "bảy", "craft": "5"}, ValueError, r"'an'.*'A'.*'content' is not a number: 'bảy'"),
        ({"content": "NaN", "craft": "5"}, ValueError, r"'an'.*'A'.*'content' is not a number"),
        ({"content": "10.25", "craft": "5"}, ValueError, r"'an'.*'A'.*10.25.*'content'.*0 to 10"),
        ({"content": "7.5", "craft": 5.5}, TypeError, r"'an'.*'A'.*'craft'.*not float"),
    ],
)
def test_text_that_is_not_points_within_the_rubric_is_refused(points, error, message):
    scorecards = [Scorecard("binh", "A", {"content": "7", "craft": "5"}), Scorecard("an", "A", points)]

    with pytest.raises(error, match=message):
        rank_clips(criteria=RUBRIC, scorecards=scorecards)


def test_two_scorecards_of_one_judge_for_one_clip_are_refused():
    scorecards = [Scorecard("an", "A", {"content": 5, "craft": 5})] * 2

    with pytest.raises(ValueError, match="'an'.*two scorecards.*'A'"):
        rank_clips(criteria=RUBRIC, scorecards=scorecards)


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="'average'"):
        rank(FOUR_BY_FOUR, method="average")


def test_no_scorecards_give_an_empty_ranking_with_every_method():
    for method in METHODS:
        result = rank_clips(criteria=RUBRIC, scorecards=[], method=method)
        assert (result.ranked, result.incomplete) == ((), ())


def test_the_result_serialises_to_json_with_decimals_as_strings():
    result = rank(FOUR_BY_FOUR, min_scorecards=2)

    stored = json.loads(json.dumps(result.to_dict()))

    assert {key: value for key, value in stored.items() if key not in ("ranked", "incomplete")} == {
        "method": "mean",
        "places": 6,
        "min_scorecards": 2,
        "disagreement_threshold": "0.25",
        "max_total": "30.000000",
    }
    assert stored["ranked"][0] == {
        "clip": "B",
        "rank": 1,
        "score": "24.000000",
        "raw_mean": "24.000000",
        "zscore": None,
        "scorecards": 4,
        "abstentions": 0,
        "conflicts": 0,
        "spread": "7.000000",
        "high_disagreement": False,
        "criterion_scores": {"content": "16.500000", "craft": "7.500000"},
        "first_places": 3,
        "top3_places": 4,
        "decided_by": "score",
        "tied_with": [],
    }
    assert stored["incomplete"] == []


# Properties over random tables. Points stay within half of each maximum so that a judge's points can be
# raised or doubled without leaving the scale; the small range makes ties, and every tie-breaking step, common.
PROPERTY_RUBRIC = [
    Criterion("content", 10, 2, breaks_ties=True),
    Criterion("craft", 10, 1, breaks_ties=True),
    Criterion("impact", 4, D("1.5"), breaks_ties=False),
]
JUDGES = [f"judge-{number}" for number in range(6)]
CLIPS = [f"CDS-{number:02d}" for number in range(12)]
SEEDS = range(8)


def random_contest(seed):
    """Scorecards with abstentions, conflicts and the assignment (everyone scores everything)."""
    rng = random.Random(seed)
    # Odd seeds give 0 or 1 point on every criterion: ties everywhere, unresolved ones too.
    highest = (lambda criterion: 1) if seed % 2 else (lambda criterion: int(criterion.max_points) // 2)
    scorecards, conflicts = [], set()
    for judge in JUDGES:
        for clip in CLIPS:
            draw = rng.random()
            if draw < 0.1:
                continue  # abstention
            if draw < 0.15:
                conflicts.add((judge, clip))
            points = {criterion.id: rng.randint(0, highest(criterion)) for criterion in PROPERTY_RUBRIC}
            scorecards.append(Scorecard(judge, clip, points))
    return scorecards, conflicts, {clip: set(JUDGES) for clip in CLIPS}


def ranked_json(scorecards, conflicts, assigned, method):
    result = rank_clips(
        criteria=PROPERTY_RUBRIC,
        scorecards=scorecards,
        conflicts=conflicts,
        assigned=assigned,
        method=method,
        min_scorecards=4,
    )
    return json.dumps(result.to_dict())


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", SEEDS)
def test_renaming_judges_changes_nothing(seed, method):
    scorecards, conflicts, assigned = random_contest(seed)
    shuffled = JUDGES[:]
    random.Random(seed).shuffle(shuffled)
    new_name = {judge: f"renamed-{other}" for judge, other in zip(JUDGES, shuffled, strict=True)}

    renamed = ranked_json(
        [Scorecard(new_name[card.judge], card.clip, card.points) for card in scorecards],
        {(new_name[judge], clip) for judge, clip in conflicts},
        {clip: {new_name[judge] for judge in judges} for clip, judges in assigned.items()},
        method,
    )

    assert renamed == ranked_json(scorecards, conflicts, assigned, method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", SEEDS)
def test_reordering_the_scorecards_changes_nothing(seed, method):
    scorecards, conflicts, assigned = random_contest(seed)
    reordered = scorecards[:]
    random.Random(seed).shuffle(reordered)

    assert ranked_json(reordered, conflicts, assigned, method) == ranked_json(
        scorecards, conflicts, assigned, method
    )


def what_zscores_decide(scorecards, conflicts):
    """Everything the z-score method decides; the points-scale score and the raw mean move with the totals."""
    result = rank_clips(
        criteria=PROPERTY_RUBRIC, scorecards=scorecards, conflicts=conflicts, method="zscore", min_scorecards=4
    )
    ranked = [
        (clip.clip, clip.rank, clip.zscore, clip.decided_by, clip.tied_with, clip.first_places, clip.top3_places)
        for clip in result.ranked
    ]
    return ranked, result.incomplete


def with_points_of(judge, scorecards, change):
    return [
        Scorecard(card.judge, card.clip, {id_: change(points) for id_, points in card.points.items()})
        if card.judge == judge
        else card
        for card in scorecards
    ]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_judge_who_adds_a_constant_to_every_score_changes_nothing_in_the_zscore_method(seed):
    scorecards, conflicts, _ = random_contest(seed)
    generous = random.Random(seed).choice(JUDGES)

    raised = with_points_of(generous, scorecards, lambda points: points + 2)

    assert what_zscores_decide(raised, conflicts) == what_zscores_decide(scorecards, conflicts)
    assert what_zscores_decide(raised, conflicts)[0]  # something was ranked


@pytest.mark.parametrize("seed", SEEDS)
def test_a_judge_who_doubles_every_score_changes_nothing_in_the_zscore_method(seed):
    scorecards, conflicts, _ = random_contest(seed)
    wide = random.Random(seed).choice(JUDGES)

    doubled = with_points_of(wide, scorecards, lambda points: points * 2)

    assert what_zscores_decide(doubled, conflicts) == what_zscores_decide(scorecards, conflicts)


@pytest.mark.parametrize("seed", SEEDS)
def test_ranks_follow_the_key_and_a_shared_rank_always_names_its_ties(seed):
    scorecards, conflicts, assigned = random_contest(seed)
    for method in METHODS:
        ranked = rank_clips(
            criteria=PROPERTY_RUBRIC, scorecards=scorecards, conflicts=conflicts, assigned=assigned, method=method
        ).ranked
        for position, clip in enumerate(ranked, start=1):
            sharing = {other.clip for other in ranked if other.rank == clip.rank} - {clip.clip}
            assert set(clip.tied_with) == sharing
            assert (clip.decided_by == "unresolved") == bool(sharing)
            assert clip.rank == position - sum(1 for other in ranked[: position - 1] if other.rank == clip.rank)
