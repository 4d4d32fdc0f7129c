from django.urls import path

from apps.privacy.api import exports, outcomes_export, views

urlpatterns = [
    path("me/export/", exports.MyExportView.as_view(), name="me-export"),
    path(
        "patients/<uuid:patient_id>/export/",
        exports.PatientExportView.as_view(),
        name="patient-export",
    ),
    path("cohort/export.csv", exports.CohortExportView.as_view(), name="cohort-export"),
    path(
        "cohort/outcomes.csv",
        outcomes_export.CohortOutcomesExportView.as_view(),
        name="cohort-outcomes-export",
    ),
    path(
        "cohort/course.csv", exports.CohortCourseExportView.as_view(), name="cohort-course-export"
    ),
    path(
        "patients/<uuid:patient_id>/erase/",
        views.PatientEraseView.as_view(),
        name="patient-erase",
    ),
]
