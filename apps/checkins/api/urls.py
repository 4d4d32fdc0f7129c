

# checkins/, checkins/{id}/ and sync/ are apps.intake's (the writes carry the flag engine's
# advice); their GETs are the read views of apps.checkins.api.views.
# patients/{id}/timeline/ is the dashboard's read model (apps/dashboard/course_by_date.py).
urlpatterns: list = []
