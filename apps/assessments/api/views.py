"""Assessment endpoints (API.md: Clinic assessments): thin views over selectors and services.

Who: the episode's care team and the patient may read (a patient sees their own measurements,
as they see their plans); only a physiotherapist of the care team records one (403 for the
patient and clinic admins; 404 for anyone who may not see the episode)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import Role, User
from apps.accounts.permissions import signed_in_user
from apps.assessments import selectors, services
from apps.assessments.api.serializers import AssessmentSerializer
from apps.assessments.catalogue import TEST_CHOICES
from apps.assessments.inputs import AssessmentInputSerializer
from apps.assessments.models import Assessment
from apps.core.exceptions import NotAllowed
from apps.episodes.selectors import access_episode


def require_physiotherapist(user: User) -> None:
    """Writes of the clinical course: a physiotherapist (the caller can already see the
    episode, so they are in its care team) or a superuser."""
    if not (user.is_superuser or user.role == Role.PHYSIOTHERAPIST):
        raise NotAllowed(_("Only the patient's physiotherapists record the clinical course."))


class AssessmentQuerySerializer(serializers.Serializer):
    test = serializers.ChoiceField(choices=TEST_CHOICES, required=False)


class EpisodeAssessmentListCreateView(generics.ListAPIView):
    """An episode's assessments, newest first (`?page=`), each with its change from the
    previous comparable one; record one (physiotherapists of the care team; idempotent on
    `client_id`)."""

    serializer_class = AssessmentSerializer
    queryset = Assessment.objects.none()  # for the schema; get_queryset checks access

    def get_queryset(self):
        episode = access_episode(signed_in_user(self.request), self.kwargs["episode_id"])
        query = AssessmentQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.assessments_of_episode(episode, test=query.validated_data.get("test"))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "test",
                OpenApiTypes.STR,
                enum=[code for code, _ in TEST_CHOICES],
                description="Only this test.",
            )
        ],
        tags=["assessments"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AssessmentInputSerializer,
        responses={
            201: AssessmentSerializer,
            200: OpenApiResponse(
                AssessmentSerializer, description="Same client_id sent before: the stored one."
            ),
            403: OpenApiResponse(description="Not a physiotherapist of the care team."),
            404: OpenApiResponse(description="No such episode (or not yours to see)."),
        },
        tags=["assessments"],
    )
    def post(self, request: Request, episode_id) -> Response:
        episode = access_episode(signed_in_user(request), episode_id)
        require_physiotherapist(signed_in_user(request))
        data = request.data if isinstance(request.data, dict) else {}
        stored = services.stored_assessment(episode=episode, client_id=data.get("client_id"))
        created = False
        if stored is None:
            serializer = AssessmentInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            stored, created = services.assessment_record(
                episode=episode, by=signed_in_user(request), values=serializer.validated_data
            )
        body = AssessmentSerializer(selectors.assessment_with_previous(stored.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
