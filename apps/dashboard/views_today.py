"""The today view, the dashboard's landing page: who needs the physiotherapist today."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.accounts.permissions import signed_in_user
from apps.dashboard.today import LONG_SILENT_DAYS, SILENT_DAYS, today_for
from apps.dashboard.visits import visit_today_view
from apps.dashboard.web import clinician_required, render_page


@require_GET
@clinician_required
def today(request: HttpRequest) -> HttpResponse:
    new_since = visit_today_view(user=signed_in_user(request))
    return render_page(
        request,
        "dashboard/today.html",
        {
            "today": today_for(signed_in_user(request), new_since=new_since),
            "silent_days": SILENT_DAYS,
            "long_silent_days": LONG_SILENT_DAYS,
            "nav": "today",
        },
    )
