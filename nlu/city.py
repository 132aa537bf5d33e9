"""A city's vocabulary, read from its directory: services, streets, places, FAQ."""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class CityConfigError(Exception):
    """A city directory is missing a file or holds an invalid entry."""


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True, slots=True, kw_only=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceAttribute:
    """One Open311 service-definition field: asked by web and app clients."""

    code: str
    datatype: (
        str  # string, number, datetime, text, single/multivaluelist, informational
    )
    description: str
    required: bool
    order: int
    values: tuple[tuple[str, str], ...]  # (key, name) for the list datatypes


ATTRIBUTE_DATATYPES = frozenset(
    {
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
        "informational",  # Boston's: text shown to the resident, not a field
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """One entry of the Open311 catalog plus Cityline's own fields."""

    code: str  # Open311 service_code
    name: str  # Open311 service_name, as the catalog writes it
    spoken_name: str  # short phrase read back to callers: "a streetlight out"
    group: str
    description: str
    department: str  # Department.code
    default_urgency: Urgency
    keywords: tuple[str, ...]  # Open311 keywords
    synonyms: tuple[str, ...]  # how residents say it, added by the city
    # What a dispatcher needs to know that the caller may not say, asked once
    # before the read-back: "Is the car blocking a driveway, or a hydrant?"
    question: str | None = None
    attributes: tuple[ServiceAttribute, ...] = ()  # Open311 service definition


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingExample:
    """A sentence a caller might say, and the service it asks for."""

    text: str
    category: str | None  # service code; None: the sentence reports no service


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqEntry:
    """One question the line answers, the ways callers ask it, and the answer."""

    id: str  # stable name: "bulk_pickup"
    questions: tuple[str, ...]  # how residents ask it
    answer: str  # spoken to the caller: short, no URLs read out


@dataclass(frozen=True, slots=True, kw_only=True)
class Street:
    name: str  # base name: "Elm", "5th"
    suffix: str  # full suffix word: "Street", "Avenue"
    aliases: tuple[str, ...] = ()  # other ways the whole street is said
    min_address: int | None = None
    max_address: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.name} {self.suffix}".strip()


@dataclass(frozen=True, slots=True, kw_only=True)
class Landmark:
    """A place residents name instead of an address: "the public library"."""

    name: str  # as read back: "the Central Library"
    aliases: tuple[str, ...]  # other ways callers say it: "main library"
    house_number: str | None
    street: Street
    cross_street: Street | None = None  # a corner: "the park at Main and Elm"


@dataclass(frozen=True, slots=True, kw_only=True)
class City:
    name: str
    agency: str  # how the line introduces itself: "City services"
    operator_number: str  # E.164, dialled when a caller asks for a person
    example_address: str  # used in reprompts: "for example 200 Main Street"
    greeting: str  # the first words callers hear; default: the agency
    services: tuple[Service, ...]
    departments: tuple[Department, ...]
    streets: tuple[Street, ...]
    # Words to bias speech recognition toward when a caller names a problem.
    recognizer_hints: tuple[str, ...] = ()
    # Example sentences the category classifier learns from, beyond the catalog.
    examples: tuple[TrainingExample, ...] = ()
    # Questions the line answers instead of taking a report.
    faq: tuple[FaqEntry, ...] = ()
    # Places callers name instead of an address.
    landmarks: tuple[Landmark, ...] = ()
    directory: Path = field(default=Path("."))

    def service(self, code: str) -> Service:
        for service in self.services:
            if service.code == code:
                return service
        raise KeyError(code)

    def department(self, code: str) -> Department:
        for department in self.departments:
            if department.code == code:
                return department
        raise KeyError(code)


def _split(value: str | None, sep: str) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(sep) if part.strip())


def _read_json(path: Path) -> list[dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CityConfigError(f"{path.name} is missing in {path.parent}") from exc
    except json.JSONDecodeError as exc:
        raise CityConfigError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, list):
        raise CityConfigError(f"{path}: expected a JSON list")
    return data


