"""Where a patient's data lives: every model with a foreign-key path to Patient.

Found from the model graph, not listed by hand, so that a model added tomorrow is covered by
the access log (admin pages) and by erasure without anyone remembering to register it.
"""

from __future__ import annotations

from functools import lru_cache

from django.apps import apps as django_apps
from django.db import models


@lru_cache(maxsize=256)
def patient_lookup_for(model: type[models.Model]) -> str | None:
    """The ORM path from ``model`` to its patient's id, or None if it has no patient.

    Follows forward foreign keys (breadth first, at most three hops): e.g. ``"patient_id"``,
    ``"episode__patient_id"``. Users reach their patient record through the reverse one-to-one.
    Paths through a User are not followed: users are staff as often as patients (a flag's
    ``acknowledged_by`` is not the patient's data); the patient's own user-linked rows go with
    their user (CASCADE).
    """
    patient_model = django_apps.get_model("accounts", "Patient")
    user_model = django_apps.get_model("accounts", "User")
    if model is patient_model:
        return "pk"
    if model is user_model:
        return "patient__id"
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    for _hop in range(3):
        next_frontier = []
        for current, prefix in frontier:
            for field in current._meta.concrete_fields:
                if not field.is_relation or field.related_model is None:
                    continue
                if field.related_model is patient_model:
                    return f"{prefix}{field.name}_id"
                if field.related_model not in (user_model, current):
                    next_frontier.append((field.related_model, f"{prefix}{field.name}__"))
        frontier = next_frontier
    return None


def patient_data_models() -> list[tuple[type[models.Model], str]]:
    """Every installed model that holds one patient's data (not Patient and User themselves),
    with its lookup path."""
    patient_model = django_apps.get_model("accounts", "Patient")
    user_model = django_apps.get_model("accounts", "User")
    found = []
    for model in django_apps.get_models():
        if model in (patient_model, user_model) or model._meta.app_label == "audit":
            continue
        lookup = patient_lookup_for(model)
        if lookup is not None:
            found.append((model, lookup))
    return found
