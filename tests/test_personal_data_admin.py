"""Personal data in the admin gives no signal to staff who may not see it: no filter, search or ordering on an
ID number, birth date, phone, e-mail or address tells one row from none (contest_portal/personal_data.py).

Alice's registration is in the database; the Standing Office (no view_personal_data) tries what an outside
test tried: `?id_number__startswith=0`, `?id_number=<exact>`, `?phone__startswith=`, `?date_of_birth__year=`,
`?email__startswith=`, a search by e-mail, a sort by each column."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from contest_portal.personal_data import PERSONAL_FIELDS
from tests.conftest import ALICE_ID, BOB_ID

pytestmark = pytest.mark.django_db

REGISTRATIONS = "/admin/submissions/registration/"


@pytest.fixture
def registrations(contest, alice, bob, register):
    return [
        register(alice, "Nguyễn Thị Alice", ALICE_ID, phone="0912345678", address="Bản Mòng, Chiềng Lề"),
        register(bob, "Lò Văn Bob", BOB_ID, phone="0387654321", address="Tổ 3, Quyết Thắng"),
    ]


# A guess that matches Alice and one that matches nobody, for each personal field of the registration.
GUESSES = [
    ("id_number__startswith", "0141", "9"),
    ("id_number", ALICE_ID[0], "014190009999"),
    ("id_number__exact", ALICE_ID[0], "014190009999"),
    ("id_number__contains", "1900", "5555"),
    ("id_number__regex", "^0141", "^9"),
    ("phone__startswith", "0912", "0999"),
    ("phone", "0912345678", "0999999999"),
    ("date_of_birth__year", "1990", "1991"),
    ("date_of_birth__gte", "1990-01-01", "2020-01-01"),
    ("date_of_birth", "1990-05-01", "1990-05-02"),
    ("email__startswith", "ali", "zzz"),
    ("email__iexact", "alice@example.com", "nobody@example.com"),
    ("address__icontains", "Mòng", "Hà Nội"),
    ("coauthors__id_number__startswith", "0", "9"),
    ("user__email__startswith", "ali", "zzz"),
    ("user__registrations__phone__startswith", "0912", "0999"),
]


def _without_csrf_tokens(response):
    """The page without what differs by itself: the forms' CSRF tokens, and the language menu's way back to the
    address asked for (the guess itself, not an answer)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return re.sub(r'name="next" type="hidden" value="[^"]*"', "", page)


def _rows(response):
    return response.context["cl"].result_count if response.status_code == 200 else None


@pytest.mark.parametrize(("lookup", "hit", "miss"), GUESSES, ids=[guess[0] for guess in GUESSES])
def test_a_filter_on_a_personal_field_is_refused_the_same_whether_it_matches_or_not(
    client, office, registrations, lookup, hit, miss
):
    client.force_login(office)

    matching = client.get(REGISTRATIONS, {lookup: hit})
    missing = client.get(REGISTRATIONS, {lookup: miss})

    assert matching.status_code == missing.status_code == 400  # DisallowedModelAdminLookup
    assert _without_csrf_tokens(matching) == _without_csrf_tokens(missing)


@pytest.mark.parametrize(("lookup", "hit", "miss"), GUESSES[:13], ids=[guess[0] for guess in GUESSES[:13]])
def test_the_committee_may_still_filter_on_them(client, committee, registrations, lookup, hit, miss):
    client.force_login(committee)

    assert (_rows(client.get(REGISTRATIONS, {lookup: hit})), _rows(client.get(REGISTRATIONS, {lookup: miss}))) == (
        1,
        0,
    )


@pytest.mark.parametrize("term", ["alice@example.com", "alice@", "0912345678", ALICE_ID[0], "Mòng"])
def test_a_search_finds_nobody_by_personal_data_without_the_permission(client, office, registrations, term):
    client.force_login(office)

    assert _rows(client.get(REGISTRATIONS, {"q": term})) == 0


def test_a_search_by_name_still_works_for_the_office(client, office, registrations):
    client.force_login(office)

    assert _rows(client.get(REGISTRATIONS, {"q": "Alice"})) == 1


def test_the_committee_finds_a_registration_by_its_e_mail(client, committee, registrations):
    client.force_login(committee)

    assert _rows(client.get(REGISTRATIONS, {"q": "alice@example.com"})) == 1


def test_a_clip_is_not_found_by_its_authors_id_number(client, office, registrations, submit):
    submit(registrations[0])
    client.force_login(office)

    response = client.get("/admin/submissions/submission/", {"q": ALICE_ID[0]})
    refused = client.get("/admin/submissions/submission/", {"registration__id_number__startswith": "0"})

    assert _rows(response) == 0
    assert refused.status_code == 400


