"""Garbage to every URL of the URLconf (the portal's, the admin's, allauth's), as each role: never a 500, never a
saved row changed.

For each role (anonymous, an entrant with a registration and a clip, the Standing Office, a judge, the
committee, a superuser), each URL pattern is filled with real ids and codes of the rows made here, and with
garbage; then it gets GETs with garbage query strings (the names the page itself links to, among others) and
odd headers, and POSTs with garbage bodies (every field the page's forms name, filled with 10 KB of text or
5,000 digits; NUL; bytes that are not UTF-8; multipart without a boundary or with a 5,000-character file name;
JSON; a wrong content type), and the tus endpoints their own headers. After each URL every table (but the
sessions) must read as before.

A POST that is itself the action, whatever its body (a delete confirmation, logging out, publishing), is sent
only the bodies the portal refuses before any view runs (ACTS_ON_ANY_POST); a form of free text only, which
garbage fills validly, may change its rows (FREE_TEXT_FORMS)."""

import base64
import logging
import re
import traceback
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from contest_portal.mail.models import OutgoingMail
from judging.models import Assignment, Award, Panel, PrizeTier, RankingRun, Scorecard
from judging.prizes import TieChoice, awards_confirm
from judging.runs import ranking_run_approve, ranking_run_start
from judging.services import assignments_generate, final_round_get, scorecard_save, scorecard_submit
from submissions import uploads
from submissions.coauthors import coauthor_token
from submissions.consents import consent_text_current
from submissions.models import CoAuthor, ConsentText, Contest, PersonalDataAccess, Submission
from submissions.phases import Phase
from submissions.publication import finalists_publish
from tests.clips import make_jpeg, make_pdf
from tests.conftest import ALICE_ID, CHARLIE_ID, as_upload, close_entries
from tests.finalists import make_finalists
from tests.staff import make_judges, make_staff

pytestmark = pytest.mark.django_db

TEN_KB = "Ư" * 5_000  # 10 KB in UTF-8
DIGITS = "9" * 5_000
ROLES = ["anonymous", "entrant", "office", "judge", "committee", "superuser"]
FORM = "application/x-www-form-urlencoded"
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
OFFSET_STREAM = "application/offset+octet-stream"

# A POST to these is the action itself (Django's admin deletes on any POST to a delete page, a logout logs
# out, a publish or withdraw button publishes or withdraws): a garbage body may rightly change rows, so only
# the bodies refused before any view are sent to them.
ACTS_ON_ANY_POST = {
    "admin:logout",
    "account_logout",
    "submissions:publication_publish",
    "submissions:publication_unpublish",
    "submissions:withdraw",
    "admin:judging_award_withdraw",
    # One field, a free-text reason, which garbage fills: the judge's declaration, the committee's reopening.
    "admin:judging_assignment_conflict",
    "admin:judging_scorecard_reopen",
}
ACTS_ON_ANY_POST_SUFFIXES = ("_delete",)
# Forms of free text only, which garbage fills validly: every body is sent, and rows may change.
FREE_TEXT_FORMS = {
    "admin:mail_mailtemplate_change",
}


@dataclass
class Garbage:
    label: str
    method: str = "GET"
    path: str = ""
    query: str = ""
    body: bytes = b""
    content_type: str = ""
    headers: dict = field(default_factory=dict)
    # Refused before any view runs: safe to send to the URLs of ACTS_ON_ANY_POST.
    refused_early: bool = False


@dataclass
class Route:
    name: str
    template: str  # "admin/judging/award/{pk:int}/giay-chung-nhan.pdf"
    params: dict  # {"pk": "int"}: each parameter and its converter
    model: type | None  # the admin's model, for <path:object_id>


# The URLconf.


def _routes():
    routes = []

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, prefix + _template(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                template = prefix + _template(entry.pattern)
                name = f"{namespace}{entry.name}" if entry.name else f"{namespace}<unnamed {template}>"
                routes.append(Route(name, template, _params(template), _admin_model(entry.callback)))

    walk(get_resolver(), "", "")
    return routes


def _template(pattern):
    """The pattern as a string with {name:converter} for each parameter ("regex" for a regex's groups)."""
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        text = re.sub(r"\(\?P<(\w+)>[^()]*\)", r"{\1}", text.lstrip("^").rstrip("$")).replace("\\.", ".")
        return re.sub(r"\{(\w+)\}", r"{\1:regex}", text)
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: f"{{{m[2]}:{m[1] or 'str'}}}", text)


