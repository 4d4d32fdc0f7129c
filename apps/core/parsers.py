"""The API's one request parser: JSON, bounded in size and depth before it is decoded.

``json.loads`` recurses once per nesting level, so a body nested 100,000 deep raises
``RecursionError`` (a 500) before any serializer sees it. ``BoundedJSONParser`` reads at most
``API_JSON_MAX_BYTES`` (413 beyond), then measures the nesting depth with a loop - no recursion -
over the body with its strings blanked out, and refuses a body deeper than
``API_JSON_MAX_DEPTH`` (400) before decoding it.
"""

from __future__ import annotations

import json
import re
from typing import NoReturn

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_BYTES = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE default (2.5 MB)

# A JSON string: a quote, then runs of plain characters or escapes, then a quote. Outside a
# string a quote always opens one, so blanking these leaves exactly the structural characters.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"


def max_depth() -> int:
    return int(getattr(settings, "API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def max_bytes() -> int:
    return int(getattr(settings, "API_JSON_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_detail(limit: int) -> str:
    return _("The request body is larger than %(limit)d bytes.") % {"limit": limit}


def nesting_depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays/objects in ``text`` nest deeper than ``limit`` (iterative, stops early)."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _reject_constant(value: str) -> NoReturn:
    raise ValueError(f"{value} is not valid JSON.")


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a size and a depth limit; strict JSON (no NaN/Infinity)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = max_bytes()
        request = parser_context.get("request")
        if request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except (TypeError, ValueError):
                declared = 0
            if declared > limit:
                raise PayloadTooLarge(too_large_detail(limit))
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(too_large_detail(limit))
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(
                _("The body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from exc
        depth = max_depth()
        if nesting_depth_exceeds(text, depth):
            raise exceptions.ParseError(
                _("JSON nested deeper than %(depth)d levels is refused.") % {"depth": depth},
                code="too_deep",
            )
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
