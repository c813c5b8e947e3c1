"""Admin pieces the apps share. This package is not an app: nothing is registered here."""


class ReadOnly:
    """For a ModelAdmin or an inline whose rows change only through the services, or never: nobody adds,
    changes or deletes them by form, and whoever may view them reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
