"""Logs carry no health data: no e-mail address, no search term, no clinical sentence.

The same property CI checks on the whole run's log files (tests/trust/log_scan.py), here inside
the suite: a search, a check-in with red flags (advice, flags, e-mails to the care team), a
daily digest e-mail and access-log writes, with every record at DEBUG captured and written the
way the configured handlers write it.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import stat
import sys

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from apps.audit.models import AccessLogEntry
from apps.core.logging import RedactHealthData, redact
from apps.notifications.flag_announcements import flags_send_daily_digests
from apps.notifications.models import Notification
from tests.accounts.factories import PatientFactory
from tests.checkins.factories import checkin_payload
from tests.episodes.factories import EpisodeFactory
from tests.flags.factories import FlagFactory
from tests.trust import log_scan

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
SURNAME, SEARCH = "Quennevillard", "quennevil"
assert SURNAME in log_scan.SEARCH_TERMS
assert SEARCH in log_scan.SEARCH_TERMS


def configured_handler() -> logging.Handler:
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    return handler


def as_written(records: list[logging.LogRecord]) -> list[str]:
    """Each record as the configured console handler writes it (filters, then formatter)."""
    handler, lines = configured_handler(), []
    for record in records:
        record = copy.copy(record)
        if handler.filter(record):
            lines.append(handler.format(record))
    return lines


def health_data_in(lines: list[str]) -> list[str]:
    sentences, hosts = log_scan.clinical_sentences(), log_scan._own_hosts()
    return [
        f"line {number}: {kinds}"
        for number, line in enumerate(lines)
        if (kinds := log_scan.scan_text(line, sentences, hosts))
    ]


class TestConfiguration:
    def test_every_configured_handler_carries_the_filter(self):
        for name, handler in settings.LOGGING["handlers"].items():
            assert "no_health_data" in handler.get("filters", []), name
        loggers = [logging.getLogger(), *map(logging.getLogger, settings.LOGGING["loggers"])]
        installed = [h for logger in loggers for h in logger.handlers if h.get_name()]
        assert installed
        for handler in installed:
            assert any(isinstance(f, RedactHealthData) for f in handler.filters), handler

    def test_django_request_lines_go_through_the_root_handlers_only(self):
        for name in ("django", "django.server"):
            assert logging.getLogger(name).handlers == []
            assert logging.getLogger(name).propagate

    def test_celery_leaves_the_root_logger_alone(self):
        assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False

    def test_development_mail_is_not_the_console(self):
        from backend.settings import base

        assert base.MAILERS["default"]["BACKEND"] == "apps.core.mail.DevelopmentMailBackend"


def _raise(error: Exception) -> None:
    """Raise `error` so that it carries a real traceback into `sys.exc_info()`."""
    raise error


class TestFilter:
    def test_query_values_go_and_parameter_names_stay(self):
        line = '"GET /api/v1/dashboard/patients/?search=Quennevillard&page=2 HTTP/1.1" 200'
        assert redact(line) == '"GET /api/v1/dashboard/patients/?search&page HTTP/1.1" 200'
        assert redact("https://toh.example.org/dashboard/?q=x y") == (
            "https://toh.example.org/dashboard/?q y"
        )
        assert redact("/api/v1/health/ answered") == "/api/v1/health/ answered"

    def test_email_addresses_go_from_messages_and_tracebacks(self):
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "for %s", ("a.b@c.org",), None)
        try:
            _raise(ValueError("duplicate key (email)=(pat1@seca.test)"))
        except ValueError:
            record.exc_info = sys.exc_info()
        RedactHealthData().filter(record)
        assert record.getMessage() == "for <email>"
        assert "pat1@seca.test" not in record.exc_text
        assert "(email)=(<email>)" in record.exc_text

    def test_celery_task_lines_keep_name_and_id_but_not_arguments_or_results(self):
        from celery.app.trace import LOG_SUCCESS

        context = {"id": "t1", "name": "flags.evaluate", "runtime": 0.1, "args": "['x@y.org']"}
        context |= {"kwargs": "{}", "return_value": "You reported a fall or injury."}
        record = logging.LogRecord("celery.app.trace", 20, __file__, 1, LOG_SUCCESS, context, None)
        RedactHealthData().filter(record)
        message = record.getMessage()
        assert "flags.evaluate[t1] succeeded" in message
        assert "fall or injury" not in message

    def test_printed_output_in_a_worker_is_reduced_to_its_length(self):
        record = logging.LogRecord("celery.redirected", 30, __file__, 1, "To: a@b.org", (), None)
        RedactHealthData().filter(record)
        assert record.getMessage() == "stdout output of 11 characters (not logged)"

    def test_template_debug_lines_lose_the_context_they_quote(self):
        try:
            _raise(LookupError("context: {'notes': 'Stairs were hard.'}"))
        except LookupError:
            info = sys.exc_info()
        record = logging.LogRecord("django.template", 10, __file__, 1, "bad var", (), info)
        RedactHealthData().filter(record)
        assert "Stairs" not in configured_handler().format(record)


@pytest.mark.django_db
def test_search_checkin_with_red_flags_digest_and_access_log_leave_no_health_data_in_logs(
    caplog, tmp_path, care_team, physio, physio_client, django_capture_on_commit_callbacks
):
    patient = PatientFactory(care_team=care_team, user__last_name=SURNAME)
    EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(days=60))
    patient_client = type(physio_client)()
    patient_client.force_authenticate(patient.user)
    mail_dir = tmp_path / "mail"
    mailers = {
        "default": {
            "BACKEND": "apps.core.mail.DevelopmentMailBackend",
            "OPTIONS": {"directory": str(mail_dir)},
        }
    }
    caplog.set_level(logging.DEBUG)
    with time_machine.travel(NOW, tick=False), override_settings(MAILERS=mailers):
        # A search, by API (staff: access-logged) and a request line as runserver logs it.
        found = physio_client.get("/api/v1/dashboard/patients/", {"search": SEARCH})
        assert [row["last_name"] for row in found.json()["results"]] == [SURNAME]
        assert physio_client.get("/api/v1/patients/", {"search": SEARCH, "page": 99}).status_code
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET /dashboard/?q={SEARCH} HTTP/1.1", "200", "5120"
        )
        # A check-in with red flags: advice to the patient, flags and e-mails to the team.
        with django_capture_on_commit_callbacks(execute=True):
            response = patient_client.post(
                "/api/v1/checkins/",
                checkin_payload(
                    NOW.date(),
                    red_flags=["fall_or_injury", "skin_colour_change"],
                    recorded_at=NOW.isoformat(),
                ),
                format="json",
            )
        assert response.status_code == 201, response.content
        advice = [item["message"] for item in response.json()["advice"]]
        assert any("fall or injury" in message for message in advice)
        # The daily digest e-mail to the physiotherapist.
        FlagFactory(episode=patient.episodes.get(), rule="morning_stiffness", severity="routine")
        with django_capture_on_commit_callbacks(execute=True):
            assert flags_send_daily_digests() == 1

    # The mail went out, complete, to files only the owner can read ...
    sent = Notification.objects.filter(recipient=physio, status="sent")
    assert set(sent.values_list("kind", flat=True)) == {"flag_new", "flag_digest"}
    files = sorted(mail_dir.glob("*.eml"))
    assert len(files) == sent.count()
    assert stat.S_IMODE(mail_dir.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in files} == {0o600}
    mail = "\n".join(path.read_text() for path in files)
    assert physio.email in mail
    assert "open flags to review" in mail
    assert any(s.lower() in mail.lower() for s in log_scan.clinical_sentences())
    # ... and the access log names the route, never the query.
    entries = AccessLogEntry.objects.filter(actor_id=physio.pk)
    assert entries.exists()
    for entry in entries:
        assert SEARCH not in f"{entry.route} {entry.view_name} {entry.detail}".lower()

    lines = as_written(caplog.records)
    text = "\n".join(lines)
    assert f"to user:{physio.pk}" in text  # the mail log line names the recipient by id
    assert "GET /dashboard/?q HTTP/1.1" in text  # the request line, without its query
    assert health_data_in(lines) == []
    assert patient.user.email not in text
    assert physio.email not in text


class TestScanner:
    def test_it_finds_each_kind_of_health_data(self):
        sentences, hosts = log_scan.clinical_sentences(), log_scan._own_hosts()
        assert len(sentences) > 20
        assert log_scan.scan_text("login for pat1@seca.test", sentences, hosts)
        assert log_scan.scan_text("GET /?q=Lazenbury", sentences, hosts)
        advice = "You reported a fall or injury. Call 999 or go to A&E now"
        assert log_scan.scan_text(advice, sentences, hosts)
        assert log_scan.scan_text("mail flag_new to user:1 (52 characters)", sentences, hosts) == []
        assert log_scan.scan_text("celery@worker1 ready", sentences, hosts) == []

    def test_a_leak_fails_the_run_and_so_does_an_empty_folder(self, tmp_path):
        assert log_scan.main(["log_scan", str(tmp_path)]) == 1  # nothing to check
        (tmp_path / "run.log").write_text("INFO x flag opened: rule=fall_or_injury\n")
        assert log_scan.main(["log_scan", str(tmp_path)]) == 0
        (tmp_path / "worker.out").write_text("sent to pat1@seca.test\n")
        assert log_scan.main(["log_scan", str(tmp_path)]) == 1


@pytest.mark.django_db
def test_the_development_mailer_names_a_stranger_by_a_keyed_hash(tmp_path, caplog, physio):
    from django.core.mail import EmailMessage

    from apps.core.mail import DevelopmentMailBackend, recipient_label

    message = EmailMessage(
        "Subject", "You reported a fall or injury.", None, ["stranger@example.org", physio.email]
    )
    caplog.set_level(logging.INFO, logger="apps.core.mail")
    assert DevelopmentMailBackend(directory=tmp_path).send_messages([message]) == 1
    [line] = as_written([r for r in caplog.records if r.name == "apps.core.mail"])
    assert recipient_label("stranger@example.org") in line
    assert f"user:{physio.pk}" in line
    assert "example.org" not in line
    assert "fall or injury" not in line
    [saved] = tmp_path.glob("*.eml")
    assert "stranger@example.org" in saved.read_text()
