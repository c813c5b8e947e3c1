"""manage.py load_son_la_2024 loads the real contest exactly as its rules state, and keeps the committee's edits."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from submissions.models import Contest, StaffRole

pytestmark = pytest.mark.django_db
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_it_loads_the_contest_as_the_rules_state():
    call_command("load_son_la_2024")
    contest = Contest.objects.get(slug="son-la-2024")
    assert contest.name == "Cuộc thi tìm hiểu, tuyên truyền về Chuyển đổi số tỉnh Sơn La năm 2024"
    assert contest.theme == "Số hoá các ngành kinh tế, quản trị số, dữ liệu số"
    assert contest.closes_at == datetime.datetime(2024, 8, 30, 23, 59, 59, tzinfo=VIETNAM)
    assert contest.clips_per_author == 3
    assert contest.contact_email == "cuocthichuyendoiso@sonla.gov.vn"
    assert contest.fanpage_url == "https://facebook.com/chuyendoisostonla2024"
    assert "27-KH/BCĐ" in contest.legal_basis and "03-QĐ/BTC" in contest.legal_basis
    assert "Ban Tuyên giáo Tỉnh uỷ" in contest.preliminary_round
    tiers = [(t.name, t.amount, t.honour, t.is_side_prize) for t in contest.prize_tiers.all()]
    assert tiers == [
        ("Giải Nhất", 5_000_000, "Bằng khen của Chủ tịch UBND tỉnh", False),
        ("Giải Nhì", 3_000_000, "", False),
        ("Giải Ba", 2_000_000, "", False),
        ("Giải Khuyến khích", 1_000_000, "", False),
        ("Giải phụ", 1_000_000, "", True),
    ]
    assert contest.categories.count() == 5
    assert contest.genres.count() == 2


def test_loading_again_keeps_the_committees_prize_counts():
    call_command("load_son_la_2024")
    contest = Contest.objects.get(slug="son-la-2024")
    contest.prize_tiers.filter(name="Giải Khuyến khích").update(count=5)
    call_command("load_son_la_2024")
    assert contest.prize_tiers.get(name="Giải Khuyến khích").count == 5
    assert Contest.objects.count() == 1


def test_the_demo_contest_is_open_now_and_the_logins_are_printed(capsys):
    call_command("load_demo")
    demo = Contest.objects.get(slug="demo-son-la-2024")
    assert demo.is_open()
    assert Contest.objects.current() == demo
    out = capsys.readouterr().out
    assert "thisinh@demo.local" in out and "admin@demo.local" in out
    # A second contest, announced for later, so the front page lists two.
    later = Contest.objects.get(slug="demo-cds-2025")
    assert later.is_upcoming() and later.stage == "announced" and later.code_prefix != demo.code_prefix
    committee = StaffRole.objects.filter(user__email="bantochuc@demo.local")
    assert sorted(committee.values_list("contest__slug", flat=True)) == ["demo-cds-2025", "demo-son-la-2024"]


def test_load_demo_runs_again_without_doubling_anything(capsys):
    call_command("load_demo")
    call_command("load_demo")
    assert Contest.objects.count() == 2
    assert StaffRole.objects.filter(user__email="giamkhao1@demo.local").count() == 2
