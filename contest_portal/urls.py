from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from submissions import reports, staff

# The committee's numbers: staff screens beside the admin, behind its login (admin_view).
reports_urls = (
    [
        path("", admin.site.admin_view(reports.statistics), name="statistics"),
        re_path(r"^bai-du-thi\.(?P<file_format>csv|xlsx)$", admin.site.admin_view(reports.export), name="export"),
    ],
    "reports",
)

urlpatterns = [
    path("admin/thong-ke/", include(reports_urls)),
    path("admin/cuoc-thi-dang-lam/", admin.site.admin_view(staff.working_contest_choose), name="working_contest"),
    path("admin/", admin.site.urls),
    path("tai-khoan/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("judging.urls")),
    path("", include("submissions.urls")),
]

# The portal's 400 page, with the reason when one is known (Django's own shows none).
handler400 = "contest_portal.bad_requests.bad_request"

admin.site.site_header = _("Contest portal administration")
admin.site.site_title = _("Contest portal")
admin.site.index_title = _("Administration")
