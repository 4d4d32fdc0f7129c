from django.urls import path

from apps.episodes.api import views

urlpatterns = [
    path(
        "patients/<uuid:patient_id>/episodes/",
        views.PatientEpisodesView.as_view(),
        name="patient-episodes",
    ),
    path("me/episodes/", views.MyEpisodesView.as_view(), name="my-episodes"),
    path("episodes/<uuid:episode_id>/", views.EpisodeDetailView.as_view(), name="episode-detail"),
]
