"""Loading instrument files into the database (``manage.py load_instrument``, and the
shipped files after every ``migrate``). One transaction per file: a file that fails
validation changes nothing, and a file that changes something gives the catalogue a new
token in the same transaction (apps/outcomes/catalogue.py: every process's cache of the
instruments stops holding). A new version is a new Instrument row (the previous one stops
being current); stored responses and scores are never touched."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from apps.outcomes.catalogue import catalogue_changed
from apps.outcomes.definitions import (
    DEFINITION_FORMAT,
    WORDING_FORMAT,
    DefinitionError,
    InstrumentDef,
    ItemDef,
    ScoreDef,
    parse_definition,
    parse_wording,
)
from apps.outcomes.models import AnswerOption, Instrument, Item, ScoreDefinition, Wording

logger = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"


@dataclass(frozen=True)
class LoadResult:
    code: str
    version: str
    what: str  # "definition", "wording <lang>"
    changed: bool


def read_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DefinitionError(f"{path.name}: cannot read JSON ({error})") from error


def load_instrument_data(raw: Any) -> LoadResult:
    """Load one file's content (definition or wording) in one transaction."""
    if not isinstance(raw, dict):
        raise DefinitionError("the file must hold a JSON object")
    if raw.get("format") == WORDING_FORMAT:
        return _load_wording(raw)
    if raw.get("format") == DEFINITION_FORMAT:
        return _load_definition(parse_definition(raw))
    raise DefinitionError(f"format must be {DEFINITION_FORMAT!r} or {WORDING_FORMAT!r}")


def load_instrument_file(path: Path) -> LoadResult:
    return load_instrument_data(read_file(path))


def _load_definition(definition: InstrumentDef) -> LoadResult:
    with transaction.atomic():
        existing = (
            Instrument.objects.select_for_update()
            .filter(code=definition.code, version=definition.version)
            .first()
        )
        if existing is not None:
            if existing.definition != definition.raw:
                raise DefinitionError(
                    f"{definition.code} version {definition.version} is loaded already with "
                    "another definition; give the changed definition a new version"
                )
            return LoadResult(definition.code, definition.version, "definition", False)
        Instrument.objects.filter(code=definition.code, is_current=True).update(is_current=False)
        instrument = Instrument.objects.create(
            code=definition.code,
            version=definition.version,
            title=definition.title,
            licence=definition.licence,
            licence_holder=definition.licence_holder,
            loinc=definition.loinc,
            source=definition.source,
            definition=definition.raw,
            is_current=True,
        )
        for position, item in enumerate(definition.items):
            _create_item(instrument, item, position)
        for position, score in enumerate(definition.scores):
            _create_score(instrument, score, position)
        catalogue_changed()  # with the bulk writes and the update, which send no signals
    return LoadResult(definition.code, definition.version, "definition", True)


def _create_item(instrument: Instrument, item: ItemDef, position: int) -> None:
    row = Item.objects.create(
        instrument=instrument,
        link_id=item.link_id,
        position=position,
        kind=item.kind,
        required=item.required,
        min_value=item.min_value,
        max_value=item.max_value,
        loinc=item.loinc,
    )
    AnswerOption.objects.bulk_create(
        [
            AnswerOption(item=row, code=option.code, weight=option.weight, position=index)
            for index, option in enumerate(item.options)
        ]
    )


def _create_score(instrument: Instrument, score: ScoreDef, position: int) -> None:
    ScoreDefinition.objects.create(
        instrument=instrument,
        code=score.code,
        position=position,
        algorithm=score.algorithm,
        items=list(score.items),
        min_answered=score.min_answered,
        range_min=score.range_min,
        range_max=score.range_max,
        better=score.better,
        mcid=score.mcid,
        mcid_source=score.mcid_source,
        mdc=score.mdc,
        mdc_source=score.mdc_source,
        loinc=score.loinc,
        lookup=score.lookup,
    )


def _load_wording(raw: dict[str, Any]) -> LoadResult:
    with transaction.atomic():
        instrument = (
            Instrument.objects.select_for_update()
            .filter(code=raw.get("instrument"), version=str(raw.get("version")))
            .first()
        )
        if instrument is None:
            raise DefinitionError(
                f"no instrument {raw.get('instrument')!r} version {raw.get('version')!r}: load "
                "its definition first"
            )
        definition = parse_definition(instrument.definition)
        wording = parse_wording(
            raw,
            items={item.link_id: item for item in definition.items},
            scores={score.code: score for score in definition.scores},
        )
        stored = Wording.objects.filter(instrument=instrument, language=wording.language).first()
        changed = stored is None or (stored.title, stored.texts) != (wording.title, wording.texts)
        if changed:
            Wording.objects.update_or_create(
                instrument=instrument,
                language=wording.language,
                defaults={"title": wording.title, "texts": wording.texts},
            )
        for score_code, table in wording.lookup_tables.items():
            updated = ScoreDefinition.objects.filter(
                instrument=instrument, code=score_code
            ).exclude(lookup=table)
            changed = bool(updated.update(lookup=table)) or changed
        if changed:
            catalogue_changed()  # in this transaction: the update sends no signal
    return LoadResult(instrument.code, instrument.version, f"wording {wording.language}", changed)


def shipped_files() -> list[Path]:
    """Definitions first, then wordings (a wording needs its definition)."""
    files = sorted(SHIPPED_DIR.glob("*.json"))
    return [f for f in files if f.stem.count(".") == 0] + [f for f in files if "." in f.stem]


def load_shipped_instruments() -> list[LoadResult]:
    return [load_instrument_file(path) for path in shipped_files()]


def load_shipped_instruments_after_migrate(**kwargs: Any) -> None:
    """post_migrate receiver: the shipped files, loaded once (reloading changes nothing)."""
    using = kwargs.get("using", "default")
    if using != "default":
        return
    results = load_shipped_instruments()
    loaded = [f"{r.code} {r.what}" for r in results if r.changed]
    if loaded:
        logger.info("outcomes: loaded %s", ", ".join(loaded))
