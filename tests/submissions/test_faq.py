"""The contest's help page: the committee's questions first, then answers worked out from the contest's settings;
edited with the contest in the admin; linked from the contest's pages; copied with the contest."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from submissions.copying import contest_copy
from submissions.faq import faq_defaults
from submissions.models import AudienceVoteWindow, Contest, FaqEntry
from tests.conftest import ALICE_ID

pytestmark = pytest.mark.django_db


def _faq(client, contest):
    client.cookies["django_language"] = "en"
    return client.get(reverse("submissions:faq", args=[contest.slug]))


def test_a_contest_without_questions_has_answers_from_its_settings(client, contest):
    Contest.objects.filter(pk=contest.pk).update(
        accepted_containers=["mp4", "mov"], max_clip_size=2 * 1024**3, min_duration=30, max_duration=300
    )
    contest.refresh_from_db()
    response = _faq(client, contest)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Clips in MP4, MOV." in page
    assert "At most 2.0\xa0GB per clip." in page
    assert "From 30 s to 5 min." in page
    deadline = timezone.localtime(contest.closes_at).strftime("%H:%M %d/%m/%Y")
    assert f"Until {deadline} (Vietnam time)." in page
    assert "at most 3 clips" in page
    assert "How do I film a good clip on a phone?" in page
    assert f'href="mailto:{contest.contact_email}"' in page


def test_the_answers_follow_the_settings(contest, english):
    Contest.objects.filter(pk=contest.pk).update(accepted_containers=["webm"], clips_per_author=1)
    contest.refresh_from_db()
    answers = {answer.question: answer.answer for answer in faq_defaults(contest)}
    assert answers["Which video files are accepted?"] == "Clips in WEBM."
    assert answers["How many clips may I enter?"].startswith(
        "Each author or group of authors may enter at most 1 clip."
    )


def test_the_committees_questions_come_first_as_plain_text_in_paragraphs(client, contest):
    FaqEntry.objects.create(contest=contest, question="Second?", answer="Later.", position=2)
    FaqEntry.objects.create(
        contest=contest,
        question="Can I film in Thai?",
        answer="Yes.\n\n<script>alert(1)</script> With subtitles.",
        position=1,
    )
    page = _faq(client, contest).content.decode()
    assert (
        page.index("Can I film in Thai?") < page.index("Second?") < page.index("Which video files are accepted?")
    )
    assert "<p>Yes.</p>" in page
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt; With subtitles.</p>" in page
    assert "<script>alert(1)" not in page


def test_the_contests_home_and_forms_link_to_it(client, contest, alice, register):
    url = reverse("submissions:faq", args=[contest.slug])
    assert url in client.get(reverse("submissions:home", args=[contest.slug])).content.decode()
    client.force_login(alice)
    assert url in client.get(reverse("submissions:registration", args=[contest.slug])).content.decode()
    register(alice, "Lò Thị Alice", ALICE_ID)
    assert url in client.get(reverse("submissions:submission_new", args=[contest.slug])).content.decode()


def test_a_draft_contests_help_page_is_not_public(client, contest):
    Contest.objects.filter(pk=contest.pk).update(stage="draft")
    assert _faq(client, contest).status_code == 404


def _contest_form_data(client, contest):
    """The contest's admin form as it stands, as the browser would post it back (no inline rows)."""
    form = client.get(reverse("admin:submissions_contest_change", args=[contest.pk])).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is not None:
            data[name] = value.pk if hasattr(value, "pk") else value
    for name in ("opens_at", "closes_at"):
        moment = timezone.localtime(getattr(contest, name))
        data.pop(name)
        data[f"{name}_0"], data[f"{name}_1"] = moment.strftime("%d/%m/%Y"), moment.strftime("%H:%M:%S")
    for prefix in ("categories", "genres", "localities", "prize_tiers", "staff_roles"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_the_committee_writes_the_questions_and_the_vote_dates_on_the_contests_page(client, contest, committee):
    client.force_login(committee)
    data = _contest_form_data(client, contest)
    data.update(
        {
            "faq_entries-TOTAL_FORMS": "1",
            "faq_entries-INITIAL_FORMS": "0",
            "faq_entries-0-position": "1",
            "faq_entries-0-question": "Có được quay bằng tiếng dân tộc không?",
            "faq_entries-0-answer": "Được, kèm phụ đề tiếng Việt.",
            "audience_vote_window-TOTAL_FORMS": "1",
            "audience_vote_window-INITIAL_FORMS": "0",
            "audience_vote_window-0-opens_at_0": "01/09/2024",
            "audience_vote_window-0-opens_at_1": "08:00:00",
            "audience_vote_window-0-closes_at_0": "15/09/2024",
            "audience_vote_window-0-closes_at_1": "17:00:00",
        }
    )
    response = client.post(reverse("admin:submissions_contest_change", args=[contest.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(contest.faq_entries.values_list("question", flat=True)) == [
        "Có được quay bằng tiếng dân tộc không?"
    ]
    window = AudienceVoteWindow.objects.get(contest=contest)
    assert timezone.localtime(window.closes_at).strftime("%d/%m/%Y %H:%M") == "15/09/2024 17:00"


def test_a_vote_that_closes_before_it_opens_is_refused(client, contest, committee):
    client.force_login(committee)
    data = _contest_form_data(client, contest)
    data.update(
        {
            "faq_entries-TOTAL_FORMS": "0",
            "faq_entries-INITIAL_FORMS": "0",
            "audience_vote_window-TOTAL_FORMS": "1",
            "audience_vote_window-INITIAL_FORMS": "0",
            "audience_vote_window-0-opens_at_0": "15/09/2024",
            "audience_vote_window-0-opens_at_1": "08:00:00",
            "audience_vote_window-0-closes_at_0": "01/09/2024",
            "audience_vote_window-0-closes_at_1": "17:00:00",
        }
    )
    response = client.post(reverse("admin:submissions_contest_change", args=[contest.pk]), data)
    assert response.status_code == 200
    assert not AudienceVoteWindow.objects.exists()


def test_copying_a_contest_copies_its_questions(contest, committee):
    FaqEntry.objects.create(contest=contest, question="Q1?", answer="A1.", position=1)
    FaqEntry.objects.create(contest=contest, question="Q2?", answer="A2.", position=2)
    now = timezone.now()
    copy = contest_copy(
        contest=contest,
        user=committee,
        slug="dien-bien-2025",
        code_prefix="CDSDB2025",
        name="Cuộc thi Chuyển đổi số tỉnh Điện Biên năm 2025",
        short_name="CĐS Điện Biên 2025",
        opens_at=now + datetime.timedelta(days=30),
        closes_at=now + datetime.timedelta(days=90),
    )
    assert list(copy.faq_entries.values_list("question", "answer", "position")) == [
        ("Q1?", "A1.", 1),
        ("Q2?", "A2.", 2),
    ]
    assert list(contest.faq_entries.values_list("question", flat=True)) == ["Q1?", "Q2?"]
