"""`GET patients/{id}/timeline/` rendered straight to plain data, equal to
``TimelineSerializer(body).data`` (the schema's serializer; tests/dashboard prove the two
equal on a full record).

A year of the timeline is ~10,000 serializer fields (365 entries, each with a check-in of 22
fields and lists of sessions and plan items); walking DRF's field objects for each cost more
than reading the records. Here each nested serializer is compiled once per process (and time
zone: DRF renders date-times in the current one) into a list of (name, source attributes,
conversion): the conversions of DRF's own simple fields (UUID,
date, date-time in ISO 8601, numbers, strings, choices, lists of those) are done directly,
and any other field is converted by DRF's own ``to_representation``.
"""

from __future__ import annotations

import datetime as dt
import operator
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone
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


def _many(field: serializers.ListSerializer) -> Callable[[Any], dict[str, Any]]:
    """A list field's rendering of one item (``timeline_body`` renders an item on many dates,
    a plan item in force all year or a treatment, once per render and copies it)."""
    return compiled(field.child)  # type: ignore[arg-type]


#: (name, reader, rendering, whether a list) of each field of a timeline entry, in its order.
Plan = list[tuple[str, Convert, Convert, bool]]


def _entry_plan(entry: serializers.Serializer) -> Plan:
    """The plan of a timeline entry: nested lists through `_many`, the nested check-in through
    `compiled`, plain fields as DRF does."""
    plan: Plan = []
    for field in entry._readable_fields:  # noqa: SLF001 - what DRF's own loop walks
        many = False
        if isinstance(field, serializers.ListSerializer):
            rendering: Convert = _many(field)
            many = True
        elif isinstance(field, serializers.Serializer):
            rendering = compiled(field)
        else:
            rendering = _conversion(field)
        plan.append((str(field.field_name), _reader(field), rendering, many))
    return plan


#: The plan per time zone (DRF renders date-times in the current one): building the
#: serializers' fields cost more than rendering a month of entries.
_PLANS: dict[Any, Plan] = {}


def _current_plan() -> Plan:
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    plan = _PLANS.get(zone)
    if plan is None:
        plan = _PLANS[zone] = _entry_plan(TimelineEntrySerializer())
    return plan


def timeline_body(
    *, patient_id: uuid.UUID, date_from: dt.date, date_to: dt.date, days: Sequence[Any]
) -> dict[str, Any]:
    """The timeline's answer for ``days`` (CourseDay rows of apps.dashboard.course_by_date)."""
    plan = _current_plan()
    # Per list field, id(item) -> (item, its data): the days hold every item for the whole
    # render, so an id names one item; the item is kept to be sure.
    rendered: list[dict[int, tuple[Any, dict[str, Any]]]] = [{} for _ in plan]
    entries = []
    for day in days:
        row: dict[str, Any] = {}
        for (name, read, rendering, many), seen in zip(plan, rendered, strict=True):
            value = read(day)
            # DRF: None is None for every field; an empty list renders as [].
            if value is None:
                row[name] = None
            elif not many:
                row[name] = rendering(value) if value != [] else []
            else:
                items = []
                for item in value:
                    found = seen.get(id(item))
                    if found is None or found[0] is not item:
                        found = seen[id(item)] = (item, rendering(item))
                    items.append(dict(found[1]))
                row[name] = items
        entries.append(row)
    return {
        "patient": str(patient_id),
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "entries": entries,
    }
