from __future__ import annotations

from django.urls import path

from apps.exercises.api import views

urlpatterns = [
    path("exercises/", views.ExerciseListView.as_view(), name="exercise-list"),
    path(
        "episodes/<uuid:episode_id>/plans/",
        views.EpisodePlanListCreateView.as_view(),
        name="episode-plans",
    ),
    path(
        "episodes/<uuid:episode_id>/adherence/",
        views.EpisodeAdherenceView.as_view(),
        name="episode-adherence",
    ),
    path("me/plan/", views.MyPlanView.as_view(), name="me-plan"),
    path(
        "exercise-sessions/",
        views.ExerciseSessionListCreateView.as_view(),
        name="exercise-session-list",
    ),
    path(
        "exercise-sessions/<uuid:session_id>/",
        views.ExerciseSessionDetailView.as_view(),
        name="exercise-session-detail",
    ),
]
