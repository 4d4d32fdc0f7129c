"""Every /api/v1/ route. Each domain app contributes its own api/urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("apps.core.api.urls")),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.consent.api.urls")),
    path("", include("apps.episodes.api.urls")),
    # checkins/, checkins/{id}/ and sync/: apps.intake (the writes carry the flag engine's
    # advice; the GETs are apps.checkins.api.views'). patients/{id}/timeline/: apps.dashboard.
    path("", include("apps.intake.api.urls")),
    path("", include("apps.exercises.api.urls")),
    path("", include("apps.outcomes.api.urls")),
    path("", include("apps.assessments.api.urls")),
    path("", include("apps.treatments.api.urls")),
    path("", include("apps.flags.api.urls")),
    path("", include("apps.notifications.api.urls")),
    path("", include("apps.reminders.api.urls")),
    path("", include("apps.dashboard.api.urls")),
    path("", include("apps.audit.api.urls")),
    path("", include("apps.privacy.api.urls")),
    path("", include("apps.progress.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]
