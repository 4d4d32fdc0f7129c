from __future__ import annotations

import datetime as dt

import factory

from apps.consent.models import ConsentAcceptance, ConsentDocument


class ConsentDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentDocument
        django_get_or_create = ("version",)

    version = 1
    title = "Sharing your recovery data with your care team"
    text = "What we collect, who sees it, and how to withdraw."
    published_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def published_consent(version: int = 1) -> ConsentDocument:
    """Version ``version`` of the consent document, published (the migration publishes v1,
    but transactional tests flush it)."""
    return ConsentDocumentFactory(version=version)


def accepted(patient, version: int = 1) -> ConsentAcceptance:
    return ConsentAcceptance.objects.create(
        patient=patient,
        document=published_consent(version),
        accepted_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        created_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )


def withdrawn(patient, version: int = 1) -> ConsentAcceptance:
    acceptance = accepted(patient, version)
    acceptance.withdrawn_at = dt.datetime(2026, 11, 3, tzinfo=dt.UTC)
    acceptance.save(update_fields=["withdrawn_at"])
    return acceptance
