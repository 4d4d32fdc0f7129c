from __future__ import annotations

from django.urls import path

from apps.assessments.api import views

urlpatterns = [
    path(
        "episodes/<uuid:episode_id>/assessments/",
        views.EpisodeAssessmentListCreateView.as_view(),
        name="episode-assessments",
    ),
]
