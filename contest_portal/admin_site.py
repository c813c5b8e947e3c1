"""The portal's admin site (Django's, made the default by contest_portal.apps.AdminConfig)."""

from django.contrib import admin

from .personal_data import PersonalDataAdmin


class PortalAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model's admin, the portal's and the third-party apps' alike, refuses lookups, searches and
        orderings on personal data to those who may not see it: nobody has to remember to add it."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, PersonalDataAdmin):
            admin_class = type(
                admin_class.__name__,
                (PersonalDataAdmin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)
