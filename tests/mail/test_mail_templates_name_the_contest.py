"""Every e-mail a contest sends names the contest, in its subject and in its text, so a reader with several
contests' mails (or none in mind) knows which one it is about; the account mails name the portal instead
(tests/accounts)."""

import re
from pathlib import Path

import pytest

EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"
NAMES_THE_CONTEST = re.compile(r"contest\.(name|short_name)\b")


@pytest.mark.parametrize("template", sorted(path.name for path in EMAILS.iterdir()), ids=str)
def test_the_mail_template_names_its_contest(template):
    assert NAMES_THE_CONTEST.search((EMAILS / template).read_text()), f"{template} does not name the contest"
