from __future__ import annotations

from django.urls import path

from apps.notifications.api import views

urlpatterns = [
    path("devices/", views.DeviceListCreateView.as_view(), name="device-list"),
    path("devices/<uuid:device_id>/", views.DeviceDetailView.as_view(), name="device-detail"),
    path(
        "me/notifications/",
        views.MyNotificationListView.as_view(),
        name="my-notification-list",
    ),
    path(
        "me/notifications/<uuid:notification_id>/opened/",
        views.NotificationOpenedView.as_view(),
        name="notification-opened",
    ),
]
