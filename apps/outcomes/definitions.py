"""The instrument file formats, validated into plain values (no database).

A definition file (``"format": "toh-instrument/1"``) is a FHIR R4 ``Questionnaire`` without
wording, item scores in the SDC ``itemWeight`` extension of each ``answerOption``, plus a
sidecar block of score definitions (``scores``) and the licence. A wording file
(``"format": "toh-wording/1"``) carries one language's text for one instrument version and,
for a licensed instrument, the conversion tables that come with the licence
(``lookup_tables``). docs/outcomes.md describes both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from pydantic import ValidationError as PydanticError

ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
DEFINITION_FORMAT = "toh-instrument/1"
WORDING_FORMAT = "toh-wording/1"
ITEM_KINDS = ("choice", "integer", "decimal", "string")
ALGORITHMS = ("sum", "mean", "rescaled_sum_0_100", "lookup")


class DefinitionError(ValueError):
    """A file that cannot be loaded; the message names the item or score at fault."""


@dataclass(frozen=True)
class OptionDef:
    code: str
    weight: float


@dataclass(frozen=True)
class ItemDef:
    link_id: str
    kind: str
    required: bool
    min_value: float | None
    max_value: float | None
    loinc: str
    options: tuple[OptionDef, ...] = ()


@dataclass(frozen=True)
class ScoreDef:
    code: str
    algorithm: str
    items: tuple[str, ...]
    min_answered: int
    range_min: float
    range_max: float
    better: str
    mcid: float | None
    mcid_source: str
    mdc: float | None
    mdc_source: str
    loinc: str
    item_range: tuple[float, float] | None
    reverse: bool
    lookup_key: str
    lookup: dict[str, float] | None


@dataclass(frozen=True)
class InstrumentDef:
    code: str
    version: str
    title: str
    licence: str
    licence_holder: str
    loinc: str
    source: str
    items: tuple[ItemDef, ...]
    scores: tuple[ScoreDef, ...]
    raw: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)


@dataclass(frozen=True)
class WordingDef:
    code: str
    version: str
    language: str
    title: str
    texts: dict[str, dict[str, Any]]
    lookup_tables: dict[str, dict[str, float]]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise DefinitionError(message)


def _number(value: Any, where: str) -> float:
    _require(
        isinstance(value, int | float) and not isinstance(value, bool),
        f"{where}: expected a number, got {value!r}",
    )
    return float(value)


def _extension(element: Mapping[str, Any], url: str) -> Any:
    for extension in element.get("extension") or []:
        if extension.get("url") == url:
            for key, value in extension.items():
                if key.startswith("value"):
                    return value
    return None


def _loinc(element: Mapping[str, Any]) -> str:
    for coding in element.get("code") or []:
        if coding.get("system") == "http://loinc.org":
            return str(coding.get("code", ""))
    return ""


def _item(raw: Mapping[str, Any]) -> ItemDef:
    link_id = raw.get("linkId")
    where = f"item {link_id!r}"
    kind = raw.get("type")
    _require(kind in ITEM_KINDS, f"{where}: type must be one of {', '.join(ITEM_KINDS)}")
    options: list[OptionDef] = []
    for index, option in enumerate(raw.get("answerOption") or []):
        code = (option.get("valueCoding") or {}).get("code")
        _require(bool(code), f"{where}: answerOption {index} has no valueCoding.code")
        weight = _extension(option, ITEM_WEIGHT)
        _require(weight is not None, f"{where}: answerOption {code!r} has no itemWeight")
        options.append(OptionDef(code=str(code), weight=_number(weight, f"{where} {code!r}")))
    codes = [option.code for option in options]
    _require(len(set(codes)) == len(codes), f"{where}: answer option codes repeat")
    _require(
        (kind == "choice") == bool(options),
        f"{where}: a choice item needs answer options, and only a choice item has them",
    )
    low, high = _extension(raw, MIN_VALUE), _extension(raw, MAX_VALUE)
    if kind in ("integer", "decimal"):
        _require(low is not None and high is not None, f"{where}: needs minValue and maxValue")
        _require(_number(low, where) < _number(high, where), f"{where}: minValue >= maxValue")
    return ItemDef(
        link_id=str(link_id),
        kind=str(kind),
        required=bool(raw.get("required", False)),
        min_value=None if low is None else float(low),
        max_value=None if high is None else float(high),
        loinc=_loinc(raw),
        options=tuple(options),
    )


def _item_bounds(item: ItemDef) -> tuple[float, float]:
    if item.options:
        weights = [option.weight for option in item.options]
        return min(weights), max(weights)
    return float(item.min_value or 0), float(item.max_value or 0)


def _lookup_table(raw: Any, where: str, low: float, high: float) -> dict[str, float]:
    _require(isinstance(raw, dict) and bool(raw), f"{where}: lookup must be a non-empty object")
    table = {}
    for key, value in raw.items():
        number = _number(value, f"{where} lookup[{key!r}]")
        _require(low <= number <= high, f"{where}: lookup[{key!r}] = {value} is out of range")
        table[str(key)] = number
    return table


def _score(raw: Mapping[str, Any], items: Mapping[str, ItemDef], licence: str) -> ScoreDef:
    code = raw.get("code")
    where = f"score {code!r}"
    _require(bool(code), "a score has no code")
    algorithm = raw.get("algorithm")
    _require(algorithm in ALGORITHMS, f"{where}: algorithm must be one of {', '.join(ALGORITHMS)}")
    ids = tuple(raw.get("items") or ())
    _require(bool(ids), f"{where}: lists no items")
    for link_id in ids:
        _require(link_id in items, f"{where}: item {link_id!r} is not in the questionnaire")
        _require(items[link_id].kind != "string", f"{where}: item {link_id!r} is free text")
    min_answered = raw.get("min_answered")
    if not (isinstance(min_answered, int) and 1 <= min_answered <= len(ids)):
        raise DefinitionError(f"{where}: min_answered must be 1..{len(ids)}")
    bounds = raw.get("range") or []
    _require(len(bounds) == 2, f"{where}: range must be [low, high]")
    low, high = _number(bounds[0], where), _number(bounds[1], where)
    _require(low < high, f"{where}: range low >= high")
    better = raw.get("better")
    _require(better in ("higher", "lower"), f"{where}: better must be higher or lower")
    thresholds = {}
    for name in ("mcid", "mdc"):
        value = raw.get(name)
        if value is not None:
            _require(_number(value, f"{where} {name}") > 0, f"{where}: {name} must be > 0")
            _require(bool(raw.get(f"{name}_source")), f"{where}: {name} needs {name}_source")
        thresholds[name] = None if value is None else float(value)
    item_range = None
    if algorithm == "rescaled_sum_0_100":
        given = raw.get("item_range")
        if given is None:
            given = [min(_item_bounds(items[i])[0] for i in ids)]
            given.append(max(_item_bounds(items[i])[1] for i in ids))
        _require(len(given) == 2 and given[0] < given[1], f"{where}: item_range [low, high]")
        item_range = (float(given[0]), float(given[1]))
    lookup = None
    if algorithm == "lookup":
        if raw.get("lookup") is not None:
            lookup = _lookup_table(raw["lookup"], where, low, high)
        else:
            _require(
                licence == "licensed" and bool(raw.get("lookup_ships_with_licence")),
                f"{where}: a lookup score needs its table (only a licensed instrument may "
                "leave it to the licensed file, with lookup_ships_with_licence)",
            )
    lookup_key = raw.get("lookup_key", "raw_sum")
    _require(lookup_key in ("raw_sum", "profile"), f"{where}: lookup_key raw_sum or profile")
    return ScoreDef(
        code=str(code),
        algorithm=str(algorithm),
        items=ids,
        min_answered=min_answered,
        range_min=low,
        range_max=high,
        better=str(better),
        mcid=thresholds["mcid"],
        mcid_source=str(raw.get("mcid_source", "")),
        mdc=thresholds["mdc"],
        mdc_source=str(raw.get("mdc_source", "")),
        loinc=str(raw.get("loinc", "")),
        item_range=item_range,
        reverse=bool(raw.get("reverse", False)),
        lookup_key=str(lookup_key),
        lookup=lookup,
    )


def _fhir_problem(error: PydanticError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"not a valid FHIR R4 Questionnaire at {where or 'the top'}: {first.get('msg')}"


def parse_definition(raw: Any) -> InstrumentDef:
    """A definition file's content, validated; DefinitionError names what is wrong."""
    _require(isinstance(raw, dict), "the file must hold a JSON object")
    _require(raw.get("format") == DEFINITION_FORMAT, f"format must be {DEFINITION_FORMAT!r}")
    questionnaire = raw.get("questionnaire")
    _require(isinstance(questionnaire, dict), "no questionnaire")
    try:
        Questionnaire.model_validate(questionnaire)
    except PydanticError as error:
        raise DefinitionError(_fhir_problem(error)) from error
    code = questionnaire.get("name")
    version = questionnaire.get("version")
    _require(bool(code) and bool(version), "the questionnaire needs a name (code) and version")
    licence = raw.get("licence") or {}
    _require(licence.get("class") in ("open", "licensed"), "licence.class: open or licensed")
    items: dict[str, ItemDef] = {}
    for item_raw in questionnaire.get("item") or []:
        _require(
            bool(item_raw.get("text")) is False,
            f"item {item_raw.get('linkId')!r}: "
            "wording belongs in a wording file, not in the definition",
        )
        item = _item(item_raw)
        _require(item.link_id not in items, f"item {item.link_id!r} appears twice")
        items[item.link_id] = item
    _require(bool(items), "the questionnaire has no items")
    scores = [_score(score, items, licence["class"]) for score in raw.get("scores") or []]
    _require(bool(scores), "no scores")
    codes = [score.code for score in scores]
    _require(len(set(codes)) == len(codes), "score codes repeat")
    return InstrumentDef(
        code=str(code),
        version=str(version),
        title=str(questionnaire.get("title") or code),
        licence=licence["class"],
        licence_holder=str(licence.get("holder", "")),
        loinc=_loinc(questionnaire),
        source=str(raw.get("source", "")),
        items=tuple(items.values()),
        scores=tuple(scores),
        raw=raw,
    )


