"""The summary of every error at the top of an entrant's form (snippets/form_errors.html): a long form on a
phone hides the fields marked in red far below, so each error is listed, named by its field's label, with a
link to the field."""

from django import forms, template

register = template.Library()


def _target(bound_field):
    # A group of radio buttons has no one element its label points to: the link goes to the first button.
    return bound_field.id_for_label or f"{bound_field.auto_id}_0"


def _form_items(form, name=""):
    items = [{"text": str(error), "target": ""} for error in form.non_field_errors()]
    for field_name, errors in form.errors.items():
        if field_name not in form.fields:
            continue  # non-field errors, listed above
        bound_field = form[field_name]
        # A box's label is a sentence: without its full stop before the colon that follows it here.
        label = str(bound_field.label).rstrip(".")
        label = f"{name} — {label}" if name else label
        items += [{"label": label, "text": str(error), "target": _target(bound_field)} for error in errors]
    return items


def _formset_items(formset, name):
    items = [{"label": name, "text": str(error), "target": ""} for error in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        if form.errors:
            items += _form_items(form, f"{name} {number}" if name else str(number))
    return items


@register.inclusion_tag("submissions/snippets/form_errors.html")
def form_errors(*parts, refusal=""):
    """`{% form_errors form %}`; on a page of several forms, a string before a form or formset names it:
    `{% form_errors form _("Co-author") formset guardian_form %}` lists "Co-author 2 — E-mail: …" (the guardian's
    labels name them already). `refusal` is a message of the page's own, not tied to a field."""
    items, name = [], ""
    for part in parts:
        if isinstance(part, forms.BaseFormSet):
            items += _formset_items(part, name)
        elif isinstance(part, forms.BaseForm):
            items += _form_items(part, name)
        else:
            # A name, or nothing: a page without its form (a refusal before it) passes an empty variable.
            name = str(part or "")
            continue
        name = ""
    return {
        "refusal": refusal,
        "items": items,
        # Only errors of the whole form (a refusal by the rules): said as they are, not as fields to correct.
        "field_count": sum(1 for item in items if item["target"]),
    }
