"""Forms of the web dashboard: the cohort's filters (GET) and the flag actions (POST)."""

from __future__ import annotations

from django import forms

from apps.dashboard.selectors import (
    DEFAULT_ADHERENCE_BELOW,
    DEFAULT_SILENT_DAYS_MIN,
    EPISODE_STATUSES,
    ORDERING_FIELDS,
    SummaryFilters,
)

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
