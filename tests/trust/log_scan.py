"""Scan the logs of a test run for health data: ``python -m tests.trust.log_scan DIR``.

The test settings write every log record of a run (DEBUG and up, every logger, every process
on those settings, through the production filter) to ``test-artifacts/logs/``; the fault
tests' worker processes write their output there too. CI runs this after both test passes.
It fails (exit 1) on

- an e-mail address (the tests' users all have one; none may reach a log);
- a search term the tests search for (``SEARCH_TERMS``: distinctive surnames, so a hit means
  a query string or a name leaked, never a coincidence);
- a clinical sentence: the literal text of every rule's patient advice (``patient_message``,
  ``emergency_message``, with the numbers' placeholders cut out) and of the reasons the rules
  give when they hold (the flag's ``clinician_summary``), read from the rules themselves.

Findings are reported by file, line and kind, never by the text found. An empty folder fails
too: a scan of nothing proves nothing.
"""

from __future__ import annotations

import ast
import os
import re
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "apps" / "flags" / "rules"

#: What the tests search for (tests/dashboard/test_api.py, test_web.py, and
#: tests/core/test_logs_without_health_data.py): surnames no log line contains by chance.
SEARCH_TERMS = (
    "Middlethwaite",
    "middlethw",
    "Lazenbury",
    "lazenb",
    "Quennevillard",
    "quennevil",
)

EMAIL = re.compile(
    r"\b[A-Za-z0-9._%+'-]+@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b"
)
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+")
MIN_FRAGMENT = 18


def _fragments(text: str) -> set[str]:
    """The literal pieces of a message template worth looking for (sentences, >= 18 chars)."""
    found = set()
    for part in _PLACEHOLDER.split(text):
        for sentence in _SENTENCE_END.split(part):
            sentence = " ".join(sentence.split()).strip(" ,.")
            if len(sentence) >= MIN_FRAGMENT and " " in sentence:
                found.add(sentence)
    return found


def _literal(node: ast.AST) -> str | None:
    """A string literal or an f-string with its expressions as placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            value.value if isinstance(value, ast.Constant) else "{}" for value in node.values
        )
    return None


def summary_templates() -> set[str]:
    """The reasons the rules give to ``self.result(...)``: a flag's ``clinician_summary``."""
    templates = set()
    for path in sorted(RULES_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "result"
                and len(node.args) >= 2
            ):
                text = _literal(node.args[1])
                if text:
                    templates.add(text)
    return templates


def advice_templates() -> set[str]:
    """Every rule's patient advice, from the rule registry itself."""
    from django.apps import apps

    if not apps.ready:  # run as a script; inside the test suite Django is set up already
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")
        # Whatever Django logs while loading must not land in the folder being scanned.
        os.environ.setdefault("TOH_TEST_LOG_DIR", tempfile.mkdtemp(prefix="toh-log-scan-"))
        import django

        django.setup()
    from django.conf import settings
    from django.utils import translation

    from apps.flags.rules import ALL_RULES

    templates = set()
    # The templates are lazy translations: every language's wording is looked for.
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for rule in ALL_RULES:
                for attribute in ("patient_message", "emergency_message"):
                    template = getattr(rule, attribute, None)
                    if template:
                        templates.add(str(template))
    return templates


def clinical_sentences() -> list[str]:
    sentences: set[str] = set()
    for template in advice_templates() | summary_templates():
        sentences |= _fragments(template)
    return sorted(sentences, key=len, reverse=True)


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}"


def _own_hosts() -> set[str]:
    # Celery names its nodes name@host: that is no address.
    names = {socket.gethostname(), socket.getfqdn()}
    return {name.lower() for name in names if name}


def scan_text(text: str, sentences: list[str], hosts: set[str]) -> list[str]:
    """The kinds of health data in one line (empty: clean)."""
    kinds = []
    if any(match["domain"].lower() not in hosts for match in EMAIL.finditer(text)):
        kinds.append("e-mail address")
    lowered = text.lower()
    for term in SEARCH_TERMS:
        if term.lower() in lowered:
            kinds.append(f"search term #{SEARCH_TERMS.index(term)}")
            break
    for number, sentence in enumerate(sentences):
        if sentence.lower() in lowered:
            kinds.append(f"clinical sentence #{number} ({len(sentence)} characters)")
            break
    return kinds


def scan(folder: Path) -> tuple[int, int, list[Finding]]:
    """(files, lines, findings) for every file under ``folder``."""
    sentences = clinical_sentences()
    if not sentences:
        raise SystemExit("no clinical sentences found in the rules: the scan would prove nothing")
    hosts = _own_hosts()
    files = lines = 0
    findings: list[Finding] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files += 1
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                lines += 1
                for kind in scan_text(line, sentences, hosts):
                    findings.append(Finding(path, number, kind))
    return files, lines, findings


def main(argv: list[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else ROOT / "test-artifacts" / "logs")
    if not folder.is_dir():
        print(f"log scan: {folder} does not exist: no logs to check", file=sys.stderr)
        return 1
    files, lines, findings = scan(folder)
    if not lines:
        print(f"log scan: {folder} holds no log lines: nothing was checked", file=sys.stderr)
        return 1
    for finding in findings[:200]:
        print(finding)
    print(
        f"log scan: {files} files, {lines} lines, {len(findings)} with health data "
        f"({len(clinical_sentences())} clinical sentences, {len(SEARCH_TERMS)} search terms)"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
