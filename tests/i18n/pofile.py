"""A tiny reader of gettext .po files (enough for the catalogue tests; no dependency)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and "fuzzy" not in self.flags


def _string(text: str) -> str:
    return ast.literal_eval(text)


# Complexity over 10 on purpose: a line-by-line .po parser, one branch per line kind.
def parse(path: Path) -> list[Entry]:  # noqa: C901
    """Every entry of the catalogue, the header (msgid "") included."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, started
        if started:
            entries.append(entry)
        entry, started = Entry(), False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            rest, keyword = line, ""
        if keyword == "msgid":
            if started and entry.msgstr:
                finish()
            started = True
            target = ("msgid", 0)
            entry.msgid = _string(rest)
        elif keyword == "msgid_plural":
            target = ("msgid_plural", 0)
            entry.msgid_plural = _string(rest)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            target = ("msgstr", index)
            entry.msgstr[index] = _string(rest)
        elif keyword == "" and target is not None:
            name, index = target
            if name == "msgid":
                entry.msgid += _string(rest)
            elif name == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + _string(rest)
            else:
                entry.msgstr[index] += _string(rest)
    finish()
    return entries
