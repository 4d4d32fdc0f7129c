from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import signed_in_user
from apps.notifications import selectors, services
from apps.notifications.api.serializers import (
    DeviceRegisterSerializer,
    DeviceSerializer,
    NotificationSerializer,
)
from apps.notifications.models import Device, Notification


class DeviceListCreateView(generics.ListAPIView):
    """The caller's push devices (GET); register a push token (POST, idempotent on the
    token: the same token again answers 200 with the stored device)."""

    serializer_class = DeviceSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return Device.objects.none()
        return selectors.devices_of(signed_in_user(self.request))

    @extend_schema(tags=["devices"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=DeviceRegisterSerializer,
        responses={
            201: DeviceSerializer,
            200: OpenApiResponse(DeviceSerializer, description="Token was already registered"),
        },
        tags=["devices"],
    )
    def post(self, request: Request) -> Response:
        serializer = DeviceRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, created = services.device_register(
            user=signed_in_user(request),
            platform=serializer.validated_data["platform"],
            token=serializer.validated_data["token"],
        )
        return Response(
            DeviceSerializer(device).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DeviceDetailView(APIView):
    @extend_schema(
        responses={204: None, 404: OpenApiResponse(description="Not yours")}, tags=["devices"]
    )
    def delete(self, request: Request, device_id) -> Response:
        services.device_delete(device=selectors.device_of(signed_in_user(request), device_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyNotificationListView(generics.ListAPIView):
    """What was sent to me: when, on which channel, and the outcome of each attempt."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user
            return Notification.objects.none()
        return selectors.notifications_of(signed_in_user(self.request))

    @extend_schema(tags=["me"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationOpenedView(APIView):
    """Receipt the app sends when the person opens a notification (idempotent)."""

    @extend_schema(
        request=None,
        responses={200: NotificationSerializer, 404: OpenApiResponse(description="Not yours")},
        tags=["me"],
    )
    def post(self, request: Request, notification_id) -> Response:
        notification = selectors.notification_of(signed_in_user(request), notification_id)
        notification = services.notification_mark_opened(notification=notification)
        return Response(NotificationSerializer(notification).data)
