"""A lower app never imports a higher one, not even inside a function (docs/CONTRACTS.md,
"Layers" and "Nothing calls up the stack"). Every module under ``apps/<lower>/`` is parsed with
``ast``; every ``import``/``from … import`` anywhere in it (module level, functions, classes,
``TYPE_CHECKING`` blocks; relative imports resolved) and every ``importlib.import_module("…")``
/ ``__import__("…")`` with a literal name is checked against the pairs below. import-linter
(``make lint``) enforces the whole order; this test pins the arrows that were removed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[2] / "apps"

#: lower app -> higher apps it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "accounts": ("reminders", "consent", "audit"),
    # The access log is ground floor: exports and erasure (which read every app) are privacy.
    "audit": ("consent", "episodes", "checkins", "exercises", "flags", "dashboard", "privacy"),
    "consent": ("reminders",),
    "episodes": ("checkins", "exercises", "flags"),
    # The clinical course's record apps: siblings of the check-ins, below the flag engine.
    "assessments": ("checkins", "exercises", "treatments", "flags", "dashboard", "privacy"),
    "treatments": ("checkins", "exercises", "assessments", "flags", "dashboard", "privacy"),
}


#: Files not yet held to a pair, with the reason (each names its way out).
NOT_YET: dict[str, str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(APPS.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: str, node: ast.ImportFrom, *, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    # In a package's __init__ the package itself is level 1; in a module, its parent is.
    drop = node.level - 1 if is_package else node.level
    anchor = base[: len(base) - drop] if drop else base
    return ".".join([*anchor, node.module] if node.module else anchor)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``, wherever it stands."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node, is_package=path.name == "__init__.py")
            found.append((node.lineno, target))
            # ``from apps import reminders`` imports apps.reminders.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if name in {"import_module", "__import__"} and literal:
                found.append((node.lineno, first.value))
    return found


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("lower", sorted(FORBIDDEN))
def test_lower_app_imports_no_higher_app(lower):
    files = sorted((APPS / lower).rglob("*.py"))
    assert files, f"apps/{lower} has no modules"
    offences = [
        f"{path.relative_to(APPS.parent)}:{line} imports {target}"
        for path in files
        if str(path.relative_to(APPS.parent)) not in NOT_YET
        for line, target in imported_modules(path)
        for higher in FORBIDDEN[lower]
        if _is_within(target, f"apps.{higher}")
    ]
    assert offences == []


def test_the_scan_finds_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    """The checker itself: an import hidden in a function, a relative import and an
    import_module call are all seen (so the test above can fail)."""
    package = tmp_path / "apps" / "consent"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    module = package / "services.py"
    module.write_text(
        "import importlib\n"
        "def later():\n"
        "    from apps.reminders.services import reminder_schedules_recompute\n"
        "    from ..reminders import selectors\n"
        "    importlib.import_module('apps.reminders.tasks')\n"
    )
    monkeypatch.setattr(f"{__name__}.APPS", tmp_path / "apps")

    targets = {target for _line, target in imported_modules(module)}

    assert {"apps.reminders.services", "apps.reminders", "apps.reminders.tasks"} <= targets
    assert "apps.reminders.selectors" in targets