def _params(template):
    return dict((name, converter) for name, converter in re.findall(r"\{(\w+):(\w+)\}", template))


def _admin_model(callback):
    model_admin = getattr(callback, "model_admin", None)
    view = getattr(callback, "__wrapped__", None)
    if model_admin is None and view is not None:
        model_admin = getattr(view, "__self__", None)
    return getattr(model_admin, "model", None)


ROUTES = _routes()


def _path(route, values):
    path = route.template
    for name, converter in route.params.items():
        path = path.replace(f"{{{name}:{converter}}}", values[name])
    return "/" + path


# The rows: a contest with everything the URLs name.


@dataclass
class World:
    users: dict
    ids: dict  # values of path parameters, by name (and by model for object ids)


@pytest.fixture
def world(contest, alice, register, submit, tmp_path, django_capture_on_commit_callbacks):
    registration = register(alice, "Lò Thị Alice", ALICE_ID)
    # Each text as the first page to show it makes it (submissions.consents), so no GET below has to.
    for kind in ConsentText.Kind.values:
        consent_text_current(contest=contest, kind=kind)
    document = as_upload(make_pdf(tmp_path / "a.pdf"), "Hồ sơ.pdf", "application/pdf")
    clip = submit(registration, documents=[document])
    preview = clip.clip.read()
    thumbnail = make_jpeg(tmp_path / "t.jpg").read_bytes()
    clip.preview.save("preview.mp4", ContentFile(preview), save=False)
    clip.thumbnail.save("thumbnail.jpg", ContentFile(thumbnail), save=False)
    clip.save(update_fields=["preview", "thumbnail"])
    upload = uploads.upload_create(
        registration=registration,
        filename="bản em.mp4",
        length=1000,
        title="Bản em lên số",
        genre=contest.genres.first(),
        summary="Tải lên dở dang.",
    )

    committee = make_staff("btc@example.com", "committee")
    office = make_staff("vanphong@example.com", "office")
    judges = make_judges(2)
    superuser = get_user_model().objects.create_superuser(email="admin@example.com", password="a-long-password")
    # As every account has one (allauth makes it, on the first visit to the e-mail page, otherwise).
    EmailAddress.objects.create(user=superuser, email=superuser.email, verified=True, primary=True)
    finalists = make_finalists(contest, 3, one_group=True, previews=(preview, thumbnail))
    close_entries(contest)
    finalists_publish(contest=contest, user=committee)
    # Alice's clip stays undecided, so the final round is opened directly, not by closing the preliminary one.
    Contest.objects.filter(pk=contest.pk).update(stage=Phase.FINAL)
    contest.refresh_from_db()

    final_round = final_round_get(contest=contest)
    assignments_generate(contest=contest, user=committee)
    criteria = list(contest.criteria.all())
    # The second and third clips tie across the boundary of two prizes: the prize screen asks for a choice.
    for judge in judges:
        for rank, finalist in zip((0, 1, 1), finalists, strict=True):
            assignment = Assignment.objects.get(judge=judge, submission=finalist)
            points = {criterion.pk: criterion.max_points - rank for criterion in criteria}
            scorecard = scorecard_save(assignment=assignment, judge=judge, points=points)
            scorecard_submit(scorecard=scorecard, judge=judge)
    PrizeTier.objects.filter(contest=contest).update(count=0)
    for tier in PrizeTier.objects.filter(contest=contest, is_side_prize=False).order_by("order")[:3]:
        PrizeTier.objects.filter(pk=tier.pk).update(count=1)
    with django_capture_on_commit_callbacks(execute=True):
        run = ranking_run_start(contest=contest, user=committee)
    run.refresh_from_db()
    ranking_run_approve(run=run, user=committee)
    tied_tier = PrizeTier.objects.filter(contest=contest, count=1).order_by("order")[1]
    tie_choice = TieChoice(submissions=[finalists[1].pk], reason="Hội đồng biểu quyết.")
    awards_confirm(contest=contest, user=committee, choices={tied_tier.pk: tie_choice})
    OutgoingMail.objects.create(
        kind="garbage-test",
        to="tacgia@example.com",
        from_email="btc@example.com",
        subject="Thư nháp",
        body_text="Thư nháp chờ phát hành.",
        state=OutgoingMail.State.DRAFT,
        contest=contest,
    )
    # No scorecard yet on the judge's last clip, so its scorecard form takes points.
    open_assignment = Assignment.objects.get(judge=judges[0], submission=finalists[-1])
    Scorecard.objects.filter(assignment=open_assignment).delete()
    panel = Panel.objects.create(contest=contest, name="Tổ 1")
    panel.judges.add(judges[0])
    panel.submissions.add(finalists[0])

    # Alice is invited as a co-author of another group: the invitation page (and, with the same kind of
    # token, the guardian's page) takes garbage too.
    invited = CoAuthor.objects.create(
        registration=finalists[0].registration,
        full_name="Tòng Văn Dũng",
        email=alice.email,
        date_of_birth=CHARLIE_ID[1],
        id_number=CHARLIE_ID[0],
    )

    scorecard = Scorecard.objects.order_by("pk").first()
    ids = {
        "token": coauthor_token(invited),
        "position": "1",
        "code": clip.code,
        "finalist_code": finalists[0].code,
        "document_id": str(clip.documents.get().pk),
        "upload_id": str(upload.pk),
        "slug": contest.slug,
        "contest_slug": contest.slug,
        "assignment_id": str(open_assignment.pk),
        "scorecard_id": str(scorecard.pk),
        "final_round_id": str(final_round.pk),
        "content_type_id": str(ContentType.objects.get_for_model(Submission).pk),
        "object_id": str(clip.pk),
        "id": str(alice.pk),
        "file_format": "csv",
        "app_label": "submissions",
        "url": "khong-co/",
        "key": "Mg:1t0q7x:garbage",
        "uidb36": "2",
        RankingRun: str(run.pk),
        Award: str(Award.objects.order_by("pk").first().pk),
    }
    users = {
        "anonymous": None,
        "entrant": alice,
        "office": office,
        "judge": judges[0],
        "committee": committee,
        "superuser": superuser,
    }
    return World(users=users, ids=ids)