def _load_services(path: Path, department_codes: set[str]) -> tuple[Service, ...]:
    services: list[Service] = []
    seen: set[str] = set()
    for index, raw in enumerate(_read_json(path)):
        where = f"{path.name}[{index}]"
        try:
            code = str(raw["service_code"])
            name = str(raw["service_name"])
            department = str(raw["department"])
        except KeyError as exc:
            raise CityConfigError(f"{where}: missing field {exc}") from exc
        if code in seen:
            raise CityConfigError(f"{where}: duplicate service_code {code}")
        seen.add(code)
        if department not in department_codes:
            raise CityConfigError(f"{where}: unknown department {department!r}")
        synonyms = raw.get("synonyms", [])
        if not isinstance(synonyms, list):
            raise CityConfigError(f"{where}: synonyms must be a list")
        question = raw.get("question")
        if question is not None and not (
            isinstance(question, str) and question.strip().endswith("?")
        ):
            raise CityConfigError(f"{where}: 'question' must be a question ending in ?")
        try:
            urgency = Urgency(str(raw.get("urgency", "normal")))
        except ValueError as exc:
            raise CityConfigError(f"{where}: unknown urgency {exc}") from exc
        services.append(
            Service(
                code=code,
                name=name,
                spoken_name=str(raw.get("spoken_name") or name),
                group=str(raw.get("group", "")),
                description=str(raw.get("description", "")),
                department=department,
                default_urgency=urgency,
                keywords=_split(str(raw.get("keywords") or ""), ","),
                synonyms=tuple(str(s) for s in synonyms),
                question=question.strip() if question else None,
                attributes=_attributes(raw.get("attributes", []), where),
            )
        )
    if not services:
        raise CityConfigError(f"{path}: the catalog has no services")
    _check_unique_synonyms(services)
    return tuple(services)


def _attributes(raw: object, where: str) -> tuple[ServiceAttribute, ...]:
    if not isinstance(raw, list):
        raise CityConfigError(f"{where}: attributes must be a list")
    found: list[ServiceAttribute] = []
    for number, item in enumerate(raw):
        at = f"{where}.attributes[{number}]"
        if not isinstance(item, dict) or not item.get("code"):
            raise CityConfigError(f"{at}: an attribute needs a code")
        datatype = str(item.get("datatype", ""))
        if datatype not in ATTRIBUTE_DATATYPES:
            raise CityConfigError(f"{at}: unknown datatype {datatype!r}")
        values = item.get("values") or []
        if datatype.endswith("valuelist") and not values:
            raise CityConfigError(f"{at}: a {datatype} needs values")
        found.append(
            ServiceAttribute(
                code=str(item["code"]),
                datatype=datatype,
                description=str(item.get("description") or ""),
                required=item.get("required") is True,
                order=int(item.get("order") or number + 1),
                values=tuple((str(v["key"]), str(v["name"])) for v in values),
            )
        )
    codes = [a.code for a in found]
    if len(set(codes)) != len(codes):
        raise CityConfigError(f"{where}: attribute codes repeat")
    return tuple(found)


def _check_unique_synonyms(services: list[Service]) -> None:
    # One phrase naming two services would make the category a coin toss.
    owner: dict[str, str] = {}
    for service in services:
        for synonym in service.synonyms:
            key = " ".join(synonym.lower().split())
            other = owner.setdefault(key, service.code)
            if other != service.code:
                raise CityConfigError(
                    f"services.json: synonym {synonym!r} belongs to both "
                    f"{other} and {service.code}"
                )


