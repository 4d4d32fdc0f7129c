"""kombu's filesystem transport, with a message file that appears complete or not at all.

The stock ``Channel._put`` creates ``<time>_<uuid>.<queue>.msg``, then locks and writes it;
the consumer never takes that lock: it moves any ``*.msg`` it lists out of the folder and
reads it. A consumer listing the folder between the create and the write (a web process
preempted there, on a loaded machine) reads an empty or partial payload and the task is lost.
Here the payload is written to a hidden temporary name that no consumer matches, then renamed
into place (``os.replace``, atomic within one folder). Selected by ``CELERY_BROKER_TRANSPORT``
in backend/settings/base.py whenever the broker is ``filesystem://``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # The signature of kombu's filesystem Channel._put, which differs from its base's
    # (``message``, not ``payload``) in kombu itself.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        """Put ``payload`` onto ``queue``: written under a temporary name, then renamed."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: ``_get``, ``_size`` and ``_purge`` compare what follows the first
        # dot with "<queue>.msg", which "<name>.tmp" never equals.
        temporary = os.path.join(self.data_folder_out, f".{name}.tmp")
        try:
            with open(temporary, "wb", buffering=0) as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
