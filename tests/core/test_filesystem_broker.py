"""The embedded broker never shows a consumer a message file that is still being written."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from kombu import Connection

from apps.core import filesystem_broker


@pytest.fixture
def broker(tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    options = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
    }
    with Connection(
        "filesystem://", transport=filesystem_broker.Transport, transport_options=options
    ) as connection:
        yield connection, folders["queue"]


def test_the_embedded_settings_use_the_atomic_transport():
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("the broker is not the filesystem one in this pass")
    assert settings.CELERY_BROKER_TRANSPORT == "apps.core.filesystem_broker:Transport"


def test_a_message_file_appears_only_once_complete(broker, monkeypatch):
    connection, folder = broker
    seen_before_rename: list[list[str]] = []
    real_replace = os.replace

    def replace(source, destination):
        # What a consumer listing the folder at this moment would match: "<x>.<queue>.msg".
        seen_before_rename.append(
            [name for name in os.listdir(folder) if name.partition(".")[2] == "jobs.msg"]
        )
        real_replace(source, destination)

    monkeypatch.setattr(filesystem_broker.os, "replace", replace)
    queue = connection.SimpleQueue("jobs")
    queue.put({"episode": "e1", "dates": ["2026-06-01"]})

    assert seen_before_rename == [[]]
    assert [name.endswith(".jobs.msg") for name in os.listdir(folder)] == [True]
    message = queue.get(timeout=1)
    assert message.payload == {"episode": "e1", "dates": ["2026-06-01"]}
    message.ack()
    assert os.listdir(folder) == []
    queue.close()


def test_a_failed_write_leaves_no_file(broker, monkeypatch):
    connection, folder = broker

    def fail(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(filesystem_broker.os, "replace", fail)
    # Another queue name than the test above: kombu keeps declared exchanges per process.
    queue = connection.SimpleQueue("other-jobs")
    with pytest.raises(Exception, match="Cannot add file"):
        queue.put({"x": 1})
    assert os.listdir(folder) == []
    queue.close()
