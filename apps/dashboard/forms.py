"""Forms of the web dashboard: the cohort's and the queue's filters (GET) and the flag
actions (POST)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from apps.dashboard.flag_queue import QUEUE_TABS, WAITING_HOURS, QueueFilters
from apps.dashboard.selectors import (
    DEFAULT_ADHERENCE_BELOW,
    DEFAULT_SILENT_DAYS_MIN,
    EPISODE_STATUSES,
    ORDERING_FIELDS,
    SummaryFilters,
)
from apps.flags.models import FlagSeverity, FlagStatus, ResolutionOutcome
from apps.flags.rules import rule_titles

ORDERING_CHOICES = [(name, name) for name in ORDERING_FIELDS] + [
    (f"-{name}", f"-{name}") for name in ORDERING_FIELDS
]


class CohortForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search by name")
    has_urgent_flags = forms.BooleanField(required=False, label="Has urgent flags")
    low_adherence = forms.BooleanField(
        required=False, label=f"Adherence under {round(DEFAULT_ADHERENCE_BELOW * 100)}%"
    )
    silent = forms.BooleanField(required=False, label=f"Silent {DEFAULT_SILENT_DAYS_MIN}+ days")
    status = forms.ChoiceField(
        required=False,
        choices=[(name, name.capitalize()) for name in EPISODE_STATUSES],
        label="Episodes",
    )
    ordering = forms.ChoiceField(required=False, choices=ORDERING_CHOICES)

    def episode_status(self) -> str:
        """The episodes shown: active ones unless the physiotherapist asked for others."""
        return (self.cleaned_data.get("status") if self.is_bound else None) or "active"

    def filters(self) -> SummaryFilters:
        data = self.cleaned_data
        return SummaryFilters(
            has_urgent_flags=True if data.get("has_urgent_flags") else None,
            adherence_below=DEFAULT_ADHERENCE_BELOW if data.get("low_adherence") else None,
            silent_days_min=DEFAULT_SILENT_DAYS_MIN if data.get("silent") else None,
        )


class FlagActionForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Note"
    )
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class FlagResolveForm(FlagActionForm):
    outcome = forms.ChoiceField(
        required=False,
        choices=[("", "Choose an outcome"), *(c for c in ResolutionOutcome.choices if c[0])],
        label="Outcome",
    )


def _waiting_label(hours: int) -> str:
    return f"{hours // 24} day{'s' if hours >= 48 else ''}" if hours >= 24 else f"{hours} h"


class QueueFilterForm(forms.Form):
    """The flag queue's filters (GET): every field optional."""

    status = forms.ChoiceField(
        required=False, choices=[(tab, tab.capitalize()) for tab in QUEUE_TABS]
    )
    severity = forms.ChoiceField(
        required=False, choices=[("", "Any severity"), *FlagSeverity.choices], label="Severity"
    )
    rule = forms.ChoiceField(required=False, label="Rule")
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)
    waiting = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any time"), *((str(h), _waiting_label(h)) for h in WAITING_HOURS)],
        label="Waiting at least",
    )
    group = forms.BooleanField(required=False, label="Group by patient")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Declared above as a ChoiceField; the form's copy is typed as any Field.
        cast(forms.ChoiceField, self.fields["rule"]).choices = [
            ("", "Any rule"),
            *sorted(rule_titles().items(), key=lambda item: item[1]),
        ]

    def queue_filters(self) -> QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return QueueFilters(
            status=data.get("status") or FlagStatus.OPEN,
            severity=data.get("severity") or None,
            rule=data.get("rule") or None,
            patient=data.get("patient"),
            waiting_hours=data.get("waiting"),
        )
