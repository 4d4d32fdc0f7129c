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


class _Parser:
    """A line-by-line .po reader: blank lines end an entry, comments set its flags, keyword
    lines start a string and quoted lines continue it."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.entry = Entry()
        self.target: tuple[str, int] | None = None
        self.started = False

    def finish(self) -> None:
        if self.started:
            self.entries.append(self.entry)
        self.entry, self.started = Entry(), False

    def read(self, raw: str) -> None:
        line = raw.strip()
        if not line:
            self.finish()
            self.target = None
        elif line.startswith("#"):
            self._comment(line)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword.startswith('"'):
                self._continue(line)
            else:
                self._keyword(keyword, rest)

    def _comment(self, line: str) -> None:
        if line.startswith("#~"):
            self.entry.obsolete = True
        elif line.startswith("#,"):
            self.entry.flags |= {flag.strip() for flag in line[2:].split(",")}

    def _keyword(self, keyword: str, rest: str) -> None:
        entry = self.entry
        if keyword == "msgid":
            if self.started and entry.msgstr:
                self.finish()
            self.started = True
            self.target = ("msgid", 0)
            self.entry.msgid = _string(rest)
        elif keyword == "msgid_plural":
            self.target = ("msgid_plural", 0)
            entry.msgid_plural = _string(rest)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            self.target = ("msgstr", index)
            entry.msgstr[index] = _string(rest)

    def _continue(self, rest: str) -> None:
        if self.target is None:
            return
        name, index = self.target
        entry = self.entry
        if name == "msgid":
            entry.msgid += _string(rest)
        elif name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + _string(rest)
        else:
            entry.msgstr[index] += _string(rest)


def parse(path: Path) -> list[Entry]:
    """Every entry of the catalogue, the header (msgid "") included."""
    parser = _Parser()
    for raw in path.read_text(encoding="utf-8").splitlines():
        parser.read(raw)
    parser.finish()
    return parser.entries
