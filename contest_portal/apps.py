from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin, with the portal's site (admin_site.py) as admin.site."""

    default_site = "contest_portal.admin_site.PortalAdminSite"
