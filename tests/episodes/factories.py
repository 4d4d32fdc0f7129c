from __future__ import annotations

import datetime as dt

import factory

from apps.episodes.models import Episode, EpisodeStatus, Side
from tests.accounts.factories import PatientFactory


class EpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Episode

    patient = factory.SubFactory(PatientFactory)
    affected_side = Side.LEFT
    symptom_onset_date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=60))  # noqa: DTZ011
    pregnancy_associated = False
    status = EpisodeStatus.ACTIVE
