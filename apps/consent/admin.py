"""Consent documents are published in the admin (a new version is a new row); acceptances are
read-only there: only the patient gives or withdraws consent."""

from __future__ import annotations

from django.contrib import admin

from apps.consent.models import ConsentAcceptance, ConsentDocument, ConsentTranslation
from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin


class ConsentTranslationInline(admin.StackedInline):
    """The version in another language (reviewed before it is published, docs/i18n.md)."""

    model = ConsentTranslation
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        # Like the document: once accepted, what patients read never changes.
        return obj is None or not obj.acceptances.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.acceptances.exists()


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    inlines = [ConsentTranslationInline]
    list_display = ["version", "title", "published_at"]
    ordering = ["-version"]

    def get_readonly_fields(self, request, obj=None):
        # A published text is what patients agreed to: it never changes. Publish a new version.
        if obj is not None and obj.acceptances.exists():
            return ["version", "title", "text", "published_at"]
        return []

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.acceptances.exists()


@admin.register(ConsentAcceptance)
class ConsentAcceptanceAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = ["patient", "document", "accepted_at", "withdrawn_at"]
    list_select_related = ["patient__user", "document"]
    readonly_fields = ["patient", "document", "accepted_at", "withdrawn_at", "created_at"]
