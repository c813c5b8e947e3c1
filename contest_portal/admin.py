"""Admin pieces the apps share. This package is not an app: nothing is registered here."""

import re

# A row id as the database keeps it (a 64-bit integer): at most 19 digits. "5,000 digits".isdigit() is true
# too, and int() of it raises past 4,300 digits; the database would refuse it past 19 anyway.
_ROW_ID = re.compile(r"[0-9]{1,19}")


def row_id(value):
    """The id of a row named in a URL or a form (a string of ASCII digits), or None for anything else."""
    value = str(value)
    return int(value) if _ROW_ID.fullmatch(value) and int(value) < 2**63 else None


def admin_page(model_admin, request):
    """What a page of a ModelAdmin's own view needs besides its title and content, as the admin's own pages
    have it: the site's context (menu, user links) and the model's options (breadcrumbs)."""
    opts = model_admin.model._meta
    return {**model_admin.admin_site.each_context(request), "opts": opts, "app_label": opts.app_label}


class ReadOnly:
    """For a ModelAdmin or an inline whose rows change only through the services, or never: nobody adds,
    changes or deletes them by form, and whoever may view them reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
