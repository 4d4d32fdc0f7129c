from __future__ import annotations

from django.urls import path

from apps.outcomes.api import views

urlpatterns = [
    path("instruments/", views.InstrumentListView.as_view(), name="instrument-list"),
    path(
        "instruments/<slug:code>/", views.InstrumentDetailView.as_view(), name="instrument-detail"
    ),
    path(
        "questionnaire-responses/",
        views.QuestionnaireResponseListCreateView.as_view(),
        name="questionnaire-response-list",
    ),
    path("me/questionnaires/", views.MyQuestionnairesView.as_view(), name="me-questionnaires"),
    path(
        "episodes/<uuid:episode_id>/questionnaire-schedule/",
        views.EpisodeQuestionnaireScheduleView.as_view(),
        name="episode-questionnaire-schedule",
    ),
    path(
        "patients/<uuid:patient_id>/questionnaire-requests/",
        views.PatientQuestionnaireRequestView.as_view(),
        name="patient-questionnaire-requests",
    ),
]
