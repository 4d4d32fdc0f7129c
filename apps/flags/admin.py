"""Admin: flags and evaluation records, read-only.

A flag is clinical history: what the engine saw (evidence, dates, summary) is never edited
here, and its status changes only through the services the API and the dashboard use
(`flag_acknowledge`, `flag_resolve`), offered as admin actions. So the admin can never leave a
flag in a state the services would not (e.g. acknowledged with no one recorded, or a resolved
flag re-opened behind the partial unique constraint's back).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.core.admin import ClinicScopedAdminMixin, ReadOnlyAdminMixin
from apps.core.exceptions import Conflict
from apps.flags import services
from apps.flags.models import Evaluation, Flag, severity_rank_expression
from apps.flags.rules import rule_title


def _apply(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Flag],
    *,
    service: Callable[..., Flag],
    done: str,
) -> None:
    """Call ``service`` for each selected flag as the signed-in admin and report the outcome;
    a flag the service refuses (already resolved) is reported and left as it is."""
    changed = unchanged = 0
    refused: list[str] = []
    for flag in queryset.order_by("opened_at", "id"):
        before = flag.status
        try:
            after = service(flag=flag, by=request.user)
        except Conflict:
            refused.append(str(flag.pk))
            continue
        if after.status == before:
            unchanged += 1
        else:
            changed += 1
    if changed:
        model_admin.message_user(request, f"{changed} flag(s) {done}.", messages.SUCCESS)
    if unchanged:
        model_admin.message_user(
            request, f"{unchanged} flag(s) were already {done}; left as they were.", messages.INFO
        )
    if refused:
        model_admin.message_user(
            request,
            f"{len(refused)} flag(s) are resolved and were not changed: {', '.join(refused)}.",
            messages.WARNING,
        )


@admin.register(Flag)
class FlagAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    patient_path = "patient"
    list_display = [
        "severity_column",
        "rule_name",
        "patient",
        "status",
        "opened_at",
        "acknowledged_by_name",
        "resolved_at",
        "outcome",
    ]
    list_filter = ["status", "severity", "rule", "resolution"]
    list_select_related = ["patient__user", "acknowledged_by"]
    search_fields = ["rule", "=id", "=patient__id", "patient__user__last_name"]
    date_hierarchy = "opened_at"
    # Most pressing first (emergency … info), then the newest.
    ordering = [severity_rank_expression().asc(), "-opened_at", "id"]
    actions = ["acknowledge", "resolve"]

    @admin.display(description="severity", ordering="severity_rank")
    def severity_column(self, flag: Flag) -> str:
        return flag.get_severity_display()

    @admin.display(description="Rule", ordering="rule")
    def rule_name(self, flag: Flag) -> str:
        return rule_title(flag.rule)

    @admin.display(description="Acknowledged by", ordering="acknowledged_by__last_name")
    def acknowledged_by_name(self, flag: Flag) -> str:
        user = flag.acknowledged_by
        return "" if user is None else (user.full_name or user.email)

    fieldsets = [
        (None, {"fields": ["id", "patient", "episode", "rule", "rule_version", "severity"]}),
        (
            "What the rule saw",
            {
                "fields": [
                    "clinician_summary",
                    "evidence",
                    "opened_for_date",
                    "last_held_on",
                    "held_dates",
                    "patient_message",
                ]
            },
        ),
        (
            "Status",
            {
                "fields": [
                    "status",
                    "opened_at",
                    "last_seen_at",
                    "acknowledged_by",
                    "acknowledged_at",
                    "resolved_by",
                    "resolved_at",
                    "resolution",
                    "note",
                    "cleared_on",
                    "escalated_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Flag | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        # The change page shows the patient, the episode and both staff users; the severity
        # column sorts by the severity order (Severity.rank), not alphabetically.
        flags: QuerySet[Flag] = (
            super()
            .get_queryset(request)
            .select_related("patient__user", "episode", "acknowledged_by", "resolved_by")
            .annotate(severity_rank=severity_rank_expression())
        )
        return flags

    # Flags are not changed in the admin, but a staff user allowed to change flags may act on
    # them through the services (Django's "change flag" permission).
    def has_act_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description="Acknowledge the selected flags", permissions=["act"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        _apply(self, request, queryset, service=services.flag_acknowledge, done="acknowledged")

    @admin.action(description="Resolve the selected flags", permissions=["act"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        # flag_resolve refuses a resolved flag; it never returns one unchanged.
        _apply(self, request, queryset, service=services.flag_resolve, done="resolved")


@admin.register(Evaluation)
class EvaluationAdmin(ClinicScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The latest outcome of evaluating every rule for one episode and date (an audit trail
    of the engine: why a flag did or did not open)."""

    patient_path = "episode__patient"

    list_display = ["date", "episode", "rules_held", "nightly", "updated_at"]
    list_filter = ["nightly"]
    list_select_related = ["episode"]
    search_fields = ["=episode__id", "=episode__patient__id"]
    date_hierarchy = "date"
    ordering = ["-date", "episode_id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Evaluation | None = None):
        return [field.name for field in self.model._meta.fields]

    @admin.display(description="rules held")
    def rules_held(self, evaluation: Evaluation) -> str:
        return ", ".join(sorted(evaluation.held)) or "–"
