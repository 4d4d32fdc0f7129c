from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import Patient
from apps.accounts.permissions import signed_in_user
from apps.accounts.selectors import access_patient, patient_of_user
from apps.episodes import services
from apps.episodes.api.serializers import (
    EpisodeCreateSerializer,
    EpisodeDetailSerializer,
    EpisodeSerializer,
    EpisodeUpdateSerializer,
)
from apps.episodes.models import Episode
from apps.episodes.selectors import access_episode, episodes_of_patient

_conflict = OpenApiResponse(
    description="The patient already has an active episode; the body carries its `id`."
)


def _context(request: Request) -> dict:
    return {"request": request, "for_patient": not signed_in_user(request).is_clinician}


class _EpisodeListCreate(generics.ListAPIView):
    serializer_class = EpisodeSerializer

    def get_patient(self) -> Patient:
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return Episode.objects.none()
        return episodes_of_patient(self.get_patient())

    def create(self, request: Request, patient: Patient) -> Response:
        serializer = EpisodeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        episode, created = services.episode_create(
            patient=patient, by=signed_in_user(request), data=serializer.validated_data
        )
        return Response(
            EpisodeDetailSerializer(episode, context=_context(request)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PatientEpisodesView(_EpisodeListCreate):
    """A patient's episodes (care team or the patient); the care team opens one (POST)."""

    def get_patient(self) -> Patient:
        return access_patient(signed_in_user(self.request), self.kwargs["patient_id"])

    @extend_schema(tags=["episodes"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=EpisodeCreateSerializer,
        responses={
            201: EpisodeDetailSerializer,
            200: OpenApiResponse(EpisodeDetailSerializer, description="Repeated `client_id`."),
            409: _conflict,
        },
        tags=["episodes"],
    )
    def post(self, request: Request, patient_id) -> Response:
        if not signed_in_user(request).is_clinician:
            raise PermissionDenied(
                "Only the care team opens episodes here; patients use me/episodes/."
            )
        return self.create(request, self.get_patient())


class MyEpisodesView(_EpisodeListCreate):
    """The signed-in patient's episodes; POST opens one."""

    def get_patient(self) -> Patient:
        return patient_of_user(signed_in_user(self.request))

    @extend_schema(tags=["episodes"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=EpisodeCreateSerializer,
        responses={
            201: EpisodeDetailSerializer,
            200: OpenApiResponse(EpisodeDetailSerializer, description="Repeated `client_id`."),
            409: _conflict,
        },
        tags=["episodes"],
    )
    def post(self, request: Request) -> Response:
        return self.create(request, self.get_patient())


class EpisodeDetailView(generics.GenericAPIView):
    """One episode with `weeks_since_onset` and its open flags (care team or the patient)."""

    serializer_class = EpisodeDetailSerializer

    def get_object(self):
        return access_episode(signed_in_user(self.request), self.kwargs["episode_id"])

    @extend_schema(responses={200: EpisodeDetailSerializer}, tags=["episodes"])
    def get(self, request: Request, episode_id) -> Response:
        return Response(EpisodeDetailSerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(
        request=EpisodeUpdateSerializer,
        responses={200: EpisodeDetailSerializer, 409: _conflict},
        tags=["episodes"],
    )
    def patch(self, request: Request, episode_id) -> Response:
        episode = self.get_object()
        serializer = EpisodeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        episode = services.episode_update(episode=episode, data=serializer.validated_data)
        return Response(EpisodeDetailSerializer(episode, context=_context(request)).data)
