"""URL conf of the benchmarks: the product's URLs plus the framework floors under /bench/."""

from django.urls import include, path

from backend.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *product_urlpatterns,
    path("bench/", include("apps.devtools.benchfloor.urls")),
]
