"""Numbers the committee reports: a contest's statistics page, and exports of its submissions to CSV and XLSX.

Everything is counted in the database, with the same small number of queries whatever the number of clips.
Days and times are those of the contest, Asia/Ho_Chi_Minh (the project's TIME_ZONE): a clip sent at 00:30
counts on that day, not on the day before, as it would in UTC (17:30).

Exports carry the registration data only as far as the reader may see it: without
`submissions.view_personal_data` the ID number is masked and the e-mail, phone, date of birth and address
columns are left out (see `_columns`)."""

import datetime
import math
import tempfile
from dataclasses import dataclass

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from contest_portal.numbers import number_for_people
from contest_portal.permissions import may_view_submissions, sees_personal_data
from contest_portal.personal_data import personal_data_access_log
from contest_portal.spreadsheets import CsvWriter, xlsx_cell

from .identity import mask_id_number
from .media.pipeline import TECHNICAL_FLAGS
from .models import Contest, Registration, Submission, SubmissionAuthor, finalist_q
from .staff import contests_of, staff_contest

Status = Submission.Status
# Every state but withdrawn: the clips in the contest. Withdrawn ones are counted apart.
IN_CONTEST = [status for status in Status.values if status != Status.WITHDRAWN]
_TALLIES = {
    "clips": Count("pk", filter=Q(status__in=IN_CONTEST)),
    "finalists": Count("pk", filter=finalist_q()),
    "withdrawn": Count("pk", filter=Q(status=Status.WITHDRAWN)),
}


@dataclass(frozen=True)
class Tally:
    """Clips of one genre, entrant category or locality."""

    label: str
    clips: int = 0
    finalists: int = 0
    withdrawn: int = 0


@dataclass(frozen=True)
class DayTally:
    day: datetime.date
    clips: int = 0
    withdrawn: int = 0


@dataclass(frozen=True)
class ContestStatistics:
    contest: Contest
    registrations: int
    authors: int
    by_state: dict  # status value -> number of clips, every state present
    by_genre: list
    by_category: list
    by_locality: list
    by_day: list  # one DayTally a day, from the first clip's day to the last one's, days without clips too

    @property
    def clips(self):
        return sum(self.by_state[status] for status in IN_CONTEST)

    @property
    def finalists(self):
        return self.by_state[Status.SHORTLISTED]

    @property
    def withdrawn(self):
        return self.by_state[Status.WITHDRAWN]

    @property
    def states(self):
        """(label, count) for each state of a clip in the contest, in the order a clip travels."""
        return [(Status(status).label, self.by_state[status]) for status in IN_CONTEST]


def contest_statistics(*, contest):
    """The committee's numbers for one contest, in nine queries."""
    submissions = Submission.objects.filter(contest=contest).order_by()
    by_state = dict.fromkeys(Status.values, 0)
    by_state.update(submissions.values_list("status").annotate(n=Count("pk")))
    return ContestStatistics(
        contest=contest,
        registrations=Registration.objects.filter(contest=contest).count(),
        authors=_distinct_authors(contest),
        by_state=by_state,
        by_genre=[
            Tally(genre.name, genre.clips, genre.finalists, genre.withdrawn)
            for genre in contest.genres.annotate(
                clips=Count("submissions", filter=Q(submissions__status__in=IN_CONTEST)),
                finalists=Count("submissions", filter=finalist_q("submissions__")),
                withdrawn=Count("submissions", filter=Q(submissions__status=Status.WITHDRAWN)),
            )
        ],
        by_category=_tallies_by(submissions, "registration__category", contest.categories.all()),
        by_locality=_tallies_by(submissions, "registration__locality", contest.localities.all()),
        by_day=_tallies_by_day(submissions),
    )


def _distinct_authors(contest):
    """People who are a recorded author of a clip in the contest, counted once whether they entered alone, in
    groups, or both."""
    authors = SubmissionAuthor.objects.filter(submission__contest=contest, submission__status__in=IN_CONTEST)
    return authors.values("id_number").distinct().count()


def _tallies_by(submissions, field, choices):
    """A Tally per choice of the contest's list, in its order, those without clips too; then the clips whose
    registration left the field empty (an optional field), if any."""
    counts = {row.pop(field): row for row in submissions.values(field).annotate(**_TALLIES).order_by()}
    tallies = [Tally(choice.name, **counts.pop(choice.pk, {})) for choice in choices]
    if None in counts:
        tallies.append(Tally(_("not given"), **counts[None]))
    return tallies


