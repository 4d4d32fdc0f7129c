from django.urls import path

from apps.accounts.api import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/enrol/", views.EnrolView.as_view(), name="auth-enrol"),
    path("patients/", views.PatientListCreateView.as_view(), name="patient-list"),
    path("patients/<uuid:patient_id>/", views.PatientDetailView.as_view(), name="patient-detail"),
    path(
        "patients/<uuid:patient_id>/enrolment-code/",
        views.EnrolmentCodeView.as_view(),
        name="patient-enrolment-code",
    ),
    path("me/", views.MeView.as_view(), name="me"),
]
