from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import factory

from apps.assessments.models import Assessment
from apps.treatments.models import ImagingStudy, Treatment
from tests.episodes.factories import EpisodeFactory


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    episode = factory.SubFactory(EpisodeFactory)
    patient = factory.LazyAttribute(lambda row: row.episode.patient)
    client_id = factory.LazyFunction(uuid.uuid4)
    date = factory.LazyFunction(lambda: dt.date.today())  # noqa: DTZ011
    test = "timed_up_and_go"
    value = Decimal("12.5")


class TreatmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Treatment

    episode = factory.SubFactory(EpisodeFactory)
    patient = factory.LazyAttribute(lambda row: row.episode.patient)
    client_id = factory.LazyFunction(uuid.uuid4)
    kind = "protected_weight_bearing"
    starts_on = factory.LazyFunction(lambda: dt.date.today())  # noqa: DTZ011
    detail = factory.LazyFunction(lambda: {"level": "toe_touch", "aid": "crutches"})


class ImagingStudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImagingStudy

    episode = factory.SubFactory(EpisodeFactory)
    patient = factory.LazyAttribute(lambda row: row.episode.patient)
    client_id = factory.LazyFunction(uuid.uuid4)
    date = factory.LazyFunction(lambda: dt.date.today())  # noqa: DTZ011
    modality = "mri"
    bone_marrow_edema = "moderate"
    report = "Bone marrow oedema of the left femoral head and neck."
