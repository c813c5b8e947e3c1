from django import template

from submissions.staff import contests_of

register = template.Library()


@register.simple_tag(takes_context=True)
def working_contests(context):
    """The contest the staff member is working on, and every contest they may switch to."""
    user = context["request"].user
    contest = getattr(user, "working_contest", None)
    if contest is None:
        return {}
    return {"contest": contest, "choices": list(contests_of(user).only("pk", "short_name").order_by("-opens_at"))}
