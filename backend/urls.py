from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "TOH Recovery administration"
admin.site.site_title = "TOH Recovery"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("backend.api_urls")),
    path("dashboard/", include("apps.dashboard.urls")),
]