def _load_examples(path: Path, service_codes: set[str]) -> tuple[TrainingExample, ...]:
    """The optional training.jsonl: one {"text", "category"} object per line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return ()
    examples: list[TrainingExample] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CityConfigError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise CityConfigError(f"{where}: expected a JSON object")
        text, category = raw.get("text"), raw.get("category")
        if not isinstance(text, str) or not text.strip():
            raise CityConfigError(f"{where}: 'text' must be a non-empty string")
        if category is not None and category not in service_codes:
            raise CityConfigError(f"{where}: unknown service {category!r}")
        examples.append(TrainingExample(text=text, category=category))
    return tuple(examples)


def _load_faq(path: Path) -> tuple[FaqEntry, ...]:
    """The optional faq.json: a list of {"id", "questions", "answer"} objects."""
    if not path.exists():
        return ()
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(_read_json(path)):
        where = f"{path.name}[{index}]"
        if not isinstance(raw, dict):
            raise CityConfigError(f"{where}: expected a JSON object")
        entry_id, questions, answer = (
            raw.get("id"),
            raw.get("questions"),
            raw.get("answer"),
        )
        if not isinstance(entry_id, str) or not entry_id.strip():
            raise CityConfigError(f"{where}: 'id' must be a non-empty string")
        where = f"{where} ({entry_id})"
        if entry_id in seen:
            raise CityConfigError(f"{where}: duplicate id {entry_id!r}")
        seen.add(entry_id)
        if not isinstance(questions, list) or not questions:
            raise CityConfigError(f"{where}: 'questions' must be a non-empty list")
        if not all(isinstance(q, str) and q.strip() for q in questions):
            raise CityConfigError(f"{where}: every question must be a non-empty string")
        if not isinstance(answer, str) or not answer.strip():
            raise CityConfigError(f"{where}: missing 'answer' (a non-empty string)")
        entries.append(
            FaqEntry(
                id=entry_id,
                questions=tuple(str(q).strip() for q in questions),
                answer=answer.strip(),
            )
        )
    return tuple(entries)


def _load_landmarks(path: Path, streets: tuple[Street, ...]) -> tuple[Landmark, ...]:
    """The optional landmarks.json: {"name", "aliases", "house_number", "street",
    "cross_street"} objects whose streets are in streets.csv."""
    if not path.exists():
        return ()
    by_name = {street.full_name.lower(): street for street in streets}
    landmarks: list[Landmark] = []
    seen: set[str] = set()
    for index, raw in enumerate(_read_json(path)):
        where = f"{path.name}[{index}]"
        if not isinstance(raw, dict):
            raise CityConfigError(f"{where}: expected a JSON object")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CityConfigError(f"{where}: 'name' must be a non-empty string")
        where = f"{where} ({name})"
        aliases = raw.get("aliases", [])
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in aliases
        ):
            raise CityConfigError(f"{where}: 'aliases' must be a list of strings")
        for said in (name, *aliases):
            key = said.strip().lower()
            if key in seen:
                raise CityConfigError(f"{where}: {said!r} names two landmarks")
            seen.add(key)
        number = raw.get("house_number")
        if number is not None and not (isinstance(number, str) and number.isdigit()):
            raise CityConfigError(f"{where}: 'house_number' must be a string of digits")
        street, cross = raw.get("street"), raw.get("cross_street")
        found = by_name.get(str(street).strip().lower())
        if not isinstance(street, str) or found is None:
            raise CityConfigError(f"{where}: unknown street {street!r}")
        cross_found = None
        if cross is not None:
            cross_found = by_name.get(str(cross).strip().lower())
            if cross_found is None:
                raise CityConfigError(f"{where}: unknown cross street {cross!r}")
        landmarks.append(
            Landmark(
                name=name.strip(),
                aliases=tuple(a.strip() for a in aliases),
                house_number=number,
                street=found,
                cross_street=cross_found,
            )
        )
    return tuple(landmarks)


def _optional_int(value: str | None) -> int | None:
    return int(value) if value and value.strip() else None


def _load_streets(path: Path) -> tuple[Street, ...]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError as exc:
        raise CityConfigError(f"streets.csv is missing in {path.parent}") from exc
    streets: list[Street] = []
    for line, row in enumerate(rows, start=2):
        name = (row.get("name") or "").strip()
        suffix = (row.get("suffix") or "").strip()
        if not name:
            raise CityConfigError(f"{path.name}:{line}: street without a name")
        if not suffix:
            raise CityConfigError(f"{path.name}:{line}: street {name!r} has no suffix")
        streets.append(
            Street(
                name=name,
                suffix=suffix,
                aliases=_split(row.get("aliases"), "|"),
                min_address=_optional_int(row.get("min_address")),
                max_address=_optional_int(row.get("max_address")),
            )
        )
    if not streets:
        raise CityConfigError(f"{path}: no streets")
    return tuple(streets)


def load_city(directory: Path) -> City:
    """Read and check a city directory.

    Raises:
        CityConfigError: a file is missing or an entry is invalid.
    """
    directory = Path(directory)
    try:
        settings = tomllib.loads((directory / "city.toml").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CityConfigError(f"city.toml is missing in {directory}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CityConfigError(f"{directory / 'city.toml'}: {exc}") from exc
    departments = tuple(
        Department(code=str(raw["code"]), name=str(raw["name"]))
        for raw in _read_json(directory / "departments.json")
    )
    codes = {d.code for d in departments}
    services = _load_services(directory / "services.json", codes)
    streets = _load_streets(directory / "streets.csv")
    examples = _load_examples(
        directory / "training.jsonl", {service.code for service in services}
    )
    faq = _load_faq(directory / "faq.json")
    landmarks = _load_landmarks(directory / "landmarks.json", streets)
    agency = str(settings.get("agency", "City services"))
    try:
        return City(
            name=str(settings["name"]),
            agency=agency,
            operator_number=str(settings["operator_number"]),
            example_address=str(settings["example_address"]),
            greeting=str(settings.get("greeting") or f"{agency}."),
            services=services,
            departments=departments,
            streets=streets,
            recognizer_hints=tuple(
                str(h) for h in settings.get("recognizer_hints", [])
            ),
            examples=examples,
            faq=faq,
            landmarks=landmarks,
            directory=directory,
        )
    except KeyError as exc:
        raise CityConfigError(f"city.toml: missing setting {exc}") from exc
