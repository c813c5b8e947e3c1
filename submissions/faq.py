"""The contest's help page, /<slug>/hoi-dap/: the questions the committee writes (FaqEntry, edited with the
contest in the admin), then answers worked out from the contest's own settings (formats, size, duration,
deadline, clip limit; the contact box below them), so that every contest has a useful help page and those answers never go stale
when a setting changes."""

from dataclasses import dataclass

from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .media.probe import format_duration
from .views import contest_page


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # plain text; a blank line between paragraphs


def _paragraphs(*parts):
    return "\n\n".join(part for part in parts if part)


def faq_defaults(contest):
    """The answers the contest's settings give, in the reader's language."""
    containers = ", ".join(name.upper() for name in contest.accepted_containers)
    return [
        Answer(
            _("Which video files are accepted?"),
            _paragraphs(
                _("Clips in %(formats)s.") % {"formats": containers},
                _(
                    "A phone records MP4 (most Android phones) or MOV (iPhone): send the file as the phone saved "
                    "it, without converting it."
                )
                if {"mp4", "mov"} <= set(contest.accepted_containers)
                else "",
            ),
        ),
        Answer(
            _("How large may the file be?"),
            _paragraphs(
                _("At most %(size)s per clip.") % {"size": filesizeformat(contest.max_clip_size)},
                _(
                    "If your file is larger, film in 1080p (Full HD) rather than 4K: it is good enough for the "
                    "contest and a quarter of the size. On a slow connection the upload resumes where it stopped."
                ),
            ),
        ),
        Answer(
            _("How long must the clip be?"),
            _("From %(min)s to %(max)s.")
            % {"min": format_duration(contest.min_duration), "max": format_duration(contest.max_duration)},
        ),
        Answer(
            _("How do I film a good clip on a phone?"),
            _paragraphs(
                _("Hold the phone horizontally and steady, with both hands or on a stand."),
                _("Film in daylight or a well-lit room, with the light behind you, not behind the person filmed."),
                _(
                    "Find a quiet place and keep the phone close to whoever speaks: sound matters as much as image."
                ),
                _("Clean the lens, and check the first seconds before filming everything."),
            ),
        ),
        Answer(
            _("Until when can I submit?"),
            _paragraphs(
                _("Until %(deadline)s (Vietnam time).")
                % {"deadline": formats.date_format(timezone.localtime(contest.closes_at), "H:i d/m/Y")},
                _("A clip counts as submitted when its upload finishes: do not wait for the last hour."),
            ),
        ),
        Answer(
            _("How many clips may I enter?"),
            ngettext(
                "Each author or group of authors may enter at most %(limit)d clip. A withdrawn clip does not count.",
                "Each author or group of authors may enter at most %(limit)d clips. A withdrawn clip does not count.",
                contest.clips_per_author,
            )
            % {"limit": contest.clips_per_author},
        ),
    ]


@contest_page
def faq(request, contest):
    return render(
        request,
        "submissions/faq.html",
        {"contest": contest, "entries": contest.faq_entries.all(), "defaults": faq_defaults(contest)},
    )