def parse_wording(
    raw: Any, *, items: Mapping[str, ItemDef], scores: Mapping[str, ScoreDef]
) -> WordingDef:
    """A wording file checked against the definition it is for (its items and options)."""
    _require(raw.get("format") == WORDING_FORMAT, f"format must be {WORDING_FORMAT!r}")
    language = raw.get("language")
    _require(isinstance(language, str) and 2 <= len(language) <= 20, "language: a BCP 47 tag")
    texts = raw.get("items")
    _require(isinstance(texts, dict), "items: an object by link id")
    for link_id in texts:
        _require(link_id in items, f"item {link_id!r} is not in the questionnaire")
    for link_id, item in items.items():
        entry = texts.get(link_id)
        _require(isinstance(entry, dict) and bool(entry.get("text")), f"item {link_id!r}: no text")
        options = entry.get("options") or {}
        codes = {option.code for option in item.options}
        _require(
            set(options) == codes, f"item {link_id!r}: options must name exactly {sorted(codes)}"
        )
    tables: dict[str, dict[str, float]] = {}
    for score_code, table in (raw.get("lookup_tables") or {}).items():
        _require(score_code in scores, f"lookup table for unknown score {score_code!r}")
        score = scores[score_code]
        _require(score.algorithm == "lookup", f"score {score_code!r} does not use a lookup table")
        tables[score_code] = _lookup_table(
            table, f"score {score_code!r}", score.range_min, score.range_max
        )
    return WordingDef(
        code=str(raw.get("instrument")),
        version=str(raw.get("version")),
        language=language,
        title=str(raw.get("title") or raw.get("instrument")),
        texts=texts,
        lookup_tables=tables,
    )
