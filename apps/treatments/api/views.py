"""Treatment and imaging endpoints (API.md: Treatments and imaging): thin views over selectors
and services. The care team and the patient read (a patient sees their own treatments with
their effects, as they see their plans); only a physiotherapist of the care team writes (403
for the patient and clinic admins; 404 for anyone who may not see the episode)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import Role, User
from apps.accounts.permissions import signed_in_user
from apps.core.exceptions import NotAllowed
from apps.episodes.selectors import access_episode
from apps.treatments import selectors, services
from apps.treatments.api.serializers import ImagingSerializer, TreatmentSerializer
from apps.treatments.inputs import (
    ImagingInputSerializer,
    TreatmentEndSerializer,
    TreatmentInputSerializer,
)
from apps.treatments.models import ImagingStudy, Treatment

WRITE_RESPONSES = {
    403: OpenApiResponse(description="Not a physiotherapist of the care team."),
    404: OpenApiResponse(description="No such episode (or not yours to see)."),
}


def require_physiotherapist(user: User) -> None:
    """Writes of the clinical course: a physiotherapist (the caller can already see the
    episode, so they are in its care team) or a superuser."""
    if not (user.is_superuser or user.role == Role.PHYSIOTHERAPIST):
        raise NotAllowed(_("Only the patient's physiotherapists record the clinical course."))


def _body(request: Request) -> dict:
    return request.data if isinstance(request.data, dict) else {}


class EpisodeTreatmentListCreateView(generics.ListAPIView):
    """An episode's treatments, latest start first (`?page=`), each with its `effect` on the
    pain course; record one (physiotherapists of the care team; idempotent on `client_id`). A
    new protected-weight-bearing phase ends the one in force the day before it starts."""

    serializer_class = TreatmentSerializer
    queryset = Treatment.objects.none()  # for the schema; get_queryset checks access

    def get_queryset(self):
        self.episode = access_episode(signed_in_user(self.request), self.kwargs["episode_id"])
        return selectors.treatments_of_episode(self.episode)

    def get_serializer(self, *args, **kwargs):
        if args and not isinstance(args[0], Treatment) and hasattr(self, "episode"):
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["effects"] = selectors.effects_for(self.episode, list(args[0]))
        return super().get_serializer(*args, **kwargs)

    @extend_schema(tags=["treatments"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=TreatmentInputSerializer,
        responses={
            201: TreatmentSerializer,
            200: OpenApiResponse(
                TreatmentSerializer, description="Same client_id sent before: the stored one."
            ),
            409: OpenApiResponse(
                description="A weight-bearing phase already starts on or after this one's "
                "start (`phase_overlap`, `id` of that phase)."
            ),
            **WRITE_RESPONSES,
        },
        tags=["treatments"],
    )
    def post(self, request: Request, episode_id) -> Response:
        episode = access_episode(signed_in_user(request), episode_id)
        require_physiotherapist(signed_in_user(request))
        stored = services.stored_treatment(
            episode=episode, client_id=_body(request).get("client_id")
        )
        created = False
        if stored is None:
            serializer = TreatmentInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            stored, created = services.treatment_record(
                episode=episode, by=signed_in_user(request), values=serializer.validated_data
            )
        return self._answer(episode, stored, status.HTTP_201_CREATED if created else 200)

    @staticmethod
    def _answer(episode, treatment: Treatment, code: int) -> Response:
        effects = selectors.effects_for(episode, [treatment])
        body = TreatmentSerializer(treatment, context={"effects": effects}).data
        return Response(body, status=code)


class EpisodeTreatmentDetailView(generics.GenericAPIView):
    """End a treatment (or move its end): `{"ends_on"}`."""

    serializer_class = TreatmentSerializer
    queryset = Treatment.objects.none()

    @extend_schema(
        request=TreatmentEndSerializer,
        responses={200: TreatmentSerializer, **WRITE_RESPONSES},
        tags=["treatments"],
    )
    def patch(self, request: Request, episode_id, treatment_id) -> Response:
        episode = access_episode(signed_in_user(request), episode_id)
        treatment = selectors.treatment_of_episode(episode, treatment_id)
        require_physiotherapist(signed_in_user(request))
        serializer = TreatmentEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        treatment = services.treatment_end(
            treatment=treatment, ends_on=serializer.validated_data["ends_on"]
        )
        return EpisodeTreatmentListCreateView._answer(episode, treatment, status.HTTP_200_OK)


class EpisodeImagingListCreateView(generics.ListAPIView):
    """An episode's imaging results, newest first (`?page=`); record one (physiotherapists of
    the care team; idempotent on `client_id`)."""

    serializer_class = ImagingSerializer
    queryset = ImagingStudy.objects.none()

    def get_queryset(self):
        episode = access_episode(signed_in_user(self.request), self.kwargs["episode_id"])
        return selectors.imaging_of_episode(episode)

    @extend_schema(tags=["treatments"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ImagingInputSerializer,
        responses={
            201: ImagingSerializer,
            200: OpenApiResponse(
                ImagingSerializer, description="Same client_id sent before: the stored one."
            ),
            **WRITE_RESPONSES,
        },
        tags=["treatments"],
    )
    def post(self, request: Request, episode_id) -> Response:
        episode = access_episode(signed_in_user(request), episode_id)
        require_physiotherapist(signed_in_user(request))
        stored = services.stored_imaging(episode=episode, client_id=_body(request).get("client_id"))
        created = False
        if stored is None:
            serializer = ImagingInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            stored, created = services.imaging_record(
                episode=episode, by=signed_in_user(request), values=serializer.validated_data
            )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ImagingSerializer(stored).data, status=code)
