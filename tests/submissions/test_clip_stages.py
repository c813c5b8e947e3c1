"""A clip's stages in My clips (submissions/stages.py): the rule, against tables written out by hand, and the page
that shows them with their dates. The prize stage, which judging provides, is tested in
tests/judging/test_my_clips_results.py."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from submissions.models import Submission
from submissions.phases import Phase
from submissions.stages import Outcome, clip_stages
from tests.conftest import ALICE_ID

pytestmark = pytest.mark.usefixtures("english")

Status, Media = Submission.Status, Submission.MediaState
UTC = datetime.UTC
SUBMITTED = datetime.datetime(2024, 9, 2, 3, 0, tzinfo=UTC)
WITHDRAWN = datetime.datetime(2024, 9, 3, 3, 0, tzinfo=UTC)
DECIDED = datetime.datetime(2024, 9, 20, 3, 0, tzinfo=UTC)
TOLD = datetime.datetime(2024, 9, 21, 3, 0, tzinfo=UTC)
FINAL_ROUND = datetime.datetime(2024, 10, 5, 3, 0, tzinfo=UTC)
PUBLISHED = datetime.datetime(2024, 11, 10, 3, 0, tzinfo=UTC)

RECEIVED = ("received", "Received", "done", SUBMITTED)
CHECKED = ("checked", "Video checked", "done", None)
WAITING_FOR_DECISION = ("decision", "Preliminary decision", "waiting", None)
CHOSEN = ("decision", "Chosen for the final round", "done", TOLD)


def _clip(status=Status.RECEIVED, media=Media.READY, told=True, **fields):
    decided = status in (Status.SHORTLISTED, Status.NOT_SELECTED, Status.DISQUALIFIED)
    return Submission(
        status=status,
        media_state=media,
        submitted_at=SUBMITTED,
        decided_at=DECIDED if decided else None,
        decision_notified_at=TOLD if decided and told else None,
        **fields,
    )


@pytest.mark.parametrize(
    ("clip", "phase", "outcome", "expected"),
    [
        pytest.param(
            _clip(media=Media.PROCESSING),
            Phase.OPEN,
            None,
            [RECEIVED, ("checked", "Video being checked", "waiting", None), WAITING_FOR_DECISION],
            id="received, its video being checked",
        ),
        pytest.param(_clip(), Phase.OPEN, None, [RECEIVED, CHECKED, WAITING_FOR_DECISION], id="video checked"),
        pytest.param(
            _clip(media=Media.FAILED),
            Phase.OPEN,
            None,
            [RECEIVED, ("checked", "Video problem", "failed", None), WAITING_FOR_DECISION],
            id="a video the portal could not read",
        ),
        pytest.param(
            _clip(status=Status.WITHDRAWN, withdrawn_at=WITHDRAWN),
            Phase.OPEN,
            None,
            [RECEIVED, ("withdrawn", "Withdrawn", "done", WITHDRAWN)],
            id="withdrawn",
        ),
        pytest.param(
            _clip(status=Status.NOT_SELECTED, told=False),
            Phase.PRELIMINARY,
            None,
            [RECEIVED, CHECKED, WAITING_FOR_DECISION],
            id="decided, the mail not released yet",
        ),
        pytest.param(
            _clip(status=Status.SHORTLISTED, told=False),
            Phase.FINAL,
            None,
            [RECEIVED, CHECKED, WAITING_FOR_DECISION],
            id="chosen, the mail not released yet",
        ),
        pytest.param(
            _clip(status=Status.NOT_SELECTED),
            Phase.FINAL,
            None,
            [RECEIVED, CHECKED, ("decision", "Not selected for the final round", "done", TOLD)],
            id="told: not selected",
        ),
        pytest.param(
            _clip(status=Status.DISQUALIFIED),
            Phase.PRELIMINARY,
            None,
            [RECEIVED, CHECKED, ("decision", "Disqualified", "done", TOLD)],
            id="told: disqualified",
        ),
        pytest.param(
            _clip(status=Status.SHORTLISTED),
            Phase.PRELIMINARY,
            None,
            [
                RECEIVED,
                CHECKED,
                CHOSEN,
                ("finalist", "Final round", "waiting", None),
                ("result", "Results", "waiting", None),
            ],
            id="told: chosen, the final round not open yet",
        ),
        pytest.param(
            _clip(status=Status.SHORTLISTED),
            Phase.FINAL,
            None,
            [
                RECEIVED,
                CHECKED,
                CHOSEN,
                ("finalist", "Finalist in the final round", "done", FINAL_ROUND),
                ("result", "Results", "waiting", None),
            ],
            id="finalist in the final round",
        ),
        pytest.param(
            _clip(status=Status.SHORTLISTED),
            Phase.PUBLISHED,
            Outcome(published_at=PUBLISHED, prizes=("Giải Nhất",)),
            [
                RECEIVED,
                CHECKED,
                CHOSEN,
                ("finalist", "Finalist in the final round", "done", FINAL_ROUND),
                ("result", "Prize: Giải Nhất", "done", PUBLISHED),
            ],
            id="first prize",
        ),
        pytest.param(
            _clip(status=Status.SHORTLISTED),
            Phase.ARCHIVED,
            Outcome(published_at=PUBLISHED, prizes=("Giải Ba", "Giải phụ")),
            [
                RECEIVED,
                CHECKED,
                CHOSEN,
                ("finalist", "Finalist in the final round", "done", FINAL_ROUND),
                ("result", "Prize: Giải Ba, Giải phụ", "done", PUBLISHED),
            ],
            id="two prizes",
        ),
        pytest.param(
            _clip(status=Status.SHORTLISTED),
            Phase.PUBLISHED,
            Outcome(published_at=PUBLISHED),
            [
                RECEIVED,
                CHECKED,
                CHOSEN,
                ("finalist", "Finalist in the final round", "done", FINAL_ROUND),
                ("result", "No prize", "done", PUBLISHED),
            ],
            id="no prize",
        ),
    ],
)
def test_the_stages_of_a_clip(clip, phase, outcome, expected):
    stages = clip_stages(submission=clip, phase=phase, final_round_at=FINAL_ROUND, outcome=outcome)

    assert [(stage.key, stage.label, stage.state, stage.at) for stage in stages] == expected


# The page.

STAGE = re.compile(
    r'<li class="(\w+)" data-stage="(\w+)"[^>]*>\s*<strong>([^<]+)</strong>(?: <time datetime="[^"]+">([^<]+)</time>)?'
)


def _stages_on(client, contest):
    html = client.get(reverse("submissions:my_clips", args=[contest.slug])).content.decode()
    return [(key, label, date or None) for _state, key, label, date in STAGE.findall(html)]


@pytest.fixture
def alices_clip(contest, client, alice, register, submit):
    clip = submit(register(alice, "Lò Thị Alice", ALICE_ID))
    Submission.objects.filter(pk=clip.pk).update(submitted_at=SUBMITTED)
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    return clip


def test_my_clips_shows_a_new_clip_received_with_its_date(client, contest, alices_clip):
    # 03:00 UTC is 10:00 in Sơn La, the same day.
    assert _stages_on(client, contest) == [
        ("received", "Received", "02/09/2024"),
        ("checked", "Video being checked", None),
        ("decision", "Preliminary decision", None),
    ]


def test_the_video_checked_stage_is_dated_when_the_pipeline_made_the_preview(client, contest, alices_clip):
    from submissions.media.pipeline import submission_media_prepare, submission_preview_make

    submission_media_prepare(submission_id=alices_clip.pk)
    submission_preview_make(submission_id=alices_clip.pk)

    checked = Submission.objects.get(pk=alices_clip.pk).media_checked_at
    assert checked is not None
    assert _stages_on(client, contest)[1] == (
        "checked",
        "Video checked",
        timezone.localtime(checked).strftime("%d/%m/%Y"),
    )


def test_my_clips_tells_the_decision_only_once_the_mail_is_released(client, contest, alices_clip):
    Submission.objects.filter(pk=alices_clip.pk).update(
        media_state=Media.READY, status=Status.SHORTLISTED, decided_at=DECIDED
    )
    assert _stages_on(client, contest) == [
        ("received", "Received", "02/09/2024"),
        ("checked", "Video checked", None),
        ("decision", "Preliminary decision", None),
    ]

    Submission.objects.filter(pk=alices_clip.pk).update(decision_notified_at=TOLD)

    assert _stages_on(client, contest) == [
        ("received", "Received", "02/09/2024"),
        ("checked", "Video checked", None),
        ("decision", "Chosen for the final round", "21/09/2024"),
        ("finalist", "Final round", None),
        ("result", "Results", None),
    ]


def test_my_clips_shows_a_withdrawn_clip_withdrawn(client, contest, alices_clip):
    Submission.objects.filter(pk=alices_clip.pk).update(status=Status.WITHDRAWN, withdrawn_at=WITHDRAWN)

    assert _stages_on(client, contest) == [
        ("received", "Received", "02/09/2024"),
        ("withdrawn", "Withdrawn", "03/09/2024"),
    ]
