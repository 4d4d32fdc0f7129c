"""Push through Firebase Cloud Messaging HTTP v1 (firebase-admin), which reaches Android and,
through APNs, iOS. The app is initialised once from the service-account file named by
``FCM_CREDENTIALS_FILE``, with an HTTP timeout."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import firebase_admin
from django.conf import settings
from firebase_admin import credentials, exceptions, messaging

from apps.notifications.channels.base import Channel, DeliveryError, OutboundMessage
from apps.notifications.conf import notification_settings

_APP_NAME = "toh-fcm"
_app_lock = threading.Lock()

# The token is gone or belongs to another sender: it will never work again.
_PERMANENT = (
    messaging.UnregisteredError,
    messaging.SenderIdMismatchError,
    exceptions.InvalidArgumentError,
)


def _firebase_app() -> firebase_admin.App:
    with _app_lock:
        try:
            return firebase_admin.get_app(_APP_NAME)
        except ValueError:
            return firebase_admin.initialize_app(
                credentials.Certificate(settings.FCM_CREDENTIALS_FILE),
                options={"httpTimeout": notification_settings().http_timeout_seconds},
                name=_APP_NAME,
            )


class FcmPushChannel(Channel):
    name = "push"

    def __init__(
        self,
        *,
        send_each: Callable[..., messaging.BatchResponse] | None = None,
        app_factory: Callable[[], Any] | None = None,
    ) -> None:
        # Tests pass a double for send_each (FCM has no emulator; see STACK.md).
        self._send_each = send_each or messaging.send_each
        self._app_factory = app_factory or _firebase_app

    @classmethod
    def configuration_problem(cls) -> str | None:
        path = getattr(settings, "FCM_CREDENTIALS_FILE", "")
        if not path:
            return "FCM_CREDENTIALS_FILE is not set"
        if not Path(path).is_file():
            return "FCM_CREDENTIALS_FILE does not name a file"
        return None

    @staticmethod
    def build(message: OutboundMessage) -> messaging.Message:
        return messaging.Message(
            token=message.address,
            notification=messaging.Notification(title=message.title, body=message.body),
            data={**message.data, "notification_id": message.notification_id},
            android=messaging.AndroidConfig(priority="high" if message.urgent else "normal"),
            apns=messaging.APNSConfig(headers={"apns-priority": "10" if message.urgent else "5"}),
        )

    def send(self, message: OutboundMessage) -> None:
        try:
            batch = self._send_each([self.build(message)], app=self._app_factory())
        except exceptions.FirebaseError as error:
            raise DeliveryError(self.describe_error(error), permanent=False) from error
        except Exception as error:  # timeouts, connection errors
            raise DeliveryError(self.describe_error(error), permanent=False) from error
        response = batch.responses[0]
        if response.success:
            return
        failure = response.exception
        raise DeliveryError(self.describe_error(failure), permanent=isinstance(failure, _PERMANENT))
