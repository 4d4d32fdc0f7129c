from django.urls import path

from apps.checkins.api import views

urlpatterns = [
    path("checkins/", views.CheckInListCreateView.as_view(), name="checkin-list"),
    path("checkins/<uuid:checkin_id>/", views.CheckInDetailView.as_view(), name="checkin-detail"),
    path("sync/", views.SyncView.as_view(), name="sync"),
]
