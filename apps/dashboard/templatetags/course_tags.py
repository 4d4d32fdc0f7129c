"""`{% clinical_course episode %}`: the clinical course section of the web patient page
(apps.dashboard.course_forms), included with one line in dashboard/patient.html."""

from __future__ import annotations

from typing import Any

from django import template

from apps.dashboard.course_forms import course_context
from apps.episodes.models import Episode

register = template.Library()


@register.inclusion_tag("dashboard/_course_forms.html", takes_context=True)
def clinical_course(context: template.Context, episode: Episode | None) -> dict[str, Any]:
    return {**course_context(episode), "csrf_token": context.get("csrf_token")}
