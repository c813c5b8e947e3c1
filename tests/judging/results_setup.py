"""A final round ready to rank, for the tests of runs, prizes, results, exports and certificates: finalists made
directly (no clip files: nothing here plays them), judges and the committee in their roles, a known rubric, and
scores given through the judging services as the judges' app gives them."""

from decimal import Decimal

from django.contrib.auth import get_user_model

from judging.models import Assignment, Criterion, FinalRound, PrizeTier
from judging.services import assignments_generate, scorecard_save, scorecard_submit
from submissions.models import Registration, Submission
from submissions.services import submission_authors_record
from tests.staff import make_staff

# Weights 2, 1, 1: a scorecard's total is 2 × content + creativity + technique, at most 40.
RUBRIC = [
    ("Nội dung đúng chủ đề", Decimal(10), Decimal(2), True),
    ("Sáng tạo", Decimal(10), Decimal(1), False),
    ("Kỹ thuật", Decimal(10), Decimal(1), False),
]
TITLES = [
    "Chợ phiên trên điện thoại",
    "Bản em lên số",
    "Dịch vụ công trực tuyến ở Mường La",
    "Thanh toán không tiền mặt",
    "Sổ tay điện tử của bà con",
    "Nông sản Sơn La lên sàn",
]


def make_finalists(contest, titles=TITLES):
    """Finalists of `contest`, one per entrant, in the order of `titles`."""
    users = get_user_model()
    finalists = []
    for index, title in enumerate(titles, start=1):
        user = users.objects.create_user(email=f"tacgia{index}@example.com", password="a-long-test-password")
        registration = Registration.objects.create(
            contest=contest,
            user=user,
            full_name=f"Lò Văn Tác Giả {index}",
            id_number=f"0141900{index:05d}",
            email=user.email,
            organisation="Trường THPT Chuyên Sơn La",
        )
        finalists.append(
            _with_authors(
                Submission.objects.create(
                    contest=contest,
                    registration=registration,
                    sequence=index,
                    code=f"{contest.code_prefix}-{index:04d}",
                    title=title,
                    genre=contest.genres.first(),
                    summary="Một clip ngắn về chuyển đổi số.",
                    status=Submission.Status.SHORTLISTED,
                    clip=f"clips/{contest.slug}/{index}.mp4",
                    original_filename=f"{index}.mp4",
                    size=1000,
                    sha256="0" * 64,
                    container="mp4",
                    duration=60.0,
                    width=1280,
                    height=720,
                    video_codec="h264",
                )
            )
        )
    Submission.objects.filter(contest=contest).update(decided_at=None)  # decided directly, as if by screening
    return finalists


def _with_authors(submission):
    submission_authors_record(submission=submission)
    return submission


def make_rubric(contest):
    Criterion.objects.filter(contest=contest).delete()
    return [
        Criterion.objects.create(
            contest=contest, name=name, max_points=maximum, weight=weight, order=order, breaks_ties=breaks_ties
        )
        for order, (name, maximum, weight, breaks_ties) in enumerate(RUBRIC)
    ]


def make_judges(count):
    return [
        make_staff(f"giamkhao{index}@example.com", "jury", full_name=f"Giám khảo {index}")
        for index in range(1, count + 1)
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


def prepare_round(contest, committee, *, judges, finalists, method="mean", min_scorecards=1):
    FinalRound.objects.update_or_create(
        contest=contest, defaults={"method": method, "min_scorecards": min_scorecards}
    )
    criteria = make_rubric(contest)
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
