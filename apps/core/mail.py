"""The development mailer: e-mails go to files, the log says only who (by id) and how long.

Django's console backend prints the whole message, addresses and all, into the web or worker
log; a flag e-mail's body is a clinical sentence about a patient. This backend instead

- writes each message, complete, to ``<VAR_DIR>/mail/<UTC time>-<id>.eml`` (folder mode 0700,
  files 0600): read development mail there (any mail client opens ``.eml`` files);
- logs one line per message: its kind (the ``X-TOH-Kind`` header, else ``e-mail``), the
  recipients as user ids (an address that belongs to no user as a keyed hash), the body's
  length and the file's name. Never an address, a subject or a body.

It is the default of ``settings.MAILERS`` outside production and tests (production sends
through SMTP or a provider; tests record in memory). Options: ``directory``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError

logger = logging.getLogger(__name__)

KIND_HEADER = "X-TOH-Kind"


def recipient_label(address: str) -> str:
    """A stable, non-reversible label for an address that belongs to no user."""
    key = (settings.SECRET_KEY or "toh").encode()
    digest = hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"address:{digest[:12]}"


def recipient_ids(addresses: list[str]) -> list[str]:
    """User ids for the addresses (in order), a keyed hash for the others."""
    wanted = {address.strip().lower() for address in addresses}
    try:
        spelled = wanted | {address.strip() for address in addresses}
        users = get_user_model()._default_manager.filter(email__in=spelled)
        by_email = {email.lower(): str(pk) for email, pk in users.values_list("email", "pk")}
    except DatabaseError:  # the label is only for the log line: never fail a send for it
        by_email = {}
    return [
        f"user:{by_email[key]}" if key in by_email else recipient_label(key)
        for key in (address.strip().lower() for address in addresses)
    ]


class DevelopmentMailBackend(BaseEmailBackend):
    """Writes messages to files under the var folder and logs ids, never content."""

    def __init__(self, *args, directory: str | os.PathLike | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(directory or Path(settings.VAR_DIR) / "mail")

    def _folder(self) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        return self.directory

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages or []:
            recipients = list(message.recipients())
            if not recipients:
                continue
            content = message.message().as_bytes()
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            path = self._folder() / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
            kind = (getattr(message, "extra_headers", None) or {}).get(KIND_HEADER, "e-mail")
            logger.info(
                "mail %s to %s (%d characters) saved as %s",
                str(kind)[:40],
                ", ".join(recipient_ids(recipients)),
                len(message.body or ""),
                path.name,
            )
            sent += 1
        return sent
