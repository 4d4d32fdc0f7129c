from django.urls import path

from apps.accounts.api import views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/enrol/", views.EnrolView.as_view(), name="auth-enrol"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/password/change/", views.PasswordChangeView.as_view(), name="auth-password-change"),
    path("auth/password/reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("patients/", views.PatientListCreateView.as_view(), name="patient-list"),
    path("patients/<uuid:patient_id>/", views.PatientDetailView.as_view(), name="patient-detail"),
    path(
        "patients/<uuid:patient_id>/enrolment-code/",
        views.EnrolmentCodeView.as_view(),
        name="patient-enrolment-code",
    ),
    path("me/", views.MeView.as_view(), name="me"),
]