# A published finalist's pages and files are anyone's: these get its code, the others the entrant's clip.
PUBLIC_FINALIST_ROUTES = {
    "submissions:finalist",
    "submissions:share_image",
    "submissions:preview",
    "submissions:thumbnail",
}


def _real_values(route, world):
    """Each parameter of the route filled with the id or code of a row made above."""
    values = {}
    for name in route.params:
        if name == "code" and route.name in PUBLIC_FINALIST_ROUTES:
            values[name] = world.ids["finalist_code"]
        elif name == "pk" and route.name.startswith("admin:judging_award"):
            values[name] = world.ids[Award]
        elif name == "pk":
            values[name] = world.ids[RankingRun]
        elif name == "object_id" and route.model is not None:
            row = route.model._default_manager.order_by("pk").first()
            values[name] = quote(str(row.pk) if row else "1", safe="")
        else:
            values[name] = world.ids[name]
    return values


# The garbage.

GARBAGE_PATH_VALUES = {
    "5,000 digits": DIGITS,
    "NUL": "%00",
    "10 KB": quote(TEN_KB),
    "not UTF-8": "%FF%FE",
    "-1": "-1",
    "dot segments": "..%2F..%2Fetc",
}
QUERIES = {
    "10 KB of text": f"q={quote(TEN_KB)}&contest={quote(TEN_KB)}&next={quote(TEN_KB)}&v={quote(TEN_KB)}",
    "5,000 digits": f"p={DIGITS}&o={DIGITS}&page={DIGITS}&id={DIGITS}&pk__in={DIGITS},-1",
    "NUL": "status__exact=%00",
    "not UTF-8": "q=%FF%FE&contest=%C3",
    "admin's own parameters": "o=-1.-2.abc&p=-1&e=1&_popup=1&_changelist_filters=%25%25&_to_field=password",
    "filters of 5,000 digits": f"created_at__year={DIGITS}&created_at__month=13&q=1e400&contest=-1",
    "contest__id__exact of 5,000 digits": f"contest__id__exact={DIGITS}",
}
ODD_HEADERS = {
    "HTTP_RANGE": f"bytes={DIGITS}-",
    "HTTP_IF_RANGE": TEN_KB.encode().decode("latin-1"),
    "HTTP_IF_MODIFIED_SINCE": f"Mon, 32 Foo {DIGITS} 25:61:61 GMT",
    "HTTP_IF_NONE_MATCH": f'"{DIGITS}", W/"x", *',
    "HTTP_ACCEPT_LANGUAGE": f"{DIGITS};q={DIGITS},vi;q=-1",
    "HTTP_X_FORWARDED_FOR": DIGITS,
    "HTTP_USER_AGENT": DIGITS,
    "HTTP_REFERER": f"http://{DIGITS}/",
    "HTTP_X_HTTP_METHOD_OVERRIDE": DIGITS,
}
MEDIA_HEADERS = [
    {"HTTP_RANGE": f"bytes={DIGITS}-"},
    {"HTTP_RANGE": f"bytes=0-{DIGITS}"},
    {"HTTP_RANGE": f"bytes=-{DIGITS}"},
    {"HTTP_RANGE": "bytes=-0"},
    {"HTTP_RANGE": "bytes=5-1,--,a-"},
    {"HTTP_RANGE": "bytes=0-1", "HTTP_IF_RANGE": f"Mon, 32 Foo {DIGITS} 25:61:61 GMT"},
    {"HTTP_IF_MODIFIED_SINCE": DIGITS, "HTTP_IF_UNMODIFIED_SINCE": DIGITS},
    {"HTTP_IF_MATCH": f'"{DIGITS}"', "HTTP_IF_NONE_MATCH": "*"},
]
MEDIA_ROUTES = {
    "submissions:original",
    "submissions:preview",
    "submissions:thumbnail",
    "submissions:document",
    "submissions:share_image",
    "submissions:fanpage_qr",
}
FIELD_VALUES = {"10 KB": TEN_KB, "5,000 digits": DIGITS, "-1": "-1", "1e400": "1e400"}
# Names many views read, besides those the page's own forms give.
COMMON_FIELDS = ["reason", "title", "comment", "email", "login", "password", "q", "next", "language", "action"]


