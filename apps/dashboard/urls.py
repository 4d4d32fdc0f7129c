from django.contrib.auth import views as auth_views
from django.urls import path

from apps.accounts.throttles import throttle_login_form
from apps.dashboard import course_forms, views, views_flags, views_today

app_name = "dashboard"

urlpatterns = [
    path(
        "login/",
        # The sign-in budget per client address (apps.accounts.throttles); axes locks too.
        throttle_login_form(
            auth_views.LoginView.as_view(
                template_name="dashboard/login.html",
                redirect_authenticated_user=True,
                next_page="dashboard:today",
            )
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="dashboard:login"), name="logout"),
    path("", views_today.today, name="today"),
    path("patients/", views.cohort, name="cohort"),
    path("flags/", views_flags.flag_queue, name="flags"),
    path(
        "flags/<uuid:flag_id>/acknowledge/",
        views_flags.flag_acknowledge,
        name="flag-acknowledge",
    ),
    path("flags/<uuid:flag_id>/resolve/", views_flags.flag_resolve, name="flag-resolve"),
    path("flags/<uuid:flag_id>/reopen/", views_flags.flag_reopen, name="flag-reopen"),
    path("patients/<uuid:patient_id>/", views.patient_detail, name="patient"),
    # The clinical course's forms on the patient page (apps.dashboard.course_forms).
    path(
        "episodes/<uuid:episode_id>/assessments/",
        course_forms.assessment_create,
        name="course-assessment",
    ),
    path(
        "episodes/<uuid:episode_id>/treatments/",
        course_forms.treatment_create,
        name="course-treatment",
    ),
    path("episodes/<uuid:episode_id>/imaging/", course_forms.imaging_create, name="course-imaging"),
]
