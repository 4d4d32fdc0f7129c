from django.urls import path

from apps.devtools.benchfloor.views import FloorCreateView, FloorListView, FloorPingView

urlpatterns = [
    path("ping/", FloorPingView.as_view(), name="floor-ping"),
    path("rows/", FloorCreateView.as_view(), name="floor-create"),
    path("rows/list/", FloorListView.as_view(), name="floor-list"),
]