def _multipart(boundary, parts):
    chunks = [f"--{boundary}\r\n".encode() + headers + b"\r\n\r\n" + value + b"\r\n" for headers, value in parts]
    return b"".join(chunks) + f"--{boundary}--\r\n".encode()


def _field(name, value):
    return (f'Content-Disposition: form-data; name="{name}"'.encode(), value.encode())


def _file(name, filename, content):
    disposition = (
        f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: video/mp4'
    )
    return (disposition.encode(), content)


def _posts(field_names, file_names):
    """Garbage bodies: those refused before any view first, then forms that reach the view."""
    names = sorted(set(field_names) | set(COMMON_FIELDS))
    yield Garbage("POST NUL", "POST", body=b"reason=a%00b&title=%00", content_type=FORM, refused_early=True)
    yield Garbage(
        "POST not UTF-8", "POST", body=b"reason=%FF%FE&title=\xff\xfe", content_type=FORM, refused_early=True
    )
    yield Garbage(
        "POST multipart without boundary",
        "POST",
        body=b"--x\r\n\r\n--x--",
        content_type="multipart/form-data",
        refused_early=True,
    )
    long_name = _multipart("B", [_field("title", "x"), _file("clip", "a" * 5000 + ".mp4", b"\0\0\0\x18ftypmp42")])
    yield Garbage(
        "POST 5,000-character file name",
        "POST",
        body=long_name,
        content_type="multipart/form-data; boundary=B",
        refused_early=True,
    )
    for label, value in FIELD_VALUES.items():
        body = urlencode({name: value for name in names}).encode()
        yield Garbage(f"POST fields of {label}", "POST", body=body, content_type=FORM)
    parts = [_field(name, TEN_KB) for name in names]
    parts += [_file(name, "x" * 200 + ".mp4", DIGITS.encode()) for name in file_names or ["clip"]]
    yield Garbage(
        "POST multipart of 10 KB fields",
        "POST",
        body=_multipart("B", parts),
        content_type="multipart/form-data; boundary=B",
    )
    json_body = '{"reason": 1e400, "title": "' + TEN_KB + '", "points": [' + DIGITS + "]}"
    yield Garbage("POST JSON", "POST", body=json_body.encode(), content_type="application/json")
    yield Garbage(
        "POST wrong content type", "POST", body=DIGITS.encode(), content_type="text/plain; charset=bogus"
    )
    yield Garbage(
        "POST UTF-16 form", "POST", body="reason=x".encode("utf-16"), content_type=f"{FORM}; charset=utf-16"
    )
    yield Garbage("PUT", "PUT", body=b"reason=" + DIGITS.encode(), content_type=FORM)


