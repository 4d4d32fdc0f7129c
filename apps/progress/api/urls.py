from django.urls import path

from apps.progress.api import views

urlpatterns = [
    path("me/progress/", views.MyProgressView.as_view(), name="me-progress"),
    path("me/progress/trends/", views.MyProgressTrendsView.as_view(), name="me-progress-trends"),
]
