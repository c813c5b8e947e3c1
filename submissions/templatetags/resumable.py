from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def tus_chunk_size():
    """The size of each PATCH the browser sends (TUS_CHUNK_SIZE), as a plain number for a data attribute."""
    return str(settings.TUS_CHUNK_SIZE)