def _tus_requests(route, world):
    genre = "0"
    garbage_metadata = (
        f"filename {base64.b64encode(TEN_KB.encode()).decode()},genre {base64.b64encode(DIGITS.encode()).decode()}"
    )
    if route.name == "submissions:tus_create":
        real_genre = str(Submission.objects.get(code=world.ids["code"]).genre_id)
        nul_name = ",".join(
            f"{key} {base64.b64encode(value.encode()).decode()}"
            for key, value in {"filename": "bản\x00em.mp4", "title": "Bản em", "genre": real_genre}.items()
        )
        for label, headers in {
            "Upload-Length of 5,000 digits": {"HTTP_UPLOAD_LENGTH": DIGITS},
            "Upload-Length -1": {"HTTP_UPLOAD_LENGTH": "-1"},
            "Upload-Metadata not Base64": {
                "HTTP_UPLOAD_LENGTH": "1000",
                "HTTP_UPLOAD_METADATA": "filename !!!%00",
            },
            "Upload-Metadata of garbage": {"HTTP_UPLOAD_LENGTH": "1000", "HTTP_UPLOAD_METADATA": garbage_metadata},
            "Upload-Metadata file name with NUL": {"HTTP_UPLOAD_LENGTH": "1000", "HTTP_UPLOAD_METADATA": nul_name},
            "Upload-Metadata duplicate keys": {
                "HTTP_UPLOAD_LENGTH": "1000",
                "HTTP_UPLOAD_METADATA": "a eA==,a eA==,genre " + genre,
            },
        }.items():
            yield Garbage(f"tus {label}", "POST", headers={**TUS, **headers})
    elif route.name == "submissions:tus_upload":
        zero_digest = base64.b64encode(bytes(32)).decode()
        for label, headers, body in [
            ("PATCH offset of 5,000 digits", {"HTTP_UPLOAD_OFFSET": DIGITS}, b"x" * 10),
            ("PATCH offset -1", {"HTTP_UPLOAD_OFFSET": "-1"}, b"x" * 10),
            ("PATCH offset past the end", {"HTTP_UPLOAD_OFFSET": "999999999999999999"}, b"x" * 10),
            ("PATCH offset 0 past the length", {"HTTP_UPLOAD_OFFSET": "0"}, b"x" * 1001),
            (
                "PATCH checksum of garbage",
                {"HTTP_UPLOAD_OFFSET": "0", "HTTP_UPLOAD_CHECKSUM": f"sha256 {TEN_KB}"},
                b"x",
            ),
            ("PATCH unknown checksum", {"HTTP_UPLOAD_OFFSET": "0", "HTTP_UPLOAD_CHECKSUM": "crc32 AAAA"}, b"x"),
            (
                "PATCH wrong checksum",
                {"HTTP_UPLOAD_OFFSET": "0", "HTTP_UPLOAD_CHECKSUM": f"sha256 {zero_digest}"},
                b"x" * 10,
            ),
            ("PATCH Content-Length of garbage", {"HTTP_UPLOAD_OFFSET": "0", "CONTENT_LENGTH": DIGITS}, b"x" * 10),
            ("PATCH Content-Length -1", {"HTTP_UPLOAD_OFFSET": "0", "CONTENT_LENGTH": "-1"}, b"x" * 10),
            (
                "PATCH Content-Length past the length",
                {"HTTP_UPLOAD_OFFSET": "0", "CONTENT_LENGTH": "1001"},
                b"x" * 10,
            ),
        ]:
            yield Garbage(
                f"tus {label}", "PATCH", body=body, content_type=OFFSET_STREAM, headers={**TUS, **headers}
            )
        yield Garbage(
            "tus PATCH wrong type",
            "PATCH",
            body=b"x",
            content_type=FORM,
            headers={**TUS, "HTTP_UPLOAD_OFFSET": "0"},
        )
        yield Garbage("tus HEAD", "HEAD", headers=TUS)
        yield Garbage(
            "tus DELETE without the version",
            "DELETE",
            headers={"HTTP_TUS_RESUMABLE": TEN_KB.encode().decode("latin-1")},
        )
        yield Garbage("tus override of garbage", "POST", headers={**TUS, "HTTP_X_HTTP_METHOD_OVERRIDE": DIGITS})
    yield Garbage("tus OPTIONS", "OPTIONS", headers=TUS)


