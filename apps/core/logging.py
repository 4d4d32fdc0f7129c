"""Logs without health data: the filter every handler in ``settings.LOGGING`` carries.

What a log line may hold: paths (the route, ids), status codes, counts, timings, rule codes.
What it may not: query strings (``?search=<surname>``, ``?q=``), e-mail addresses, message
bodies, printed output of unknown content, SQL parameters, task arguments or return values.
Views and services log ids only (CONVENTIONS.md); this filter is the net under them:

- every URL or request line loses its query string's values (``/api/v1/patients/?search=x``
  is logged as ``/api/v1/patients/?search``: parameter names stay, values never);
- e-mail addresses become ``<email>``, and phone numbers in international form (how a
  patient's ``phone`` is stored: ``+44 20 7946 0958``) become ``<phone>``, in the message and
  in a traceback;
- Celery's task lines keep the task name and id but not ``args``, ``kwargs`` or the return
  value; stdout a worker redirects into the log (``celery.redirected``: a ``print`` or a
  console mailer) is reduced to its length; SQL lines keep the timing, never the statement;
  the template engine's debug lines lose the exception that quotes the whole page context.

It only rewrites a record, never drops one, so no error goes unseen. ``redact`` is the same
rewrite for any string (gunicorn's access log is configured in ``gunicorn.conf.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A path (or URL) followed by a query string: keep the path, keep only the parameter names.
_QUERY = re.compile(
    r"(?P<path>(?:[a-z][a-z0-9+.-]*://[^\s/?#\"'<>]*)?/[^\s?#\"'<>]*)\?(?P<query>[^\s#\"'<>]*)",
    re.IGNORECASE,
)
# A number in international form: "+", a digit, then digits, spaces, dashes or brackets.
PHONE = re.compile(r"\+\d[\d ()-]{5,}\d")
_CELERY_PRIVATE_KEYS = ("args", "kwargs", "return_value", "argsrepr", "kwargsrepr")
REDACTED = "<redacted>"


def _parameter_names(query: str) -> str:
    names = []
    for pair in query.split("&"):
        name = pair.split("=", 1)[0]
        if name and name not in names:
            names.append(re.sub(r"[^A-Za-z0-9_.\[\]-]", "", name)[:40])
    return "&".join(name for name in names if name)


def redact(text: str) -> str:
    """``text`` without query-string values, e-mail addresses and phone numbers."""
    if "?" in text:
        text = _QUERY.sub(
            lambda match: f"{match['path']}?{_parameter_names(match['query'])}".rstrip("?"),
            text,
        )
    if "@" in text:
        text = EMAIL.sub("<email>", text)
    if "+" in text:
        text = PHONE.sub("<phone>", text)
    return text


class RedactHealthData(logging.Filter):
    """Rewrites each record so that it carries no health data (see the module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_toh_redacted", False):
            return True  # a second handler sees the record already rewritten
        try:
            self._rewrite(record)
        except Exception:  # a filter must never lose the record it guards
            record.msg, record.args = f"{record.name}: unloggable record (redacted)", None
        record._toh_redacted = True
        return True

    def _rewrite(self, record: logging.LogRecord) -> None:
        _rewrite_for_logger(record)
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        # django.request and django.server attach the request: no handler of ours prints it,
        # and none may (its body and query string are exactly what must stay out).
        if hasattr(record, "request") and not isinstance(record.request, str):
            record.request = REDACTED


def _private_removed(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: (REDACTED if key in _CELERY_PRIVATE_KEYS else value) for key, value in values.items()
    }


def _rewrite_for_logger(record: logging.LogRecord) -> None:
    """What a logger known to carry health data outside the message leaves in its record."""
    name = record.name
    if name == "celery.redirected":
        # Whatever a worker printed (a console mailer, a stray print): length only.
        length = len(str(record.getMessage()))
        record.msg, record.args = "stdout output of %d characters (not logged)", (length,)
    elif name.startswith("django.db.backends") and hasattr(record, "sql"):
        duration = getattr(record, "duration", None)
        record.msg, record.args = "SQL query in %ss (statement not logged)", (duration,)
        record.sql, record.params = REDACTED, None
    elif name.startswith("django.template") and record.exc_info:
        # VariableDoesNotExist carries the whole template context (names, check-ins):
        # keep which variable of which template, drop the exception's text.
        record.exc_info, record.exc_text = None, None
    elif name.startswith("celery") and isinstance(record.args, Mapping):
        record.args = _private_removed(record.args)
        data = getattr(record, "data", None)
        if isinstance(data, Mapping):
            record.data = _private_removed(data)
