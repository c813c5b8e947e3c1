"""A final round ready to rank, for the tests of runs, prizes, results, exports and certificates: a known rubric,
prize counts, and scores given through the judging services as the judges' app gives them. The finalists, the
judges and the committee are the shared fixtures of tests/conftest.py."""

from decimal import Decimal

from judging.models import Assignment, Criterion, FinalRound, PrizeTier
from judging.services import assignments_generate, scorecard_save, scorecard_submit

# Weights 2, 1, 1: a scorecard's total is 2 × content + creativity + technique, at most 40.
RUBRIC = [
    ("Nội dung đúng chủ đề", Decimal(10), Decimal(2), True),
    ("Sáng tạo", Decimal(10), Decimal(1), False),
    ("Kỹ thuật", Decimal(10), Decimal(1), False),
]


def make_rubric(contest, ids=(None, None, None)):
    """RUBRIC's criteria for `contest`, with the given ids (None: the database's next)."""
    Criterion.objects.filter(contest=contest).delete()
    return [
        Criterion.objects.create(
            pk=pk,
            contest=contest,
            name=name,
            max_points=maximum,
            weight=weight,
            order=order,
            breaks_ties=breaks_ties,
        )
        for order, ((name, maximum, weight, breaks_ties), pk) in enumerate(zip(RUBRIC, ids, strict=True))
    ]


def set_prize_counts(contest, **counts):
    """set_prize_counts(contest, nhat=1, nhi=1, ba=2, kk=3, phu=1): how many of each tier are given."""
    names = {
        "nhat": "Giải Nhất",
        "nhi": "Giải Nhì",
        "ba": "Giải Ba",
        "kk": "Giải Khuyến khích",
        "phu": "Giải phụ",
    }
    for key, count in counts.items():
        PrizeTier.objects.filter(contest=contest, name=names[key]).update(count=count)
    return {key: PrizeTier.objects.get(contest=contest, name=name) for key, name in names.items()}


def prepare_round(
    contest, committee, *, judges, finalists, method="mean", min_scorecards=1, criterion_ids=(None, None, None)
):
    FinalRound.objects.update_or_create(
        contest=contest, defaults={"method": method, "min_scorecards": min_scorecards}
    )
    criteria = make_rubric(contest, criterion_ids)
    assignments_generate(contest=contest, user=committee)
    return criteria


def score(judge, clip, points, *, submit=True):
    """The judge scores the clip through the judging services: `points` in the rubric's order."""
    assignment = Assignment.objects.get(judge=judge, submission=clip)
    criteria = list(clip.contest.criteria.order_by("order", "id"))
    scorecard = scorecard_save(
        assignment=assignment,
        judge=judge,
        points={criterion.pk: value for criterion, value in zip(criteria, points, strict=True)},
    )
    if submit:
        scorecard_submit(scorecard=scorecard, judge=judge)
    return scorecard


def scored_ranked_and_awarded(contest, committee, *, judges, finalists, points=(10, 8, 6)):
    """The round prepared, each judge giving each finalist its `points` on every criterion (the first the most),
    the ranking computed (in-process) and approved, and the prizes awarded from it: not published."""
    from judging.prizes import awards_confirm
    from judging.runs import ranking_run_approve, ranking_run_start

    prepare_round(contest, committee, judges=judges, finalists=finalists)
    for judge in judges:
        for clip, given in zip(finalists, points, strict=True):
            score(judge, clip, [given] * len(RUBRIC))
    run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    ranking_run_approve(run=run, user=committee)
    return awards_confirm(contest=contest, user=committee)
