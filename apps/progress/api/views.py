from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsPatient, signed_in_user
from apps.accounts.selectors import patient_of_user
from apps.progress.api.serializers import ProgressSerializer, TrendsSerializer
from apps.progress.selectors import Progress, patient_progress
from apps.progress.trends import Trends, patient_trends


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

    @extend_schema(
        responses={
            200: ProgressSerializer,
            403: OpenApiResponse(description="Not a patient."),
        },
        tags=["me"],
    )
    def get(self, request: Request) -> Response:
        progress = patient_progress(patient_of_user(signed_in_user(request)))
        return Response(ProgressSerializer(progress_body(progress)).data)


def trends_body(trends: Trends) -> dict:
    return {
        "episode": trends.episode.pk if trends.episode is not None else None,
        "date_from": trends.date_from,
        "date_to": trends.date_to,
        "pain_7d_mean": trends.pain_7d_mean,
        "pain_7d_change": trends.pain_7d_change,
        "pain_7d": [{"date": day, "mean": mean} for day, mean in trends.pain_7d],
        "pain_weeks": [vars(week) for week in trends.pain_weeks],
        "adherence_weeks": [vars(week) for week in trends.adherence_weeks],
        "scores": [
            {
                "instrument": series.instrument,
                "score": series.score,
                "better": series.better,
                "mcid": series.mcid,
                "mdc": series.mdc,
                "range": list(series.range),
                "baseline": series.baseline,
                "points": [{"date": day, "value": value} for day, value in series.points],
            }
            for series in trends.scores
        ],
    }


class MyProgressTrendsView(APIView):
    """My own trends over my current episode: 7-day means of pain and their change, pain per
    week since onset, exercise adherence per week, questionnaire scores over time - the
    definitions the care team's dashboard uses."""

    permission_classes = [IsPatient]

    @extend_schema(
        responses={
            200: TrendsSerializer,
            403: OpenApiResponse(description="Not a patient."),
        },
        tags=["me"],
    )
    def get(self, request: Request) -> Response:
        trends = patient_trends(patient_of_user(signed_in_user(request)))
        return Response(TrendsSerializer(trends_body(trends)).data)