def _garbage(route, world, names):
    """Every garbage request for a route, given the names its page and the forms posting to it use."""
    field_names, file_names, query_names = names
    for label, query in QUERIES.items():
        yield Garbage(f"GET query {label}", query=query)
    for label, value in {"5,000 digits": DIGITS, "10 KB": quote(TEN_KB), "-1": "-1"}.items():
        if query_names:
            yield Garbage(
                f"GET page's own parameters of {label}",
                query="&".join(f"{quote(name)}={value}" for name in query_names),
            )
    yield Garbage("GET odd headers", headers=ODD_HEADERS)
    yield Garbage(
        "GET odd cookies",
        headers={
            "HTTP_COOKIE": f'messages="\\000x"; django_language={DIGITS}; csrftoken=%00; known_device={DIGITS}'
        },
    )
    yield Garbage("OPTIONS", "OPTIONS")
    if route.name in MEDIA_ROUTES:
        # Elsewhere Django answers HEAD as GET; the media views have a HEAD of their own.
        yield Garbage("HEAD", "HEAD", headers=MEDIA_HEADERS[0])
        for index, headers in enumerate(MEDIA_HEADERS):
            yield Garbage(f"GET media headers {index}", headers=headers)
    if route.name.startswith("submissions:tus"):
        yield from _tus_requests(route, world)
    acts = route.name in ACTS_ON_ANY_POST or route.name.endswith(ACTS_ON_ANY_POST_SUFFIXES)
    for garbage in _posts(field_names, file_names):
        if garbage.refused_early or not acts:
            yield garbage
    if route.params:
        for label, value in GARBAGE_PATH_VALUES.items():
            path = _path(route, dict.fromkeys(route.params, value))
            yield Garbage(f"GET path of {label}", path=path)
            if not acts:
                body = urlencode(dict.fromkeys(COMMON_FIELDS, DIGITS)).encode()
                yield Garbage(f"POST path of {label}", "POST", path=path, body=body, content_type=FORM)


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)
_ACTION = re.compile(r'\baction="([^"]*)"')
_NAME = re.compile(r'<(?:input|select|textarea|button)\b[^>]*?\bname="([^"]+)"', re.IGNORECASE)
_FILE = re.compile(r'<input\b[^>]*?\btype="file"[^>]*?\bname="([^"]+)"', re.IGNORECASE)
_QUERY_NAME = re.compile(r'href="[^"?]*\?([^"#]*)"')


@dataclass
class Names:
    """The names a route's requests use: its page's fields and links, and the fields of forms posting to it."""

    fields: set = field(default_factory=set)
    files: set = field(default_factory=set)
    queries: set = field(default_factory=set)

    def as_lists(self):
        return sorted(self.fields - self.files), sorted(self.files), sorted(self.queries)


def _read_page(page, path, names):
    """Adds what `page` (at `path`) names to `names`, {path: Names}: its links' parameters to its own path, each
    form's fields to the path the form posts to (its own when it has no action)."""
    own = names.setdefault(path, Names())
    own.fields.update(_NAME.findall(page))
    own.files.update(_FILE.findall(page))
    for query in _QUERY_NAME.findall(page):
        own.queries.update(part.split("=", 1)[0] for part in query.replace("&amp;", "&").split("&") if part)
    for attributes, form in _FORM.findall(page):
        action = _ACTION.search(attributes)
        target = action[1].replace("&amp;", "&").split("?", 1)[0] if action and action[1] else path
        if target.startswith("/"):
            names.setdefault(target, Names()).fields.update(_NAME.findall(form))
            names[target].files.update(_FILE.findall(form))