def _tallies_by_day(submissions):
    # Withdrawn clips count on the day they were sent: this is the pace at which clips arrived.
    day = TruncDate("submitted_at", tzinfo=timezone.get_default_timezone())
    rows = submissions.annotate(day=day).values("day").annotate(**_TALLIES).order_by("day")
    counted = {row["day"]: DayTally(row["day"], row["clips"], row["withdrawn"]) for row in rows}
    if not counted:
        return []
    first, last = min(counted), max(counted)
    days = (first + datetime.timedelta(days=n) for n in range((last - first).days + 1))
    return [counted.get(day) or DayTally(day) for day in days]


# The chart of clips per day: an SVG drawn here and inlined in the page, so no script and no CDN.
CHART_PLOT_WIDTH = 720
CHART_HEIGHT = 160
CHART_TOP = 16
CHART_BOTTOM = 22
CHART_LEFT = 36
# Room for one day label ("30/08") at the chart's font size; closer labels would overlap.
CHART_LABEL_WIDTH = 40
CHART_MAX_BAR_WIDTH = 40


@dataclass(frozen=True)
class Bar:
    x: float
    clips_y: float
    clips_height: float
    withdrawn_y: float
    withdrawn_height: float
    label: str  # the day, shown under some bars
    label_x: float
    title: str  # what a pointer resting on the bar reads


def day_chart(by_day):
    """Geometry of the bar chart of clips per day: clips in the contest, withdrawn ones stacked on top.

    The chart keeps its width whatever the number of days: bars get thinner and fewer days are labelled."""
    if not by_day:
        return None
    peak = max(day.clips + day.withdrawn for day in by_day) or 1
    scale = CHART_HEIGHT / peak
    base = CHART_TOP + CHART_HEIGHT
    day_width = CHART_PLOT_WIDTH / len(by_day)
    bar_width = min(day_width * 0.7, CHART_MAX_BAR_WIDTH)
    label_every = math.ceil(CHART_LABEL_WIDTH / day_width)
    bars = []
    for index, day in enumerate(by_day):
        clips_height = day.clips * scale
        withdrawn_height = day.withdrawn * scale
        left = CHART_LEFT + index * day_width
        bars.append(
            Bar(
                x=round(left + (day_width - bar_width) / 2, 1),
                clips_y=round(base - clips_height, 1),
                clips_height=round(clips_height, 1),
                withdrawn_y=round(base - clips_height - withdrawn_height, 1),
                withdrawn_height=round(withdrawn_height, 1),
                label=day.day.strftime("%d/%m") if index % label_every == 0 else "",
                label_x=round(left + day_width / 2, 1),
                title=_("%(day)s: in the contest %(clips)s, withdrawn %(withdrawn)s")
                % {
                    "day": formats.date_format(day.day, "SHORT_DATE_FORMAT"),
                    "clips": formats.number_format(day.clips, force_grouping=True),
                    "withdrawn": formats.number_format(day.withdrawn, force_grouping=True),
                },
            )
        )
    return {
        "bars": bars,
        "bar_width": round(bar_width, 1),
        "peak": formats.number_format(peak, force_grouping=True),
        "width": CHART_LEFT + CHART_PLOT_WIDTH + 8,
        "height": CHART_TOP + CHART_HEIGHT + CHART_BOTTOM,
        "left": CHART_LEFT,
        "top": CHART_TOP,
        "base": base,
        "label_y": base + 15,
    }


# Exports.

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows are read from the database this many at a time (with their co-authors), so memory stays flat.
EXPORT_CHUNK_SIZE = 500


@dataclass(frozen=True)
class Column:
    header: str
    value: object  # submission -> the cell's value
    kind: str = "text"  # text, number, datetime or date
    width: int = 16
    number_format: str = ""
    decimals: int = 0  # a number's, as the CSV writes it


def _local(moment):
    """A datetime as the contest's wall clock reads it, without a time zone: spreadsheets store no zone."""
    return timezone.localtime(moment, timezone.get_default_timezone()).replace(tzinfo=None) if moment else None


def _review_summary(submission):
    if not submission.shortlist_votes and not submission.not_select_votes:
        return ""
    return _("%(shortlist)s shortlist / %(not_select)s not") % {
        "shortlist": submission.shortlist_votes,
        "not_select": submission.not_select_votes,
    }


