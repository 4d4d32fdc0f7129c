"""apps.reminders.decisions is a module with a public API (``__all__``): the minute tick and
the tests use those names, and nobody reaches into another module's private names."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from apps.reminders import decisions
from apps.reminders.conf import reminder_config
from apps.reminders.models import ReminderKind, ReminderSchedule
from tests.checkins.factories import CheckInFactory
from tests.episodes.factories import EpisodeFactory

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.UTC
MORNING = dt.datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
DUE = dt.datetime(2026, 6, 10, 18, 0, tzinfo=UTC)  # 19:00 in London (BST)


DECISIONS = ROOT / "apps" / "reminders" / "decisions.py"


def private_names_of(source: str) -> set[str]:
    """The module's own private top-level names (functions, classes, constants)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def private_uses(source: str, private: set[str]) -> list[tuple[int, str]]:
    """(line, name) of each use in ``source`` of a private name of apps.reminders: any
    ``from apps.reminders.x import _name``, and ``module._name`` of an imported reminders
    module when ``_name`` is one of ``private`` (read directly or through another module,
    as ``claim._decide`` was)."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("apps.reminders"):
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append((node.lineno, alias.name))
                elif node.module == "apps.reminders":
                    modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr in private
        ):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return sorted(found)


def test_the_public_api_is_what_the_module_defines():
    assert decisions.__all__
    for name in decisions.__all__:
        assert not name.startswith("_"), name
        assert hasattr(decisions, name), name


def test_the_guard_sees_private_imports_and_reads():
    source = (
        "from apps.reminders.decisions import _decide, decide\n"
        "from apps.reminders import claim, decisions as d\n"
        "claim._decide(row)\n"
        "claim._advance([])\n"  # the claim's own step: not a name of decisions
        "d._skip_reason\n"
        "d.decide\n"
    )
    private = {"_decide", "_skip_reason"}
    assert private_uses(source, private) == [
        (1, "_decide"),
        (3, "claim._decide"),
        (5, "d._skip_reason"),
    ]
    assert "_skip_reason" in private_names_of(DECISIONS.read_text())


def test_decisions_is_used_by_its_public_names():
    """Nothing in apps/ or tests/ but decisions.py itself imports or reads a private name of
    apps.reminders.decisions, nor imports any private name of apps.reminders."""
    private = private_names_of(DECISIONS.read_text())
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for path in [
            *sorted((ROOT / "apps").rglob("*.py")),
            *sorted((ROOT / "tests").rglob("*.py")),
        ]
        if path != DECISIONS
        for line, name in private_uses(path.read_text(), private)
    ]
    assert offenders == []


@pytest.mark.django_db
def test_decide_through_the_public_names(reminded_patient):
    """The 19:00 check-in reminder of a London patient who checked in yesterday goes out, and
    the row advances to the next day's 19:00."""
    patient = reminded_patient("Europe/London", now=MORNING)
    episode = EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 1, 1))
    CheckInFactory(episode=episode, patient=patient, date=dt.date(2026, 6, 9))
    row = ReminderSchedule.objects.select_related("patient__user").get(
        patient=patient, kind=ReminderKind.CHECKIN
    )
    assert row.next_due_at == DUE

    facts = decisions.read_batch_facts([row])
    decision = decisions.decide(row, facts, now=DUE, config=reminder_config())

    assert isinstance(facts, decisions.BatchFacts)
    assert isinstance(decision, decisions.Decision)
    assert row.kind in decisions.CHECKIN_KINDS
    assert (decision.reason, decision.send_kind, decision.defer_to) == ("", "checkin", None)
    assert (decision.next_day, decision.next_at) == (
        dt.date(2026, 6, 11),
        dt.datetime(2026, 6, 11, 18, 0, tzinfo=UTC),
    )