# Sending, and what must hold.


def _send(client, path, garbage):
    extra = dict(garbage.headers)
    kwargs = {"QUERY_STRING": garbage.query} if garbage.query else {}
    if garbage.method in ("GET", "HEAD", "OPTIONS") and not garbage.body:
        response = client.generic(garbage.method, path, **kwargs, **extra)
    else:
        response = client.generic(
            garbage.method, path, garbage.body, content_type=garbage.content_type, **kwargs, **extra
        )
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def _snapshot():
    """Every row of every table but the sessions and the personal-data access log (which every look at personal
    data adds to), as values."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or model in (Session, PersonalDataAccess):
            continue
        tables[model._meta.label] = list(model._base_manager.order_by("pk").values_list())
    return tables


def _changes(before, after):
    return [label for label in before if before[label] != after[label]]


def _failure(route, garbage, response):
    exception = getattr(response, "exc_info", None)
    if not exception:
        return f"{route.name} {garbage.label} -> {response.status_code}"
    frames = traceback.extract_tb(exception[2])
    ours = [frame for frame in frames if "/.venv/" not in frame.filename] or frames
    where = f"{ours[-1].filename}:{ours[-1].lineno} in {ours[-1].name}"
    raised = f"{frames[-1].filename}:{frames[-1].lineno}"
    error = f"{exception[0].__name__}: {str(exception[1])[:200]}"
    return f"{route.name} {garbage.label} -> {response.status_code}: {error} ({where}; raised at {raised})"


def _client(world, role):
    client = Client(raise_request_exception=False)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    return client


@pytest.fixture
def quiet_and_fresh_caches():
    """The thousands of refusals are logged by Django (with their tracebacks): not needed here, and slow. Login
    failures count in the cache: cleared, so they cannot hold back another test's logins."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security", "django.server")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    for cache in caches.all():
        cache.clear()
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    for cache in caches.all():
        cache.clear()


def _walk(world, role):
    client = _client(world, role)
    routes = [(route, _path(route, _real_values(route, world))) for route in ROUTES]
    failures = []
    before = _snapshot()
    names = {}
    for route, path in routes:
        # Every page first, so that a URL only posted to (a confirm button) gets the fields of the form posting.
        page = client.get(path)
        if page.status_code >= 500:
            failures.append(_failure(route, Garbage("plain GET"), page))
        if not page.streaming:
            _read_page(page.content.decode(errors="replace"), path, names)
    changed = _changes(before, _snapshot())
    if changed:
        failures.append(f"plain GETs: rows changed in {', '.join(changed)}")
    for route, path in routes:
        before = _snapshot()
        for garbage in _garbage(route, world, names.get(path, Names()).as_lists()):
            response = _send(client, garbage.path or path, garbage)
            if response.status_code >= 500:
                failures.append(_failure(route, garbage, response))
        changed = _changes(before, _snapshot())
        if changed and route.name not in FREE_TEXT_FORMS:
            failures.append(f"{route.name}: rows changed in {', '.join(changed)}")
        if world.users[role] is not None and "_auth_user_id" not in client.session:
            # Something logged the role out (it should not have): sign in again for the next URLs.
            failures.append(f"{route.name}: the session was lost")
            client = _client(world, role)
    return failures


@pytest.mark.usefixtures("quiet_and_fresh_caches")
@pytest.mark.parametrize("role", ROLES)
def test_no_garbage_answers_500_or_changes_a_saved_row(world, role):
    failures = _walk(world, role)

    assert not failures, "\n".join(failures)


def test_every_url_of_the_urlconf_is_walked():
    names = {route.name for route in ROUTES}

    assert {"admin:index", "account_login", "submissions:tus_upload", "reports:export", "judging:results"} <= names
    assert len(ROUTES) >= 170
    assert all(
        route.model is not None for route in ROUTES if "object_id" in route.params and "_change" in route.name
    )
