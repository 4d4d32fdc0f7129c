from django.urls import path

from apps.audit.api import views

urlpatterns = [
    path("me/access-log/", views.MyAccessLogView.as_view(), name="me-access-log"),
]
