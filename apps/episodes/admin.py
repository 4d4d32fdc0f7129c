"""Admin: an episode with its check-ins and exercise plans inline (the admin modules of
apps.checkins and apps.exercises register them onto it: `register_episode_inline`). The clinical
history is read-only here: it is written through the API, so that validation, idempotency and
the flag re-evaluation (`episode_record_changed`) always happen."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin

from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin
from apps.episodes.models import Episode

_inlines: list[tuple[int, type[InlineModelAdmin]]] = []


def register_episode_inline(inline: type[InlineModelAdmin], *, position: int) -> None:
    """Show ``inline`` on the episode's admin page (from a higher app's admin module:
    apps.checkins its check-ins at position 10, apps.exercises its plans at 20). Lower
    ``position`` first; registering an inline again changes nothing."""
    if all(existing is not inline for _, existing in _inlines):
        _inlines.append((position, inline))
        _inlines.sort(key=lambda entry: entry[0])
    EpisodeAdmin.inlines = [registered for _, registered in _inlines]


@admin.register(Episode)
class EpisodeAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = [
        "id",
        "patient",
        "affected_side",
        "symptom_onset_date",
        "status",
        "resolved_on",
        "created_at",
    ]
    list_filter = ["status", "affected_side", "diagnosis_method", "pregnancy_associated"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__email", "patient__user__last_name"]
    date_hierarchy = "symptom_onset_date"
    readonly_fields = [
        "id",
        "patient",
        "client_id",
        "affected_side",
        "symptom_onset_date",
        "diagnosis_date",
        "diagnosis_method",
        "pregnancy_associated",
        "home_treatment_started_on",
        "status",
        "resolved_on",
        "created_by",
        "created_at",
        "updated_at",
    ]
    # Filled by register_episode_inline (apps.episodes imports no record app above it).
    inlines: ClassVar[list[type[InlineModelAdmin]]] = []
