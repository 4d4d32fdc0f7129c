"""`{% clinical_course episode section %}`: the clinical course section of the web patient page
(apps.dashboard.course_forms), included with one line in dashboard/patient.html. ``section``
is the `course_context` the page read already for its charts (then the tag reads nothing);
without it the tag reads the episode's course itself."""

from __future__ import annotations

from typing import Any

from django import template

from apps.dashboard.course_forms import course_context
from apps.episodes.models import Episode

register = template.Library()


@register.inclusion_tag("dashboard/_course_forms.html", takes_context=True)
def clinical_course(
    context: template.Context, episode: Episode | None, section: dict[str, Any] | None = None
) -> dict[str, Any]:
    found = section if section is not None else course_context(episode)
    return {**found, "csrf_token": context.get("csrf_token")}
