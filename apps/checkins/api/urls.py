from django.urls import path

from apps.checkins.api import views

# checkins/, checkins/{id}/ and sync/ are apps.intake's (the writes carry the flag engine's
# advice); their GETs are the read views of apps.checkins.api.views.
urlpatterns = [
    path(
        "patients/<uuid:patient_id>/timeline/",
        views.TimelineView.as_view(),
        name="patient-timeline",
    ),
]
