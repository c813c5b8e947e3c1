from django import template

from ..judge_home import judge_home as judge_home_of

register = template.Library()


@register.simple_tag(takes_context=True)
def judge_home(context):
    """For a judge: the final round's due date, their progress, the next clip (judging.judge_home)."""
    return judge_home_of(judge=context["request"].user)
