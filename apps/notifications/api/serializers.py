from __future__ import annotations

from rest_framework import serializers

from apps.notifications.models import DeliveryAttempt, Device, Notification, Platform


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "platform", "token", "is_active", "created_at"]
        read_only_fields = ["id", "is_active", "created_at"]


class DeviceRegisterSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    token = serializers.CharField(max_length=4096, trim_whitespace=True)


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["channel", "device", "outcome", "error", "duration_ms", "attempted_at"]


class NotificationSerializer(serializers.ModelSerializer):
    deliveries = DeliveryAttemptSerializer(source="attempts", many=True, read_only=True)
    channels_sent = serializers.SerializerMethodField(
        help_text="Channels on which it was delivered."
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "priority",
            "status",
            "status_reason",
            "created_at",
            "scheduled_for",
            "sent_at",
            "opened_at",
            "channels_sent",
            "deliveries",
        ]

    def get_channels_sent(self, obj: Notification) -> list[str]:
        return sorted({a.channel for a in obj.attempts.all() if a.outcome == "sent"})
