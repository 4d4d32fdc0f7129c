from __future__ import annotations

from django.urls import path

from apps.treatments.api import views

urlpatterns = [
    path(
        "episodes/<uuid:episode_id>/treatments/",
        views.EpisodeTreatmentListCreateView.as_view(),
        name="episode-treatments",
    ),
    path(
        "episodes/<uuid:episode_id>/treatments/<uuid:treatment_id>/",
        views.EpisodeTreatmentDetailView.as_view(),
        name="episode-treatment-detail",
    ),
    path(
        "episodes/<uuid:episode_id>/imaging/",
        views.EpisodeImagingListCreateView.as_view(),
        name="episode-imaging",
    ),
]
