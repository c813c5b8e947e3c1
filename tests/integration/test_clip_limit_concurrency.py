"""The 3-clip limit holds on PostgreSQL when many uploads of the same author finish at the same moment.

Each thread is a request with its own database connection; the contest row lock in submission_create is
all that stands between them and a fourth clip."""

import threading

import pytest
from django.db import connections

from contest_portal.refusals import ClipLimitReached
from submissions.models import Registration, Submission
from submissions.services import submission_create
from tests.conftest import ALICE_ID, BOB_ID, as_upload

pytestmark = pytest.mark.integration


def _submit_all_at_once(registration, uploads):
    """Calls submission_create once per upload, all threads released together; returns each outcome."""
    barrier = threading.Barrier(len(uploads))
    outcomes = [None] * len(uploads)

    def request(index, upload):
        try:
            own_registration = Registration.objects.select_related("contest").get(pk=registration.pk)
            genre = own_registration.contest.genres.first()
            barrier.wait(timeout=30)
            outcomes[index] = submission_create(
                registration=own_registration,
                title=f"Clip số {index + 1}",
                genre=genre,
                summary="Gửi cùng lúc.",
                clip=upload,
            )
        except Exception as error:  # noqa: BLE001 - every outcome is checked by the test
            outcomes[index] = error
        finally:
            upload.close()
            connections.close_all()

    threads = [threading.Thread(target=request, args=(i, upload)) for i, upload in enumerate(uploads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a submission thread hung"
    unexpected = [o for o in outcomes if not isinstance(o, Submission | ClipLimitReached)]
    assert not unexpected, f"outcomes other than a clip or ClipLimitReached: {unexpected!r}"
    accepted = [o for o in outcomes if isinstance(o, Submission)]
    refused = [o for o in outcomes if isinstance(o, ClipLimitReached)]
    return accepted, refused


def test_ten_simultaneous_uploads_of_one_author_accept_exactly_three(
    postgresql, contest, register, alice, clip_path
):
    registration = register(alice, "Lò Thị Alice", ALICE_ID)
    uploads = [as_upload(clip_path, f"clip-{i}.mp4") for i in range(10)]

    accepted, refused = _submit_all_at_once(registration, uploads)

    assert (len(accepted), len(refused)) == (3, 7)
    stored = Submission.objects.filter(contest=contest).counting_towards_limit()
    assert sorted(stored.values_list("sequence", flat=True)) == [1, 2, 3]
    assert len(set(stored.values_list("code", flat=True))) == 3
    assert {s.pk for s in accepted} == set(stored.values_list("pk", flat=True))
    contest.refresh_from_db()
    assert contest.last_sequence == 3


def test_simultaneous_group_uploads_stop_at_the_co_authors_limit(
    postgresql, contest, register, submit, alice, bob, clip_path
):
    alone = register(alice, "Lò Thị Alice", ALICE_ID)
    submit(alone, title="Clip riêng 1")
    submit(alone, title="Clip riêng 2")
    group = register(
        bob,
        "Cầm Văn Bob",
        BOB_ID,
        group_name="Nhóm Bản Mòng",
        coauthors=[
            {
                "full_name": "Lò Thị Alice",
                "email": "alice@example.com",
                "date_of_birth": ALICE_ID[1],
                "id_number": ALICE_ID[0],
            }
        ],
    )
    uploads = [as_upload(clip_path, f"nhom-{i}.mp4") for i in range(5)]

    accepted, refused = _submit_all_at_once(group, uploads)

    assert (len(accepted), len(refused)) == (1, 4)
    assert all("Lò Thị Alice" in str(refusal.message) for refusal in refused)
    entries = Submission.objects.filter(contest=contest).counting_towards_limit()
    assert entries.by_person(ALICE_ID[0]).count() == 3
    assert entries.filter(registration=group).count() == 1
