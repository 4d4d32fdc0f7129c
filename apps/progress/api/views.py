from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsPatient, signed_in_user
from apps.accounts.selectors import patient_of_user
from apps.progress.api.serializers import ProgressSerializer
from apps.progress.selectors import Progress, patient_progress


def progress_body(progress: Progress) -> dict:
    expected = progress.expected
    return {
        "weeks_since_onset": progress.weeks_since_onset,
        "phase": progress.phase,
        "phase_reason": progress.decision.reason,
        "phase_code": progress.decision.code,
        "pain_7d_mean": progress.pain_7d_mean,
        "pain_7d_change": progress.pain_7d_change,
        "adherence_7d": progress.adherence_7d,
        "latest_scores": progress.latest_scores,
        "expected_course": None
        if expected is None
        else {
            "week": expected.week,
            "median_pain": expected.median_pain,
            "band": list(expected.band) if expected.band is not None else None,
            "source": expected.source,
            "n": expected.n,
            "peak_week": expected.peak_week,
            "stage": expected.stage,
        },
        "message": progress.message,
        "next": {
            "checkin_due_at": progress.checkin_due_at,
            "questionnaires_due": progress.questionnaires_due,
        },
    }


class MyProgressView(APIView):
    """Where I am in my recovery: the phase from my own 7-day means against the expected
    course, my numbers, a plain-words message, and what is due next."""

    permission_classes = [IsPatient]

    @extend_schema(responses={200: ProgressSerializer}, tags=["me"])
    def get(self, request: Request) -> Response:
        progress = patient_progress(patient_of_user(signed_in_user(request)))
        return Response(ProgressSerializer(progress_body(progress)).data)
