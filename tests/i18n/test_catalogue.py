"""The Spanish catalogue is complete: every patient-facing msgid the code has (makemessages
run now, into a temporary folder) is translated, the placeholders survive, and the compiled
.mo that ships is the .po's."""

from __future__ import annotations

import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.i18n.pofile import Entry, parse

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGUE = LOCALE / "es" / "LC_MESSAGES" / "django.po"
COMPILED = LOCALE / "es" / "LC_MESSAGES" / "django.mo"
#: What `make messages` ignores (no patient-facing text there).
IGNORE = ["tests/*", "scripts/*", "var/*", "test-artifacts/*"]
#: Where translated text lives (the admin templates have two strings; staff pages stay English).
SOURCE_FOLDERS = ("apps", "backend", "templates")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid and not entry.obsolete]


def test_the_shipped_catalogue_is_complete():
    entries = _messages(parse(CATALOGUE))
    assert len(entries) > 100
    untranslated = [entry.msgid for entry in entries if not entry.translated]
    assert untranslated == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext (.ci/apt-packages)")
def test_makemessages_finds_no_untranslated_message(tmp_path, monkeypatch):
    """The code's msgids now, merged into a copy of the catalogue: a new or changed string
    without its Spanish translation fails here. Run in a temporary tree whose source folders
    are links to the real ones, so the shipped catalogue is never written."""
    for folder in SOURCE_FOLDERS:
        (tmp_path / folder).symlink_to(Path(settings.BASE_DIR) / folder, target_is_directory=True)
    target = tmp_path / "locale" / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(CATALOGUE, target / "django.po")
    before = CATALOGUE.read_bytes()
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command(
            "makemessages",
            locale=["es"],
            ignore_patterns=IGNORE,
            symlinks=True,
            no_obsolete=True,
            verbosity=0,
        )
    assert CATALOGUE.read_bytes() == before
    merged = _messages(parse(target / "django.po"))
    untranslated = [entry.msgid for entry in merged if not entry.translated]
    assert untranslated == []
    assert {entry.msgid for entry in merged} == {
        entry.msgid for entry in _messages(parse(CATALOGUE))
    }, "the catalogue has msgids the code no longer uses, or misses some: run make messages"


def test_translations_keep_every_placeholder():
    for entry in _messages(parse(CATALOGUE)):
        for index, text in entry.msgstr.items():
            source = entry.msgid_plural if index and entry.msgid_plural else entry.msgid
            wanted = set(_PLACEHOLDER.findall(source)) - (
                {"%(count)d"} if entry.msgid_plural else set()
            )
            assert wanted <= set(_PLACEHOLDER.findall(text)), entry.msgid


def test_the_compiled_catalogue_is_the_po():
    with COMPILED.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in _messages(parse(CATALOGUE)):
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0]
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 5) == entry.msgstr[1]
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr[0], entry.msgid
