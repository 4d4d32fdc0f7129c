from __future__ import annotations

from django.urls import path

from apps.reminders.api import views

urlpatterns = [path("me/reminders/", views.MyRemindersView.as_view(), name="my-reminders")]
