from __future__ import annotations

from django.urls import path

from apps.flags.api import views

urlpatterns = [
    path("flags/", views.FlagListView.as_view(), name="flag-list"),
    path("flags/<uuid:flag_id>/", views.FlagDetailView.as_view(), name="flag-detail"),
    path(
        "flags/<uuid:flag_id>/acknowledge/",
        views.FlagAcknowledgeView.as_view(),
        name="flag-acknowledge",
    ),
    path("flags/<uuid:flag_id>/resolve/", views.FlagResolveView.as_view(), name="flag-resolve"),
    path("flags/<uuid:flag_id>/reopen/", views.FlagReopenView.as_view(), name="flag-reopen"),
]
