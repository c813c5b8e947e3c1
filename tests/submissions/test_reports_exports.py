"""Exports of submissions to CSV and XLSX: the rows and columns, Vietnamese text intact, local dates, the personal
data only for those allowed to see it, and nothing at all for those who may not export.

Bob's group (with Alice as co-author) has two screened clips; Charlie has one. Staff: a data officer (every
permission), a secretary who may export but not see personal data, a screener and an outsider with no permission."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from judging.son_la_2024 import load_son_la_2024
from submissions.models import ScreeningReview, Submission
from submissions.reports import submissions_export
from submissions.services import registration_save, submission_authors_record
from tests.conftest import ALICE_ID, BOB_ID, CHARLIE_ID, registration_fields
from tests.staff import make_staff_with

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
Status = Submission.Status
BOM = b"\xef\xbb\xbf"
BOB_EMAIL = "bob.muongla@example.com"
BOB_PHONE = "0987654321"
BOB_ADDRESS = "Bản Mòng, xã Hua La"
# A title starting with each character that makes a spreadsheet run a formula, and the cell read back: text, after
# an apostrophe. XML reads a carriage return back as a line feed.
FORMULA_TITLES = [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+84 Sơn La số", "'+84 Sơn La số", "'+84 Sơn La số"),
    ("- Bản em lên số -", "'- Bản em lên số -", "'- Bản em lên số -"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1", "'\n=1+1"),
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_officer(db):
    return make_staff_with("btc@example.com", "view_submission", "export_submissions", "view_personal_data")


@pytest.fixture
def secretary(db):
    return make_staff_with("thuky@example.com", "view_submission", "export_submissions")


@pytest.fixture
def screener(db):
    return make_staff_with("ctt@example.com", "view_submission", "screen_submission")


@pytest.fixture
def outsider(db):
    return make_staff_with("bgk@example.com")


def add_clip(registration, *, title, status=Status.RECEIVED, submitted_at, **fields):
    contest = registration.contest
    sequence = contest.submissions.count() + 1
    submission = Submission.objects.create(
        contest=contest,
        registration=registration,
        sequence=sequence,
        code=f"{contest.code_prefix}-{sequence:04d}",
        title=title,
        genre=contest.genres.first(),
        summary="Một clip ngắn.",
        status=status,
        clip=f"clips/{contest.slug}/{sequence}.mp4",
        original_filename=f"clip {sequence}.mp4",
        size=12_345_678,
        sha256="ab" * 32,
        container="mp4",
        duration=125.44,
        width=1920,
        height=1080,
        video_codec="h264",
        submitted_at=submitted_at,
        **fields,
    )
    submission_authors_record(submission=submission)
    return submission


@pytest.fixture
def clips(contest, register, bob, charlie, data_officer, screener, outsider):
    group = register(
        bob,
        "Cầm Văn Bob",
        BOB_ID,
        email=BOB_EMAIL,
        phone=BOB_PHONE,
        address=BOB_ADDRESS,
        group_name="Đội Mường La",
        coauthors=[
            {
                "full_name": "Lò Thị Alice",
                "email": "alice@example.com",
                "date_of_birth": ALICE_ID[1],
                "id_number": ALICE_ID[0],
            },
        ],
    )
    alone = register(charlie, "Hà Thị Charlie", CHARLIE_ID, locality=None)
    data_officer.full_name = "Nguyễn Văn Ban Tổ Chức"
    data_officer.save()
    late_evening = datetime.datetime(2024, 8, 30, 23, 30, tzinfo=VIETNAM)
    first = add_clip(
        group,
        title="Chuyển đổi số ở bản Mòng",
        status=Status.SHORTLISTED,
        submitted_at=late_evening,
        decided_by=data_officer,
        decided_at=late_evening + datetime.timedelta(days=10),
        technical_flags=["no_audio", "low_resolution"],
    )
    second = add_clip(
        group,
        title="Nông sản lên sàn",
        status=Status.NOT_SELECTED,
        submitted_at=late_evening - datetime.timedelta(days=1),
        decision_reason="Chưa đúng chủ đề",
        decided_by=data_officer,
        decided_at=late_evening + datetime.timedelta(days=10),
    )
    third = add_clip(
        alone, title="Dịch vụ công trực tuyến", submitted_at=late_evening - datetime.timedelta(days=2)
    )
    for reviewer, recommendation in (
        (data_officer, "shortlist"),
        (screener, "shortlist"),
        (outsider, "not_select"),
    ):
        ScreeningReview.objects.create(submission=first, reviewer=reviewer, recommendation=recommendation)
    return first, second, third


@pytest.fixture
def in_english(client):
    """Headers in the English source text, for tests that check what a column holds rather than its language."""
    client.cookies["django_language"] = "en"


def export_url(file_format, contest):
    return reverse("reports:export", args=[file_format]) + f"?contest={contest.slug}"


def download(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(response):
    content = download(response)
    assert content.startswith(BOM)
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(download(response)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    return sheet, [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


class TestCsv:
    def test_it_has_a_row_per_clip_with_the_registration_and_the_screening(
        self, client, data_officer, clips, in_english
    ):
        client.force_login(data_officer)
        response = client.get(export_url("csv", clips[0].contest))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = read_csv(response)
        assert [row["Code"] for row in rows] == ["CDS2024-0001", "CDS2024-0002", "CDS2024-0003"]
        first = rows[0]
        assert first["Title"] == "Chuyển đổi số ở bản Mòng"
        assert first["Genre"] == clips[0].genre.name
        assert first["Status"] == "finalist"
        assert first["Submitted"] == "2024-08-30 23:30"
        assert first["Duration (s)"] == "125.4"
        assert first["Size (bytes)"] == "12,345,678"
        assert first["SHA-256"] == "ab" * 32
        assert first["Media"] == "processing"
        assert first["Technical flags"] == "no sound, low resolution"
        assert first["Decided by"] == "Nguyễn Văn Ban Tổ Chức"
        assert first["Decided"] == "2024-09-09 23:30"
        assert first["Screening recommendations"] == "2 shortlist / 1 not"
        assert first["Registrant"] == "Cầm Văn Bob"
        assert first["Group name"] == "Đội Mường La"
        assert first["Co-authors"] == "Lò Thị Alice"
        assert first["District / city"] == clips[0].contest.localities.first().name
        assert rows[1]["Reason for the decision"] == "Chưa đúng chủ đề"
        assert rows[1]["Screening recommendations"] == ""
        assert rows[2]["Registrant"] == "Hà Thị Charlie"
        assert rows[2]["District / city"] == ""

    def test_the_committee_sees_the_personal_data(self, client, data_officer, clips, in_english):
        client.force_login(data_officer)
        first = read_csv(client.get(export_url("csv", clips[0].contest)))[0]
        assert first["Personal ID number"] == BOB_ID[0]
        assert first["Date of birth"] == BOB_ID[1].isoformat()
        assert (first["E-mail"], first["Phone"], first["Address"]) == (BOB_EMAIL, BOB_PHONE, BOB_ADDRESS)

    def test_without_the_personal_data_permission_id_numbers_are_masked_and_contacts_left_out(
        self, client, secretary, clips, in_english
    ):
        client.force_login(secretary)
        response = client.get(export_url("csv", clips[0].contest))
        rows = read_csv(response)
        assert rows[0]["Personal ID number"] == "014******321"
        assert {"E-mail", "Phone", "Date of birth", "Address"}.isdisjoint(rows[0])
        content = download(client.get(export_url("csv", clips[0].contest))).decode("utf-8-sig")
        for secret in (BOB_ID[0], ALICE_ID[0], CHARLIE_ID[0], BOB_EMAIL, BOB_PHONE, BOB_ADDRESS, "1985"):
            assert secret not in content

    @pytest.mark.parametrize(("text", "in_csv"), [(text, in_csv) for text, in_csv, _in_xlsx in FORMULA_TITLES])
    def test_text_that_looks_like_a_formula_is_written_after_an_apostrophe(
        self, client, data_officer, clips, in_english, text, in_csv
    ):
        Submission.objects.filter(pk=clips[2].pk).update(title=text, duration=-1.5)
        Submission.objects.filter(pk=clips[1].pk).update(decision_reason=text)
        client.force_login(data_officer)
        rows = read_csv(client.get(export_url("csv", clips[0].contest)))
        assert rows[2]["Title"] == in_csv
        assert rows[1]["Reason for the decision"] == in_csv
        assert rows[0]["Title"] == "Chuyển đổi số ở bản Mòng"
        # A CSV holds text only: a number is written as the pages write it, and a negative one is guarded as any
        # text is (the XLSX keeps it a number).
        assert rows[2]["Duration (s)"] == "'-1.5"
        assert rows[0]["Size (bytes)"] == "12,345,678"

    def test_a_vietnamese_reader_gets_vietnamese_headers_and_text_intact(self, client, data_officer, clips):
        client.force_login(data_officer)
        rows = read_csv(client.get(export_url("csv", clips[0].contest), HTTP_ACCEPT_LANGUAGE="vi"))
        assert rows[0]["Mã"] == "CDS2024-0001"
        assert rows[0]["Tên clip"] == "Chuyển đổi số ở bản Mòng"
        assert rows[2]["Trạng thái"] == "đã tiếp nhận"

    def test_a_vietnamese_reader_gets_numbers_as_the_pages_write_them(self, client, data_officer, clips):
        client.force_login(data_officer)
        rows = read_csv(client.get(export_url("csv", clips[0].contest), HTTP_ACCEPT_LANGUAGE="vi"))
        assert rows[0]["Thời lượng (giây)"] == "125,4"
        assert rows[0]["Dung lượng (byte)"] == "12.345.678"

    def test_the_file_is_named_after_the_contest_and_the_day(self, client, data_officer, clips):
        client.force_login(data_officer)
        response = client.get(export_url("csv", clips[0].contest))
        today = timezone.localdate().isoformat()
        assert response["Content-Disposition"] == f'attachment; filename="cds2024-bai-du-thi-{today}.csv"'


class TestXlsx:
    def test_it_reads_back_with_real_dates_in_vietnamese_time(self, client, data_officer, clips, in_english):
        client.force_login(data_officer)
        response = client.get(export_url("xlsx", clips[0].contest))
        assert response.status_code == 200
        today = timezone.localdate().isoformat()
        assert response["Content-Disposition"] == f'attachment; filename="cds2024-bai-du-thi-{today}.xlsx"'
        sheet, rows = read_xlsx(response)
        assert [row["Code"] for row in rows] == ["CDS2024-0001", "CDS2024-0002", "CDS2024-0003"]
        first = rows[0]
        assert first["Title"] == "Chuyển đổi số ở bản Mòng"
        assert first["Submitted"] == datetime.datetime(2024, 8, 30, 23, 30)
        assert first["Duration (s)"] == 125.4
        assert first["Size (bytes)"] == 12_345_678
        assert first["Date of birth"] == datetime.datetime(1985, 2, 3)
        # Kept as text: the leading zero of an ID number is not lost.
        assert first["Personal ID number"] == BOB_ID[0]
        assert first["Co-authors"] == "Lò Thị Alice"
        assert first["Screening recommendations"] == "2 shortlist / 1 not"
        assert rows[1]["Decided"] == datetime.datetime(2024, 9, 9, 23, 30)
        assert rows[2]["Decided"] is None

    def test_the_header_is_bold_frozen_and_the_columns_wide_enough(self, client, data_officer, clips):
        client.force_login(data_officer)
        sheet, _rows = read_xlsx(client.get(export_url("xlsx", clips[0].contest)))
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.freeze_panes == "B2"
        assert sheet.column_dimensions["B"].width >= 30
        assert sheet["E2"].number_format == "dd/mm/yyyy hh:mm"

    def test_without_the_personal_data_permission_id_numbers_are_masked(
        self, client, secretary, clips, in_english
    ):
        client.force_login(secretary)
        _sheet, rows = read_xlsx(client.get(export_url("xlsx", clips[0].contest)))
        assert [row["Personal ID number"] for row in rows] == ["014******321", "014******321", "014******777"]
        assert {"E-mail", "Phone", "Date of birth", "Address"}.isdisjoint(rows[0])
        values = {str(value) for row in rows for value in row.values()}
        assert not {BOB_ID[0], CHARLIE_ID[0], ALICE_ID[0], BOB_EMAIL, BOB_PHONE, BOB_ADDRESS} & values

    @pytest.mark.parametrize(("text", "in_xlsx"), [(text, in_xlsx) for text, _in_csv, in_xlsx in FORMULA_TITLES])
    def test_text_that_looks_like_a_formula_is_written_after_an_apostrophe(
        self, client, data_officer, clips, in_english, text, in_xlsx
    ):
        Submission.objects.filter(pk=clips[2].pk).update(title=text, duration=-1.5)
        Submission.objects.filter(pk=clips[1].pk).update(decision_reason=text)
        client.force_login(data_officer)
        sheet, rows = read_xlsx(client.get(export_url("xlsx", clips[0].contest)))
        assert rows[2]["Title"] == in_xlsx
        assert sheet["B4"].data_type == "s"
        assert rows[1]["Reason for the decision"] == in_xlsx
        assert rows[0]["Title"] == "Chuyển đổi số ở bản Mòng"
        assert rows[2]["Duration (s)"] == -1.5
        assert rows[0]["Size (bytes)"] == 12_345_678

    def test_a_character_xml_cannot_hold_is_dropped_and_the_formula_still_seen(
        self, client, data_officer, clips, in_english
    ):
        Submission.objects.filter(pk=clips[2].pk).update(title='\x0b=HYPERLINK("http://evil.example","Xem")')
        client.force_login(data_officer)
        _sheet, rows = read_xlsx(client.get(export_url("xlsx", clips[0].contest)))
        assert rows[2]["Title"] == '\'=HYPERLINK("http://evil.example","Xem")'


class TestTheExportFunction:
    """What an admin action ("Export the selected clips") calls with the rows ticked on the list."""

    def test_it_exports_only_the_selected_rows(self, data_officer, clips, english):
        selected = Submission.objects.filter(pk__in=[clips[0].pk, clips[2].pk])
        response = submissions_export(queryset=selected, user=data_officer, format="csv")
        assert [row["Code"] for row in read_csv(response)] == ["CDS2024-0001", "CDS2024-0003"]

    def test_the_selection_may_carry_joins_without_repeating_rows(self, data_officer, clips, english):
        # An admin search across co-authors joins them; each clip is still one row, its votes counted once.
        selected = Submission.objects.filter(registration__coauthors__full_name__contains="Alice")
        rows = read_csv(submissions_export(queryset=selected, user=data_officer, format="csv"))
        assert [row["Code"] for row in rows] == ["CDS2024-0001", "CDS2024-0002"]
        assert rows[0]["Screening recommendations"] == "2 shortlist / 1 not"

    def test_it_reads_a_fixed_number_of_queries_whatever_the_rows(self, data_officer, clips):
        def queries_for(queryset):
            user = get_user_model().objects.get(pk=data_officer.pk)  # permissions not cached yet, each time
            with CaptureQueriesContext(connection) as captured:
                download(submissions_export(queryset=queryset, user=user, format="xlsx"))
            return len(captured)

        one = queries_for(Submission.objects.filter(pk=clips[0].pk))
        for n in range(47):
            add_clip(clips[2].registration, title=f"Clip {n}", submitted_at=timezone.now())
        assert Submission.objects.count() == 50
        assert queries_for(Submission.objects.all()) == one

    def test_a_csv_stays_in_the_language_it_was_asked_in_while_it_streams(self, data_officer, clips):
        with translation.override("en"):
            response = submissions_export(queryset=Submission.objects.all(), user=data_officer, format="csv")
        # The server sends the rows after the view has returned, when another language may be active.
        with translation.override("vi"):
            rows = read_csv(response)
        assert rows[2]["Status"] == "received"
        assert rows[0]["Technical flags"] == "no sound, low resolution"

    def test_it_refuses_a_user_who_may_not_export(self, screener, clips):
        # No match=: submissions_export raises PermissionDenied without a message.
        with pytest.raises(PermissionDenied):
            submissions_export(queryset=Submission.objects.all(), user=screener, format="xlsx")

    def test_it_refuses_an_unknown_format(self, data_officer, clips):
        with pytest.raises(ValueError, match="format must be one of .*, not 'pdf'"):
            submissions_export(queryset=Submission.objects.all(), user=data_officer, format="pdf")

    def test_rows_of_several_contests_are_named_without_a_contest(self, data_officer, clips, register, alice):
        contest = clips[0].contest
        other = load_son_la_2024(
            slug="son-la-2025", code_prefix="CDS2025", opens_at=contest.opens_at, closes_at=contest.closes_at
        )
        registration = registration_save(
            contest=other,
            user=alice,
            fields=registration_fields(other, full_name="Lò Thị Alice", person=ALICE_ID),
        )
        add_clip(registration, title="Năm sau", submitted_at=timezone.now())
        response = submissions_export(queryset=Submission.objects.all(), user=data_officer, format="csv")
        assert response["Content-Disposition"] == (
            f'attachment; filename="bai-du-thi-{timezone.localdate().isoformat()}.csv"'
        )
        assert len(read_csv(response)) == 4


class TestWhoMayExport:
    @pytest.mark.parametrize("file_format", ["csv", "xlsx"])
    def test_anonymous_visitors_are_sent_to_the_admin_login(self, client, clips, file_format):
        response = client.get(export_url(file_format, clips[0].contest))
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    @pytest.mark.parametrize("file_format", ["csv", "xlsx"])
    def test_an_entrant_is_sent_to_the_admin_login(self, client, bob, clips, file_format):
        client.force_login(bob)
        response = client.get(export_url(file_format, clips[0].contest))
        assert response.status_code == 302
        assert b"Bob" not in download(response)

    # A staff member of no contest finds no contest to export; one of it without the permission is refused.
    @pytest.mark.parametrize("user, status", [("outsider", 404), ("screener", 403)])
    def test_staff_without_the_export_permission_are_refused(self, client, clips, user, status, request):
        client.force_login(request.getfixturevalue(user))
        for file_format in ("csv", "xlsx"):
            response = client.get(export_url(file_format, clips[0].contest))
            assert response.status_code == status
            assert "Cầm Văn Bob".encode() not in download(response)

    def test_an_unknown_format_is_not_found(self, client, data_officer, clips):
        client.force_login(data_officer)
        assert client.get(reverse("reports:statistics") + "bai-du-thi.pdf").status_code == 404