def _columns(*, personal_data):
    """The export's columns, in order. Without the personal-data permission the ID number is masked and the
    contact and identity details are left out: the portal sends every mail itself, so a reader without the
    permission never needs to reach an entrant, and e-mail and phone are personal data as much as the rest."""
    # Labels in the reader's language now: a CSV is written while it streams, after the view has returned.
    status_labels = {value: str(label) for value, label in Status.choices}
    media_labels = {value: str(label) for value, label in Submission.MediaState.choices}
    flag_labels = {code: str(label) for code, label in TECHNICAL_FLAGS.items()}
    datetime_format = "dd/mm/yyyy hh:mm"
    date_format = "dd/mm/yyyy"
    columns = [
        Column(_("Code"), lambda s: s.code, width=14),
        Column(_("Title"), lambda s: s.title, width=40),
        Column(_("Genre"), lambda s: s.genre.name, width=30),
        Column(_("Status"), lambda s: status_labels.get(s.status, s.status), width=14),
        Column(_("Submitted"), lambda s: _local(s.submitted_at), "datetime", 17, datetime_format),
        Column(_("Duration (s)"), lambda s: round(s.duration, 1), "number", 12, "0.0", decimals=1),
        Column(_("Size (bytes)"), lambda s: s.size, "number", 16, "#,##0"),
        Column("SHA-256", lambda s: s.sha256, width=20),
        Column(_("Media"), lambda s: media_labels.get(s.media_state, s.media_state), width=12),
        Column(
            _("Technical flags"),
            lambda s: ", ".join(flag_labels.get(code, code) for code in s.technical_flags or ()),
            width=24,
        ),
        Column(_("Reason for the decision"), lambda s: s.decision_reason, width=40),
        Column(_("Decided by"), lambda s: s.decided_by.get_full_name() if s.decided_by else "", width=24),
        Column(_("Decided"), lambda s: _local(s.decided_at), "datetime", 17, datetime_format),
        Column(_("Entrant told"), lambda s: _local(s.decision_notified_at), "datetime", 17, datetime_format),
        Column(_("Screening recommendations"), _review_summary, width=22),
        Column(_("Registrant"), lambda s: s.registration.full_name, width=26),
        Column(_("Group name"), lambda s: s.registration.group_name, width=24),
        Column(
            _("Co-authors"),
            lambda s: "; ".join(author.full_name for author in s.authors.all() if not author.is_registrant),
            width=36,
        ),
        Column(
            _("Entrant category"),
            lambda s: s.registration.category.name if s.registration.category else "",
            width=30,
        ),
        Column(
            _("District / city"),
            lambda s: s.registration.locality.name if s.registration.locality else "",
            width=22,
        ),
        Column(_("Organisation or school"), lambda s: s.registration.organisation, width=30),
    ]
    if personal_data:
        columns += [
            Column(_("E-mail"), lambda s: s.registration.email, width=28),
            Column(_("Phone"), lambda s: s.registration.phone, width=14),
            Column(_("Date of birth"), lambda s: s.registration.date_of_birth, "date", 12, date_format),
            Column(_("Address"), lambda s: s.registration.address, width=36),
            Column(_("Personal ID number"), lambda s: s.registration.id_number, width=16),
        ]
    else:
        columns.append(
            Column(_("Personal ID number"), lambda s: mask_id_number(s.registration.id_number), width=16)
        )
    return columns


def _export_rows(queryset):
    # A fresh queryset over the chosen rows: whatever joins or annotations the caller's queryset carries
    # (an admin list's search, say), they neither repeat nor drop rows.
    return (
        Submission.objects.filter(pk__in=queryset.values("pk"))
        .select_related("genre", "decided_by", "registration__category", "registration__locality")
        .prefetch_related("authors")
        .with_votes()
        .order_by("contest_id", "sequence")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )


def _export_filename(queryset, extension):
    """cds2024-bai-du-thi-2024-09-01.xlsx: the contest's code prefix, when the rows are all of one contest."""
    prefixes = list(
        Contest.objects.filter(submissions__in=queryset.values("pk"))
        .values_list("code_prefix", flat=True)
        .order_by()
        .distinct()[:2]
    )
    stem = f"bai-du-thi-{timezone.localdate(timezone=timezone.get_default_timezone()).isoformat()}"
    if len(prefixes) == 1:
        stem = f"{slugify(prefixes[0])}-{stem}"
    return f"{stem}.{extension}"


