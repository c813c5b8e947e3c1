"""The Sơn La Province 2024 digital transformation contest, as its rules (Quyết định 03-QĐ/BTC) state it: the
contest and its lists, and its prizes and rubric, which is why it lives in judging, the app that knows both."""

import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from submissions.models import ClipGenre, Contest, EntrantCategory, Locality
from submissions.phases import Phase

from .models import Criterion, FinalRound, PrizeTier

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
OPENS_AT = datetime.datetime(2024, 6, 12, 0, 0, 0, tzinfo=VIETNAM)
CLOSES_AT = datetime.datetime(2024, 8, 30, 23, 59, 59, tzinfo=VIETNAM)

CONTEST = {
    "code_prefix": "CDS2024",
    "name": "Cuộc thi tìm hiểu, tuyên truyền về Chuyển đổi số tỉnh Sơn La năm 2024",
    "short_name": "Cuộc thi Chuyển đổi số tỉnh Sơn La năm 2024",
    "organizer": "Ban Chỉ đạo Chuyển đổi số tỉnh Sơn La",
    "theme": "Số hoá các ngành kinh tế, quản trị số, dữ liệu số",
    "introduction": (
        "Nhằm tuyên truyền nâng cao nhận thức cho các cơ quan nhà nước, các tổ chức, doanh nghiệp, cán bộ, công chức, "
        "viên chức, doanh nhân, chiến sĩ lực lượng vũ trang, đoàn viên, hội viên, học sinh, sinh viên và nhân dân về "
        "nội dung cốt lõi, chủ yếu, những điểm mới về chủ trương, chính sách của Đảng, pháp luật của Nhà nước trong "
        "công tác chuyển đổi số, trọng tâm là số hoá các ngành kinh tế, quản trị số, dữ liệu số hướng đến lợi ích của "
        "người dân và doanh nghiệp. Đồng thời, cổ vũ, động viên, lan toả, chia sẻ các tập thể, cá nhân có những sáng "
        "kiến, cách làm hay, mô hình hiệu quả về chuyển đổi số của cơ quan nhà nước, của doanh nghiệp, của người dân, "
        "tạo sức lan toả mạnh mẽ trong toàn xã hội."
    ),
    "legal_basis": (
        "Kế hoạch số 27-KH/BCĐ ngày 24/5/2024 của Ban Chỉ đạo Chuyển đổi số tỉnh về tổ chức Cuộc thi tìm hiểu, "
        "tuyên truyền về Chuyển đổi số tỉnh Sơn La năm 2024.\n"
        "Quyết định số 03-QĐ/BTC ngày 12/6/2024 của Ban Tổ chức Cuộc thi về ban hành Thể lệ Cuộc thi."
    ),
    "eligibility": (
        "Cán bộ, đảng viên, công chức, viên chức, chiến sĩ lực lượng vũ trang đang công tác tại các cơ quan Đảng, "
        "Nhà nước, Mặt trận Tổ quốc và các tổ chức chính trị - xã hội các cấp; đoàn viên, hội viên, học sinh, sinh "
        "viên và nhân dân đang học tập, sinh sống và làm việc trên địa bàn tỉnh."
    ),
    "content_rules": (
        "Xây dựng clip về tiểu phẩm hoặc tình huống tuyên truyền về công tác chuyển đổi số tại cơ quan, đơn vị, "
        "địa phương; clip giới thiệu kiến thức, kỹ năng, kinh nghiệm, giải pháp, cách làm hay, sáng tạo về công tác "
        "chuyển đổi số gắn với chủ đề Cuộc thi."
    ),
    "dossier": "Phiếu đăng ký dự thi (theo mẫu); clip dự thi và văn bản kèm theo.",
    "preliminary_round": (
        "Cơ quan Thường trực Cuộc thi (Ban Tuyên giáo Tỉnh uỷ) đánh giá sơ loại các clip gửi tham dự. Xem xét, "
        "thẩm định, lựa chọn các clip bảo đảm về nội dung, hình thức, chất lượng tham gia vòng Chung kết."
    ),
    "final_round": (
        "Ban Giám khảo Cuộc thi tổ chức chấm các clip tham gia dự thi vòng Chung kết, đề nghị Ban Tổ chức Cuộc thi "
        "xem xét trao giải. Các clip tham gia dự thi vòng Chung kết sẽ được đăng tải trên Fanpage (facebook) "
        "“Cuộc thi Chuyển đổi số tỉnh Sơn La năm 2024” nhằm mục đích tuyên truyền về công tác chuyển đổi số trên "
        "địa bàn tỉnh Sơn La."
    ),
    "clips_per_author": 3,
    "max_clip_size": 4 * 1024**3,
    "accepted_containers": ["mp4", "mov", "avi", "mkv", "webm"],
    "min_duration": 30,
    "max_duration": 15 * 60,
    "allows_groups": True,
    "contact_email": "cuocthichuyendoiso@sonla.gov.vn",
    "fanpage_name": "Cuộc thi Chuyển đổi số tỉnh Sơn La năm 2024",
    "fanpage_url": "https://facebook.com/chuyendoisostonla2024",
}

