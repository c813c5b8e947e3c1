from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def vnd(amount):
    """An amount of đồng as the reader's language writes it: 5.000.000 đ, or 5,000,000 VND."""
    return _("%(amount)s đ") % {"amount": formats.number_format(amount, decimal_pos=0, force_grouping=True)}


@register.filter
def duration(seconds):
    seconds = round(seconds or 0)
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def bytes_exact(size):
    """A size readable at a glance, with the exact byte count an entrant can check against their file."""
    return _("%(size)s (%(bytes)s bytes)") % {
        "size": filesizeformat(size),
        "bytes": formats.number_format(size, decimal_pos=0, force_grouping=True),
    }
