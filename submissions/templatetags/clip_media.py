"""What templates need to show a clip's media work: `{% load clip_media %}`."""

from django import template

from submissions.media import pipeline

register = template.Library()


@register.filter
def technical_flag_labels(codes):
    """`{% for label in submission.technical_flags|technical_flag_labels %}`: the flags as screeners read them."""
    return pipeline.technical_flag_labels(codes)