CATEGORIES = [
    "Cán bộ, đảng viên, công chức, viên chức",
    "Chiến sĩ lực lượng vũ trang",
    "Đoàn viên, hội viên",
    "Học sinh, sinh viên",
    "Nhân dân",
]

GENRES = [
    (
        "Tiểu phẩm, tình huống tuyên truyền",
        "Tiểu phẩm hoặc tình huống tuyên truyền về công tác chuyển đổi số tại cơ quan, đơn vị, địa phương.",
    ),
    (
        "Giới thiệu kiến thức, giải pháp, cách làm hay",
        "Giới thiệu kiến thức, kỹ năng, kinh nghiệm, giải pháp, cách làm hay, sáng tạo về công tác chuyển đổi số.",
    ),
]

LOCALITIES = [
    "Thành phố Sơn La",
    "Huyện Quỳnh Nhai",
    "Huyện Thuận Châu",
    "Huyện Mường La",
    "Huyện Bắc Yên",
    "Huyện Phù Yên",
    "Huyện Mộc Châu",
    "Huyện Vân Hồ",
    "Huyện Yên Châu",
    "Huyện Mai Sơn",
    "Huyện Sông Mã",
    "Huyện Sốp Cộp",
    "Ngoài tỉnh Sơn La",
]

# The rules give each prize's amount, not how many are awarded: one of each until the committee says more.
PRIZE_TIERS = [
    ("Giải Nhất", 5_000_000, "Bằng khen của Chủ tịch UBND tỉnh", False),
    ("Giải Nhì", 3_000_000, "", False),
    ("Giải Ba", 2_000_000, "", False),
    ("Giải Khuyến khích", 1_000_000, "", False),
    ("Giải phụ", 1_000_000, "", True),
]

# The rules name no scale for the final round: a 100-point rubric after the rules' own words (content on the
# theme, creative practice, quality, communication), content and creativity breaking ties in that order.
CRITERIA = [
    (
        "Nội dung đúng chủ đề",
        "Đúng chủ đề Cuộc thi: số hoá các ngành kinh tế, quản trị số, dữ liệu số; thông tin chính xác, "
        "phù hợp với chủ trương, chính sách về chuyển đổi số.",
        30,
        True,
    ),
    (
        "Tính sáng tạo",
        "Ý tưởng, cách thể hiện mới; giải pháp, cách làm hay, sáng tạo về chuyển đổi số.",
        25,
        True,
    ),
    (
        "Chất lượng kỹ thuật",
        "Hình ảnh, âm thanh, dựng phim, phụ đề; thời lượng phù hợp.",
        25,
        False,
    ),
    (
        "Hiệu quả truyền thông",
        "Dễ hiểu, hấp dẫn, có sức lan toả; phù hợp để đăng tải trên Fanpage của Cuộc thi.",
        20,
        False,
    ),
]


@transaction.atomic
def load_son_la_2024(*, slug="son-la-2024", opens_at=OPENS_AT, closes_at=CLOSES_AT, **overrides):
    """Creates or refreshes the contest; lists are only filled when empty, so the committee's edits stay."""
    # Announced when first made; reloading it never moves a contest back to an earlier phase.
    contest, _ = Contest.objects.update_or_create(
        slug=slug,
        defaults={**CONTEST, "opens_at": opens_at, "closes_at": closes_at, **overrides},
        create_defaults={
            "stage": Phase.ANNOUNCED,
            **CONTEST,
            "opens_at": opens_at,
            "closes_at": closes_at,
            **overrides,
        },
    )
    if not contest.categories.exists():
        EntrantCategory.objects.bulk_create(
            EntrantCategory(contest=contest, name=name, order=i) for i, name in enumerate(CATEGORIES)
        )
    if not contest.genres.exists():
        ClipGenre.objects.bulk_create(
            ClipGenre(contest=contest, name=name, description=text, order=i)
            for i, (name, text) in enumerate(GENRES)
        )
    if not contest.localities.exists():
        Locality.objects.bulk_create(
            Locality(contest=contest, name=name, order=i) for i, name in enumerate(LOCALITIES)
        )
    if not contest.prize_tiers.exists():
        PrizeTier.objects.bulk_create(
            PrizeTier(
                contest=contest, name=name, order=i, count=1, amount=amount, honour=honour, is_side_prize=side
            )
            for i, (name, amount, honour, side) in enumerate(PRIZE_TIERS)
        )
    if not contest.criteria.exists():
        Criterion.objects.bulk_create(
            Criterion(
                contest=contest, name=name, description=text, max_points=points, order=i, breaks_ties=breaks_ties
            )
            for i, (name, text, points, breaks_ties) in enumerate(CRITERIA)
        )
    # Every judge scores every finalist, blind, by the mean, until the committee says otherwise.
    FinalRound.objects.get_or_create(contest=contest)
    return contest
