"""People who consent for themselves, in a real browser on a phone: a registrant names two co-authors, one
confirms by the mailed link and the other declines; a pupil registers with her father as guardian, who
consents by his mailed link without an account; the Standing Office can screen the pupil's clip only after
that. The group's clip, its co-author confirmed, may then take a prize, and the co-author downloads his own
certificate from his My clips."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from contest_portal.mail.models import OutgoingMail
from judging.models import FinalRound
from judging.prizes import side_prize_designate
from submissions.models import CoAuthor, Guardian, Submission
from tests.conftest import BOB_ID, CHARLIE_ID, make_user, open_final_round
from tests.judging.results_setup import set_prize_counts
from tests.staff import make_staff

from .conftest import DESKTOP, PHONE, admin_log_in, fill_registration_form, log_in

pytestmark = pytest.mark.browser


def _link_in(mail):
    return re.search(r"https?://\S+", mail.body_text).group(0)


def _path(url):
    return re.sub(r"^https?://[^/]+", "", url)


def _fits_the_phone(page):
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent||'').slice(0,40))"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"], wide


def _add_coauthor(page, index, *, name, email, born, id_number):
    page.locator("#add-coauthor").click()
    page.fill(f"#id_coauthors-{index}-full_name", name)
    page.fill(f"#id_coauthors-{index}-email", email)
    page.fill(f"#id_coauthors-{index}-date_of_birth", born)
    page.fill(f"#id_coauthors-{index}-id_number", id_number)


def _confirm_details(page):
    for name in ("accepts_rules", "consents_to_publication", "consents_to_data_processing"):
        page.check(f"input[name={name}]")


def test_co_authors_and_a_guardian_consent_for_themselves(new_page, live_contest, alice, submit, screenshot):
    dung, phuong = make_user("dung@example.com"), make_user("phuong@example.com")

    # Alice names two co-authors on her phone.
    registrant = new_page(PHONE)
    log_in(registrant, "alice@example.com")
    registrant.goto("/test-contest/phieu-dang-ky/")
    fill_registration_form(registrant, full_name="Lò Thị Alice", address="Bản Mòng, xã Hua La")
    registrant.fill("#id_group_name", "Nhóm Bản Mòng")
    # The form shows one empty co-author row; the button adds the second.
    registrant.fill("#id_coauthors-0-full_name", "Tòng Văn Dũng")
    registrant.fill("#id_coauthors-0-email", "dung@example.com")
    registrant.fill("#id_coauthors-0-date_of_birth", BOB_ID[1].isoformat())
    registrant.fill("#id_coauthors-0-id_number", BOB_ID[0])
    _add_coauthor(
        registrant,
        1,
        name="Vì Thị Phương",
        email="phuong@example.com",
        born=CHARLIE_ID[1].isoformat(),
        id_number=CHARLIE_ID[0],
    )
    registrant.locator("#registration-form [type=submit]").click()
    expect(registrant).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    registration = alice.registrations.get()
    clip = submit(registration, title="Bản Mòng lên mạng")
    registrant.reload()
    expect(registrant.locator(".waiting-coauthors")).to_contain_text("Tòng Văn Dũng")
    expect(registrant.locator(".waiting-coauthors")).to_contain_text("Vì Thị Phương")
    _fits_the_phone(registrant)

    # Dũng opens his mailed link, signs in, checks his details and consents.
    invitations = {mail.to: mail for mail in OutgoingMail.objects.filter(kind="coauthor_invitation")}
    assert set(invitations) == {"dung@example.com", "phuong@example.com"}
    coauthor = new_page(PHONE)
    log_in(coauthor, "dung@example.com")
    coauthor.goto(_path(_link_in(invitations["dung@example.com"])))
    expect(coauthor.locator("#coauthor-confirm")).to_be_visible()
    expect(coauthor.locator("#id_full_name")).to_have_value("Tòng Văn Dũng")
    coauthor.fill("#id_organisation", "Đoàn xã Hua La")
    _confirm_details(coauthor)
    _fits_the_phone(coauthor)
    screenshot(coauthor, "people-coauthor-confirm")
    coauthor.locator("#coauthor-confirm [name=confirm]").click()
    expect(coauthor).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    expect(coauthor.locator("#coauthored")).to_be_visible()
    expect(coauthor.locator(f".clip[data-code='{clip.code}']")).to_contain_text("Bản Mòng lên mạng")
    assert CoAuthor.objects.get(email="dung@example.com").user == dung

    # Phương says she is not an author.
    declining = new_page(PHONE)
    log_in(declining, "phuong@example.com")
    declining.goto(_path(_link_in(invitations["phuong@example.com"])))
    declining.once("dialog", lambda dialog: dialog.accept())
    declining.locator("form.decline button").click()
    expect(declining.locator("h1")).to_be_visible()
    assert not CoAuthor.objects.filter(email="phuong@example.com").exists()
    assert phuong.coauthorships.count() == 0
    assert OutgoingMail.objects.filter(kind="coauthor_declined", to="alice@example.com").exists()
    registrant.reload()
    expect(registrant.locator(".waiting-coauthors")).to_have_count(0)

    # A pupil of twelve registers, naming her father; he consents by his link, with no account.
    closing = timezone.localdate(live_contest.closes_at)
    born = closing.replace(year=closing.year - 12) + datetime.timedelta(days=1)
    make_user("na@example.com")
    pupil = new_page(PHONE)
    log_in(pupil, "na@example.com")
    pupil.goto("/test-contest/phieu-dang-ky/")
    fill_registration_form(pupil, full_name="Lò Thị Na", address="Bản Mòng, xã Hua La")
    pupil.fill("#id_date_of_birth", born.isoformat())
    pupil.fill("#id_id_number", f"0143{born.year % 100:02d}000123")
    pupil.locator("#registration-form [type=submit]").click()
    expect(pupil.locator("#guardian .message.error")).to_be_visible()
    pupil.fill("#id_guardian-full_name", "Lò Văn Bố")
    pupil.fill("#id_guardian-relation", "Bố")
    pupil.fill("#id_guardian-phone", "0912 333 444")
    pupil.fill("#id_guardian-email", "bo@example.com")
    for name in (
        "declares_originality",
        "accepts_rules",
        "consents_to_publication",
        "consents_to_data_processing",
    ):
        pupil.check(f"input[name={name}]")
    pupil.locator("#registration-form [type=submit]").click()
    expect(pupil).to_have_url(re.compile(r"/test-contest/clip-cua-toi/$"))
    pupil_clip = submit(Guardian.objects.get().registration, title="Em học trực tuyến")

    screener = new_page(DESKTOP)
    make_staff("vanphong@example.com", "office")
    admin_log_in(screener, "vanphong@example.com")
    screener.goto(f"/admin/submissions/submission/{pupil_clip.pk}/screen/")
    expect(screener.locator("#waiting-guardian")).to_contain_text("Lò Thị Na")
    expect(screener.locator("form.decision-shortlisted")).to_have_count(0)

    father = new_page(PHONE)
    father.goto(_path(_link_in(OutgoingMail.objects.get(kind="guardian_consent"))))
    expect(father.locator("#guardian-text")).to_be_visible()
    expect(father.locator("body")).to_contain_text("Em học trực tuyến")
    _fits_the_phone(father)
    screenshot(father, "people-guardian-consent")
    father.locator("#guardian-consent button").click()
    expect(father.locator("#consent-state")).to_be_visible()
    assert Guardian.objects.get().has_consented

    screener.reload()
    expect(screener.locator("#waiting-guardian")).to_have_count(0)
    screener.locator("form.decision-shortlisted button").click()
    expect(screener.locator(".messagelist .success")).to_contain_text(pupil_clip.code)
    assert Submission.objects.get(pk=pupil_clip.pk).status == Submission.Status.SHORTLISTED

    # The group's clip, chosen and told, wins the side prize (allowed: its only co-author confirmed); once the
    # results are out Dũng downloads his own certificate, and only his, on his phone.
    committee = make_staff("btc@example.com", "committee", full_name="Cầm Văn Hùng")
    now = timezone.now()
    Submission.objects.filter(pk=clip.pk).update(
        status=Submission.Status.SHORTLISTED, decided_at=now, decision_notified_at=now
    )
    contest = open_final_round(live_contest)
    tier = set_prize_counts(contest, phu=1)["phu"]
    side_prize_designate(tier=tier, submission=clip, user=committee, reason="Nhiều lượt xem nhất trên Fanpage.")
    FinalRound.objects.update_or_create(contest=contest, defaults={"results_published_at": now})

    coauthor.goto("/test-contest/clip-cua-toi/")
    card = coauthor.locator(f"#coauthored ~ ul li.clip[data-code='{clip.code}']")
    expect(card.locator("[data-stage=result]")).to_contain_text(tier.name)
    links = card.locator("a.certificate")
    expect(links).to_have_count(1)
    expect(links).to_contain_text("Tòng Văn Dũng")
    _fits_the_phone(coauthor)
    with coauthor.expect_download() as download_info:
        links.click()
    with open(download_info.value.path(), "rb") as pdf:
        text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf.read())).pages)
    assert "Tòng Văn Dũng" in text and "Lò Thị Alice" not in text
