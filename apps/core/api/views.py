from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.health import run_health_checks

_component = inline_serializer(
    "HealthComponent",
    {
        "status": serializers.ChoiceField(["ok", "degraded", "error"]),
        "detail": serializers.CharField(),
        "age_seconds": serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="worker: seconds since the last heartbeat (null: never seen)",
        ),
        "ages_seconds": serializers.DictField(
            child=serializers.IntegerField(allow_null=True),
            required=False,
            help_text="backlog: per queue, the age of its oldest pending item (null: empty)",
        ),
    },
)
_health = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(["ok", "error"]),
        "components": serializers.DictField(child=_component),
    },
)


class HealthView(APIView):
    """Liveness and readiness: 200 when the database and the broker answer, a worker ran
    beat's heartbeat recently and no critical queue is stuck; 503 otherwise. A late,
    non-critical queue is `degraded` (still 200). See docs/operations.md."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: _health, 503: OpenApiResponse(_health, description="A component failed")},
        tags=["health"],
    )
    def get(self, request: Request) -> Response:
        healthy, components = run_health_checks()
        return Response(
            {"status": "ok" if healthy else "error", "components": components},
            status=200 if healthy else 503,
        )
