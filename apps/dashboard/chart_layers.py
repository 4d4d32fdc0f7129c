"""Layers every time chart of the patient page can carry, whatever feeds them: point events
(markers: a date, a kind, a label) and spans (bands: a start, an end, a kind, a label), each
kind with its legend entry; and the categorical strip (weight bearing, walking aid, limping,
sleep). Pure: no database.

Fed today by flags (markers when first met, bands while they held) and check-in fields; the
record apps feed the same specs tomorrow: ``MarkerSpec(date, "treatment", "Shock-wave
therapy")``, ``MarkerSpec(date, "score", "HOOS pain 45")``, ``BandSpec(start, end,
"treatment", "Physiotherapy course")``. A kind the legend does not know is shown with its own
name and the neutral colour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

#: Kind → legend label; the kind is also the CSS class suffix (``marker-<kind>``).
KIND_LABELS: dict[str, str] = {
    "flag-emergency": "Emergency flag",
    "flag-urgent": "Urgent flag",
    "flag-soon": "Soon flag",
    "flag-routine": "Routine flag",
    "flag-info": "Info flag",
    "treatment": "Treatment",
    "assessment": "Assessment",
    "imaging": "Imaging",
    "score": "Questionnaire score",
}
#: Markers closer than this (in chart units) are stacked, so none hides another.
MARKER_SPACING = 12.0
MARKER_ROWS = 3


@dataclass(frozen=True)
class MarkerSpec:
    date: dt.date
    kind: str
    label: str


@dataclass(frozen=True)
class BandSpec:
    start: dt.date
    end: dt.date
    kind: str
    label: str


@dataclass(frozen=True)
class Marker:
    """A point event on the time axis: a line and a pennant (stacked in ``row``)."""

    x: float
    label: str
    kind: str
    row: int = 0
    top: float = 14

    @property
    def severity(self) -> str:
        """The flag severity of a flag marker (kept for the stylesheet's older classes)."""
        return self.kind.removeprefix("flag-")

    @property
    def triangle(self) -> str:
        tip = self.top - 7 * self.row
        return f"{self.x},{tip} {self.x + 5},{tip - 6} {self.x - 5},{tip - 6}"


@dataclass(frozen=True)
class BandMark:
    x: float
    width: float
    label: str
    kind: str


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or kind.replace("-", " ").replace("_", " ").capitalize()


def layout_markers(
    specs: Sequence[MarkerSpec],
    *,
    x_of: Callable[[dt.date], float],
    start: dt.date,
    end: dt.date,
    top: float,
) -> tuple[Marker, ...]:
    """The markers in the range, left to right; one close to the previous goes a row up."""
    placed: list[Marker] = []
    for spec in sorted((s for s in specs if start <= s.date <= end), key=lambda s: s.date):
        x = x_of(spec.date)
        row = 0
        if placed and x - placed[-1].x < MARKER_SPACING:
            row = (placed[-1].row + 1) % MARKER_ROWS
        placed.append(Marker(x=x, label=spec.label, kind=spec.kind, row=row, top=top))
    return tuple(placed)


def layout_bands(
    specs: Sequence[BandSpec],
    *,
    x_of: Callable[[dt.date], float],
    day_width: float,
    start: dt.date,
    end: dt.date,
) -> tuple[BandMark, ...]:
    bands = []
    for spec in specs:
        first, last = max(spec.start, start), min(spec.end, end)
        if last < first:
            continue
        left = x_of(first) - day_width / 2
        right = x_of(last) + day_width / 2
        bands.append(
            BandMark(
                x=round(left, 1), width=round(right - left, 1), label=spec.label, kind=spec.kind
            )
        )
    return tuple(bands)


def legend_of(*layers: Iterable[Marker | BandMark]) -> tuple[tuple[str, str], ...]:
    """(kind, label) of every kind drawn, in `KIND_LABELS` order, then unknown kinds."""
    kinds = {item.kind for layer in layers for item in layer}
    known = [kind for kind in KIND_LABELS if kind in kinds]
    return tuple((kind, kind_label(kind)) for kind in [*known, *sorted(kinds - set(known))])


# --- The strip: one row per categorical check-in field, one cell per date ---------------------


@dataclass(frozen=True)
class StripCell:
    x: float
    width: float
    level: int
    label: str


@dataclass(frozen=True)
class StripRow:
    name: str
    y: float
    height: float
    cells: tuple[StripCell, ...]


#: Check-in field → (row name, value → (level 0 good … 3 worst, words)).
STRIP_FIELDS: dict[str, tuple[str, dict[object, tuple[int, str]]]] = {
    "weight_bearing": (
        "Weight bearing",
        {"full": (0, "full"), "partial": (2, "partial"), "none": (3, "none")},
    ),
    "walking_aid": (
        "Walking aid",
        {
            "none": (0, "none"),
            "cane": (1, "cane"),
            "crutches": (2, "crutches"),
            "walker": (3, "walker"),
            "wheelchair": (3, "wheelchair"),
        },
    ),
    "limping": ("Limping", {False: (0, "no"), True: (2, "yes")}),
    "sleep_disturbed": ("Sleep disturbed", {False: (0, "no"), True: (2, "yes")}),
}
STRIP_LEVEL_LABELS = (
    (0, "Full / none / no"),
    (1, "Cane"),
    (2, "Partial / crutches / yes"),
    (3, "None / walker or wheelchair"),
)
