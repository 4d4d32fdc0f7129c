"""Framework floors: the least a DRF endpoint on this server and these settings can cost.

They authenticate and paginate exactly like the product (the same default classes), so a ratio
against them measures the product's own work, not the framework's.
"""

from __future__ import annotations

from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from apps.devtools.benchfloor.models import BenchRow


class BenchRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenchRow
        fields = ["id", "name", "value", "score", "created_at"]
        read_only_fields = ["id", "created_at"]


class FloorPingView(APIView):
    """A bare DRF view returning a small dict."""

    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class FloorCreateView(generics.CreateAPIView):
    """A bare DRF create of one row."""

    serializer_class = BenchRowSerializer

    def perform_create(self, serializer: BaseSerializer[BenchRow]) -> None:
        serializer.save(owner=self.request.user)


class FloorListView(generics.ListAPIView):
    """A bare DRF list: one page of 50 rows of a ModelSerializer, ordered by a column."""

    serializer_class = BenchRowSerializer
    queryset = BenchRow.objects.order_by("-score")