def may_export(user):
    return user.has_perms(["submissions.view_submission", "submissions.export_submissions"])


def submissions_export(*, queryset, user, format, path=""):
    """A download of the submissions in `queryset` with their registration data and screening results,
    as `format` ("csv" or "xlsx"); personal data as far as `user` may see it, and then in the access log, with
    the address (`path`) that asked for it.

    Raises PermissionDenied unless the user may export submissions."""
    if not may_export(user):
        raise PermissionDenied
    if format not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {EXPORT_FORMATS}, not {format!r}.")
    personal_data = sees_personal_data(user)
    columns = _columns(personal_data=personal_data)
    if personal_data:
        _log_export(queryset, user=user, path=path)
    filename = _export_filename(queryset, format)
    rows = _export_rows(queryset)
    if format == "csv":
        return StreamingHttpResponse(
            _csv_lines(columns, rows),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": content_disposition_header(True, filename)},
        )
    return FileResponse(
        _xlsx_file(columns, rows, sheet_title=_("Submitted clips")),
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )


def _log_export(queryset, *, user, path):
    # One entry per contest, with its number of rows: each contest's committee reads its own log.
    contests = Contest.objects.filter(submissions__in=queryset.values("pk")).annotate(rows=Count("submissions"))
    for contest in contests.order_by("pk"):
        personal_data_access_log(
            user=user,
            contest=contest,
            what=gettext_noop("Export of the submissions with personal data"),
            records=contest.rows,
            path=path,
        )


class _Echo:
    """csv.writer writes each row here, which hands the line straight back, to be streamed."""

    def write(self, line):
        return line


def _csv_text(column, value):
    """A cell of the CSV: text, which a spreadsheet reads in its own reader's notation. Numbers are written as the
    portal's pages write them, in the reader's language ("125,4" and "12.345.678" in Vietnamese, as a Vietnamese
    spreadsheet reads them; "125.4" and "12,345,678" in English); the XLSX holds the numbers themselves."""
    if value is None:
        return ""
    if column.kind == "number":
        return number_for_people(value, decimals=column.decimals)
    if column.kind == "datetime":
        return value.isoformat(sep=" ", timespec="minutes")
    if column.kind == "date":
        return value.isoformat()
    return value


def _csv_lines(columns, rows):
    writer = CsvWriter(_Echo())
    # The byte-order mark tells Excel the file is UTF-8; without it Vietnamese letters come out garbled.
    yield "\ufeff" + writer.writerow([column.header for column in columns])
    for submission in rows:
        yield writer.writerow([_csv_text(column, column.value(submission)) for column in columns])


def _xlsx_file(columns, rows, *, sheet_title):
    """The workbook in a temporary file: write-only mode keeps only the current row in memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    # The header row and the code column stay in view while scrolling.
    sheet.freeze_panes = "B2"
    sheet.append([xlsx_cell(sheet, column.header, bold=True) for column in columns])
    for submission in rows:
        sheet.append([xlsx_cell(sheet, column.value(submission), column.number_format) for column in columns])
    file = tempfile.TemporaryFile()
    workbook.save(file)
    file.seek(0)
    return file


# Staff views, mounted under admin/thong-ke/ and wrapped in admin.site.admin_view (contest_portal/urls.py).


def _chosen_contest(request):
    """The contest named by ?contest=<slug> (a 404 unless the person works on it), else the one they are
    working on."""
    slug = request.GET.get("contest")
    if slug:
        return staff_contest(request, slug)
    return getattr(request.user, "working_contest", None)


@require_GET
def statistics(request):
    contest = _chosen_contest(request)
    if not may_view_submissions(request.user):
        raise PermissionDenied
    stats = contest_statistics(contest=contest) if contest else None
    context = {
        **admin.site.each_context(request),
        "title": gettext_lazy("Statistics"),
        "contest": contest,
        "contests": contests_of(request.user).only("slug", "short_name", "name"),
        "stats": stats,
        "chart": day_chart(stats.by_day) if stats else None,
        "may_export": may_export(request.user),
    }
    return TemplateResponse(request, "admin/submissions/statistics.html", context)


@require_GET
def export(request, file_format):
    contest = _chosen_contest(request)
    if contest is None:
        raise Http404
    if not may_export(request.user):
        raise PermissionDenied
    return submissions_export(
        queryset=contest.submissions.all(), user=request.user, format=file_format, path=request.get_full_path()
    )
