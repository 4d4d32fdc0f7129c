from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from apps.accounts.throttles import throttle_login_form

admin.site.site_header = "TOH Recovery administration"
admin.site.site_title = "TOH Recovery"
admin.site.site_url = "/dashboard/"  # "View site": the physiotherapist's dashboard


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """/favicon.ico, which browsers ask for on every page: the dashboard's icon."""
    return HttpResponseRedirect(static("dashboard/favicon.svg"))


urlpatterns = [
    # The admin's login form under the sign-in budget per client address (before admin/).
    path("admin/login/", throttle_login_form(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("backend.api_urls")),
    path("dashboard/", include("apps.dashboard.urls")),
    path("favicon.ico", favicon),
]

# Under /api/ these answer JSON in the error shape, elsewhere Django's pages (apps/core/api_errors).
handler400 = "apps.core.api_errors.bad_request"
handler403 = "apps.core.api_errors.permission_denied"
handler404 = "apps.core.api_errors.page_not_found"
handler500 = "apps.core.api_errors.server_error"
