"""The committee reads a decision e-mail's draft in the outbox, as the entrant will see it: the HTML preview
keeps the mail's own styles although the admin's policy forbids inline styles, and nothing breaks the policy."""

import pytest
from playwright.sync_api import expect

from contest_portal.mail.models import OutgoingMail
from submissions.decision_mail import decision_mail_prepare
from submissions.screening import submission_decide
from tests.conftest import ALICE_ID
from tests.staff import make_staff

from .conftest import DESKTOP, admin_log_in

pytestmark = pytest.mark.browser


def test_the_committee_previews_a_draft_as_the_entrant_will_see_it(
    new_page, live_contest, alice, register, submit
):
    committee = make_staff("btc@example.com", "committee")
    clip = submit(register(alice, "Lò Thị Alice", ALICE_ID), title="Chợ phiên trên điện thoại")
    submission_decide(submission=clip, user=committee, decision="shortlisted")
    decision_mail_prepare(submission=clip)
    draft = OutgoingMail.objects.get(kind="decision_shortlisted")
    page = new_page(DESKTOP)
    admin_log_in(page, "btc@example.com")

    page.goto(f"/admin/mail/outgoingmail/{draft.pk}/change/")

    expect(page.locator("#id_subject")).to_have_value(draft.subject)
    preview = page.frame_locator("iframe.mail-preview")
    expect(preview.locator("body")).to_contain_text("Chợ phiên trên điện thoại")
    assert page.locator("#id_body_text").evaluate("e => getComputedStyle(e).fontFamily") == "monospace"