def test_the_registration_page_does_not_show_the_accounts_e_mail_to_the_office(client, office, registrations):
    client.force_login(office)
    alice = registrations[0]

    page = client.get(reverse("admin:submissions_registration_change", args=[alice.pk])).content.decode()

    assert "alice@example.com" not in page
    assert ALICE_ID[0] not in page and "0912345678" not in page and "Bản Mòng" not in page
    assert "Nguyễn Thị Alice" in page
    assert "014******234" in page


def test_the_committee_sees_the_account_by_its_e_mail(client, committee, registrations):
    client.force_login(committee)
    alice = registrations[0]

    page = client.get(reverse("admin:submissions_registration_change", args=[alice.pk])).content.decode()

    assert "alice@example.com" in page and ALICE_ID[0] in page


# Every admin the portal registers, its own and the third-party apps', checked from its model along every
# relation path up to three steps long.


def _paths_to_personal_fields(model, depth=3, prefix="", seen=()):
    for field in model._meta.get_fields():
        path = f"{prefix}{field.name}"
        if field.name in PERSONAL_FIELDS.get(model._meta.label, ()):
            yield path
        elif field.is_relation and field.related_model is not None and depth > 1:
            if field.related_model in seen:
                continue
            yield from _paths_to_personal_fields(field.related_model, depth - 1, f"{path}__", (*seen, model))


def _request(user, **query):
    request = RequestFactory().get("/admin/", query)
    request.user = user
    return request


REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _a in REGISTERED])
def test_no_admin_allows_a_lookup_search_filter_or_ordering_on_personal_data_without_the_permission(
    office, model, model_admin
):
    request = _request(office)
    paths = list(_paths_to_personal_fields(model))

    allowed = [
        f"{path}{lookup}"
        for path in paths
        for lookup in ("", "__startswith", "__year", "__isnull")
        if model_admin.lookup_allowed(f"{path}{lookup}", "0", request)
    ]
    searched = [name for name in model_admin.get_search_fields(request) if name.lstrip("^=@") in paths]
    filtered = [
        item for item in model_admin.get_list_filter(request) if isinstance(item, str | tuple) and item in paths
    ]
    ordered = [name for name in model_admin.get_ordering(request) or () if name.lstrip("-") in paths]

    assert (allowed, searched, filtered, ordered) == ([], [], [], [])


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _a in REGISTERED])
def test_no_column_sorts_by_personal_data_without_the_permission(office, contest, model, model_admin):
    paths = set(_paths_to_personal_fields(model))
    changelist = model_admin.get_changelist_instance(_request(office))

    sorting_by_personal_data = []
    for name in changelist.list_display:
        try:
            field = changelist.get_ordering_field(name)
        except AttributeError:
            continue
        if isinstance(field, str) and _reaches(field, paths):
            sorting_by_personal_data.append(name)

    assert sorting_by_personal_data == []


def _reaches(field, paths):
    field = field.lstrip("-")
    return any(field == path or field.startswith(f"{path}__") for path in paths)


def test_a_column_that_sorts_by_personal_data_is_not_sorted_by_for_the_office(office, committee, registrations):
    """As a committee member sees the registrations (the ID number column sorts), and as the office would if
    the column were there: ?o= on it changes nothing."""
    model_admin = admin.site._registry[type(registrations[0])]
    by_id_number = model_admin.get_list_display(_request(committee)).index("id_number")

    def ordering(user):
        request = _request(user, **{ORDER_VAR: str(by_id_number)})
        changelist = model_admin.get_changelist(request)(
            request,
            model_admin.model,
            model_admin.get_list_display(_request(committee)),
            model_admin.get_list_display_links(request, model_admin.get_list_display(_request(committee))),
            model_admin.get_list_filter(request),
            model_admin.date_hierarchy,
            model_admin.get_search_fields(request),
            model_admin.get_list_select_related(request),
            model_admin.list_per_page,
            model_admin.list_max_show_all,
            model_admin.list_editable,
            model_admin,
            model_admin.get_sortable_by(request),
            model_admin.search_help_text,
        )
        return [
            field
            for field in changelist.get_ordering(request, model_admin.get_queryset(request))
            if "id_number" in str(field)
        ]

    assert ordering(committee) == ["id_number"]
    assert ordering(office) == []


def test_the_paths_checked_include_the_ones_an_attacker_used():
    from submissions.models import Registration, Submission

    registration_paths = set(_paths_to_personal_fields(Registration))
    submission_paths = set(_paths_to_personal_fields(Submission))

    assert {"id_number", "phone", "date_of_birth", "email", "address", "user__email"} <= registration_paths
    assert {"coauthors__id_number", "coauthors__phone", "coauthors__date_of_birth"} <= registration_paths
    assert {"registration__id_number", "registration__coauthors__id_number"} <= submission_paths
    assert isinstance(Registration._meta.get_field("id_number"), models.CharField)
