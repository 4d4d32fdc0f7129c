"""apps.exercises.inputs.plain_session_values, the fast path of a session item: whatever it
accepts, ExerciseSessionInputSerializer accepts with the same values; whatever the serializer
refuses, it leaves to the serializer (None)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest

from apps.exercises.inputs import ExerciseSessionInputSerializer, plain_session_values
from apps.exercises.models import PAIN_MAX, SETS_DONE_MAX
from tests.exercises.conftest import NOW  # every test here runs at this instant

ITEM = {
    "client_id": str(uuid.uuid4()),
    "date": NOW.date().isoformat(),
    "plan_item": str(uuid.uuid4()),
    "sets_done": 2,
    "pain_during": 3,
    "recorded_at": NOW.isoformat(),
}
MISSING = object()

VARIANTS = {
    "client_id": [
        MISSING,
        None,
        "",
        "not-a-uuid",
        str(uuid.uuid4()).upper(),
        uuid.uuid4().hex,
        "{" + str(uuid.uuid4()) + "}",
        "urn:uuid:" + str(uuid.uuid4()),
        uuid.uuid4().int,
        12,
        [str(uuid.uuid4())],
    ],
    "date": [
        MISSING,
        None,
        "",
        "2026-02-30",
        "20261116",
        "1899-12-31",
        "2101-01-01",
        (NOW - dt.timedelta(days=3)).date().isoformat(),
        NOW.isoformat(),
        " " + NOW.date().isoformat(),
        20261116,
    ],
    "plan_item": [MISSING, None, "x", str(uuid.uuid4()), 7],
    "sets_done": [MISSING, None, 0, 1, SETS_DONE_MAX, SETS_DONE_MAX + 1, -1, "2", 2.0, True],
    "pain_during": [MISSING, None, -1, 0, PAIN_MAX, PAIN_MAX + 1, "3", 3.0, False],
    "recorded_at": [
        MISSING,
        None,
        "",
        "yesterday",
        NOW.replace(tzinfo=None).isoformat(),  # naive
        (NOW - dt.timedelta(hours=5)).astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat(),
        (NOW + dt.timedelta(days=1)).isoformat(),  # ahead of the clock
        (NOW - dt.timedelta(days=40)).isoformat(),  # too old
        (NOW - dt.timedelta(days=2)).isoformat().replace("+00:00", "Z"),
        (NOW - dt.timedelta(days=31)).isoformat(),  # the oldest allowed day
        (NOW - dt.timedelta(days=31, seconds=1)).isoformat(),  # just too old
        "0001-01-01T00:00:00+01:00",
        NOW.date().isoformat(),
        1700000000,
    ],
}


def _item(**changes):
    item = dict(ITEM)
    for name, value in changes.items():
        if value is MISSING:
            item.pop(name)
        else:
            item[name] = value
    return item


def _serializer_answer(raw):
    serializer = ExerciseSessionInputSerializer(data=raw)
    return dict(serializer.validated_data) if serializer.is_valid() else None


CASES = [_item()] + [
    _item(**{name: value}) for name, values in VARIANTS.items() for value in values
]
# Two fields off the plain form at once, and bodies that are not objects.
CASES += [
    _item(sets_done=a, pain_during=b)
    for a, b in itertools.product(VARIANTS["sets_done"], VARIANTS["pain_during"])
]
CASES += [None, [], "item", [ITEM]]


@pytest.mark.parametrize("raw", CASES)
def test_the_fast_path_accepts_only_what_the_serializer_accepts_with_its_values(raw):
    fast = plain_session_values(raw)

    # None leaves the item to the serializer (which then accepts or words the errors).
    assert fast is None or fast == _serializer_answer(raw)


def test_most_cases_are_accepted_or_refused_by_both():
    # The cases above are not all refused (which would hold the first test trivially).
    accepted = [raw for raw in CASES if _serializer_answer(raw) is not None]
    assert len(accepted) > 20
    assert sum(plain_session_values(raw) is not None for raw in accepted) > 15


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"pain_during": MISSING},
        {"pain_during": None},
        {"recorded_at": VARIANTS["recorded_at"][5]},  # another offset
        {"recorded_at": VARIANTS["recorded_at"][8]},  # Z
        {"client_id": VARIANTS["client_id"][5]},  # hex without hyphens
    ],
)
def test_the_plain_form_the_phone_sends_takes_the_fast_path(changes):
    raw = _item(**changes)

    assert plain_session_values(raw) is not None
    assert plain_session_values(raw) == _serializer_answer(raw)


def test_the_window_of_the_batch_decides_when_given():
    instant = NOW - dt.timedelta(days=2)
    raw = _item(recorded_at=instant.isoformat())

    assert plain_session_values(raw, window=(instant, NOW)) is not None
    assert plain_session_values(raw, window=(instant + dt.timedelta(seconds=1), NOW)) is None
