from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.translation import gettext as _

from contest_portal.numbers import KINDS, number_for_people
from submissions.media.probe import format_duration
from submissions.phases import contest_phase

register = template.Library()


@register.filter
def vnd(amount):
    """An amount of đồng as the reader's language writes it: 5.000.000 đ, or 5,000,000 đ in English."""
    return _("%(amount)s đ") % {"amount": formats.number_format(amount, force_grouping=True)}


register.filter("duration", format_duration)


@register.filter
def number(value, kind="points"):
    """A score, maximum, weight, mean or z-score as people read it (contest_portal.numbers): `{{ score|number }}`,
    or with its kind when it is not points: `{{ criterion.weight|number:"weight" }}`, "mean", "zscore"."""
    return number_for_people(value, **KINDS[kind])


@register.filter
def bytes_exact(size):
    """A size readable at a glance, with the exact byte count an entrant can check against their file."""
    return _("%(size)s (%(bytes)s bytes)") % {
        "size": filesizeformat(size),
        "bytes": formats.number_format(size, force_grouping=True),
    }


@register.filter
def phase(contest):
    """The contest's phase now (submissions.phases), for pages that show it: `{% with now=contest|phase %}`."""
    return contest_phase(contest)
