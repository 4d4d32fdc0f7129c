"""`GET patients/{id}/timeline/` rendered straight to plain data, equal to
``TimelineSerializer(body).data`` (the schema's serializer; tests/dashboard prove the two
equal on a full record).

A year of the timeline is ~10,000 serializer fields (365 entries, each with a check-in of 22
fields and lists of sessions and plan items); walking DRF's field objects for each cost more
than reading the records. Here each nested serializer is compiled once per render into a list
of (name, source attributes, conversion): the conversions of DRF's own simple fields (UUID,
date, date-time in ISO 8601, numbers, strings, choices, lists of those) are done directly,
and any other field is converted by DRF's own ``to_representation``.
"""

from __future__ import annotations

import datetime as dt
import operator
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from rest_framework import ISO_8601, serializers
from rest_framework import fields as drf
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.settings import api_settings

from apps.dashboard.api.serializers import TimelineEntrySerializer

Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _iso(value: dt.date) -> str:
    return value.isoformat()


def _uuid(value: uuid.UUID) -> str:
    return str(value)


def _datetime(field: drf.DateTimeField) -> Convert:
    """DRF's DateTimeField.to_representation for ISO 8601 output, with the field's time zone
    looked up once per render instead of once per value."""
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()

    def convert(value: dt.datetime) -> str:
        if zone is not None and value.tzinfo is not None:
            value = value.astimezone(zone)
        elif zone is None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        text = value.isoformat()
        return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text

    return convert


def _choice(field: drf.ChoiceField) -> Convert:
    strings = field.choice_strings_to_values

    def convert(value: Any) -> Any:
        if value in ("", None):
            return value
        return strings.get(str(value), value)

    return convert


def _iso_format(field: drf.Field, default: str | None) -> bool:
    output = getattr(field, "format", default)
    return isinstance(output, str) and output.lower() == ISO_8601


def _exactly(field: drf.Field, kind: type) -> bool:
    """``field`` is of DRF's class ``kind`` itself (a subclass may convert otherwise)."""
    return type(field) is kind


def _conversion(field: drf.Field) -> Convert:  # noqa: PLR0911 - one return per field type
    """How ``field`` turns a (non-None) attribute into data, DRF's own way."""
    simple: dict[type, Convert] = {
        drf.IntegerField: int,
        drf.FloatField: float,
        drf.BooleanField: bool,
        drf.CharField: str,
    }
    if isinstance(field, drf.UUIDField) and _exactly(field, drf.UUIDField):
        return _uuid if field.uuid_format == "hex_verbose" else field.to_representation
    if _exactly(field, drf.DateField) and _iso_format(field, api_settings.DATE_FORMAT):
        return _iso
    if isinstance(field, drf.DateTimeField) and _exactly(field, drf.DateTimeField):
        return (
            _datetime(field)
            if _iso_format(field, api_settings.DATETIME_FORMAT)
            else (field.to_representation)
        )
    if type(field) in simple:
        return simple[type(field)]
    if isinstance(field, drf.ChoiceField) and _exactly(field, drf.ChoiceField):
        return _choice(field)
    if (
        isinstance(field, drf.ListField)
        and _exactly(field, drf.ListField)
        and type(field.child) in (drf.ChoiceField, drf.CharField)
    ):
        child = _conversion(field.child)
        return lambda values: [None if item is None else child(item) for item in values]
    return field.to_representation


def _reader(field: drf.Field) -> Convert:
    """How ``field`` reads its attribute: a plain attribute path (a model column, or columns of
    related rows already loaded) directly; anything else (related fields, method fields, the
    whole object) through DRF's own ``get_attribute``."""
    if isinstance(field, (RelatedField, drf.SerializerMethodField)) or field.source == "*":
        return field.get_attribute
    return operator.attrgetter(".".join(field.source_attrs))


def compiled(serializer: serializers.Serializer) -> Callable[[Any], dict[str, Any]]:
    """``serializer.to_representation`` for one object, with its fields resolved once."""
    plan: list[tuple[str, Convert, Convert]] = []
    for field in serializer._readable_fields:  # noqa: SLF001 - what DRF's own loop walks
        plan.append((str(field.field_name), _reader(field), _conversion(field)))

    def represent(instance: Any) -> dict[str, Any]:
        data = {}
        for name, read, conversion in plan:
            value = read(instance)
            check = value.pk if isinstance(value, PKOnlyObject) else value
            data[name] = None if check is None else conversion(value)
        return data

    return represent


def _many(field: serializers.ListSerializer) -> Callable[[Sequence[Any]], list[dict[str, Any]]]:
    """A list field's rendering; an object on many dates (a plan item in force all year, a
    treatment) is rendered once per render and copied."""
    one = compiled(field.child)  # type: ignore[arg-type]
    seen: dict[int, tuple[Any, dict[str, Any]]] = {}

    def render(item: Any) -> dict[str, Any]:
        found = seen.get(id(item))
        if found is None or found[0] is not item:
            found = seen[id(item)] = (item, one(item))
        return dict(found[1])

    return lambda items: [render(item) for item in items]


def _entry_plan(entry: serializers.Serializer) -> list[tuple[str, Convert, Convert]]:
    """(name, reader, rendering) of each field of a timeline entry, in its order: nested
    lists through `_many`, the nested check-in through `compiled`, plain fields as DRF does."""
    plan: list[tuple[str, Convert, Convert]] = []
    for field in entry._readable_fields:  # noqa: SLF001 - what DRF's own loop walks
        if isinstance(field, serializers.ListSerializer):
            rendering: Convert = _many(field)
        elif isinstance(field, serializers.Serializer):
            rendering = compiled(field)
        else:
            rendering = _conversion(field)
        plan.append((str(field.field_name), _reader(field), rendering))
    return plan


def timeline_body(
    *, patient_id: uuid.UUID, date_from: dt.date, date_to: dt.date, days: Sequence[Any]
) -> dict[str, Any]:
    """The timeline's answer for ``days`` (CourseDay rows of apps.dashboard.course_by_date)."""
    plan = _entry_plan(TimelineEntrySerializer())
    entries = []
    for day in days:
        row: dict[str, Any] = {}
        for name, read, rendering in plan:
            value = read(day)
            # DRF: None is None for every field; an empty list renders as [].
            row[name] = None if value is None else (rendering(value) if value != [] else [])
        entries.append(row)
    return {
        "patient": str(patient_id),
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "entries": entries,
    }
