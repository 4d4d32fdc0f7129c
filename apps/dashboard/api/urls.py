from django.urls import path

from apps.dashboard.api import views

urlpatterns = [
    path(
        "dashboard/patients/",
        views.PatientSummaryListView.as_view(),
        name="dashboard-patient-summaries",
    ),
    path(
        "patients/<uuid:patient_id>/timeline/",
        views.TimelineView.as_view(),
        name="patient-timeline",
    ),
]
