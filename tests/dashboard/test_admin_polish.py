"""Admin polish (issue 18): labels, "View site", flags by severity, the favicon."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin

from apps.flags.models import Flag
from apps.reminders.models import ReminderDelivery, ReminderSettings
from tests.accounts.factories import UserFactory
from tests.dashboard.conftest import patient_with_course
from tests.dashboard.factories import FlagFactory

pytestmark = pytest.mark.django_db


def test_labels_view_site_and_the_favicon(client):
    assert str(ReminderDelivery._meta.verbose_name_plural) == "reminder deliveries"
    assert str(ReminderSettings._meta.verbose_name_plural) == "reminder settings"
    favicon = client.get("/favicon.ico")  # loads the URLconf, which names the site URL
    assert admin.site.site_url == "/dashboard/"
    assert favicon.status_code == 302
    assert favicon["Location"].endswith("dashboard/favicon.svg")
    assert 'rel="icon"' in client.get("/admin/login/").content.decode()


def test_the_flag_list_puts_the_most_severe_first(client, care_team):
    episode = patient_with_course(care_team).episodes.get()
    for severity, rule in (("routine", "a"), ("emergency", "b"), ("soon", "c")):
        FlagFactory(episode=episode, severity=severity, rule=rule)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    html = client.get("/admin/flags/flag/").content.decode()

    ids = re.findall(r"/admin/flags/flag/([0-9a-f-]{36})/change/", html)
    severities = [Flag.objects.get(pk=pk).severity for pk in dict.fromkeys(ids)]
    assert severities == ["emergency", "soon", "routine"]
