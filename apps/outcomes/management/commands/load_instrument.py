"""`manage.py load_instrument FILE...`: load instrument definition or wording files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.outcomes.definitions import DefinitionError
from apps.outcomes.loader import load_instrument_file


class Command(BaseCommand):
    help = (
        "Load instrument files (a definition: FHIR Questionnaire + scores; or the wording of "
        "one language, which makes a licensed instrument available). Each file is one "
        "transaction: an invalid file changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["files"]:
            try:
                result = load_instrument_file(path)
            except DefinitionError as error:
                raise CommandError(f"{path}: {error}") from error
            state = "loaded" if result.changed else "unchanged"
            self.stdout.write(f"{path}: {result.code} {result.version} {result.what} {state}")
