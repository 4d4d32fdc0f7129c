from django.urls import path

from apps.consent.api import views

urlpatterns = [
    path("consent/current/", views.CurrentConsentDocumentView.as_view(), name="consent-current"),
    path("me/consent/", views.MyConsentView.as_view(), name="me-consent"),
]
