"""The shipped example city and the Riverton test city load and hold together."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cities import EXAMPLE_CITY_DIR
from cities.build_example import DEFAULT_SHARED, build, spoken_ordinal
from nlu.city import City, CityConfigError, Urgency, load_city

RIVERTON_DIR = Path(__file__).parent / "riverton"

# One catalog code per everyday problem the line must take.
EVERYDAY_PROBLEMS = {
    "pothole": "REQPOTHL",
    "streetlight out": "STRLGTOUT",
    "graffiti": "GENGRAFFITI",
    "missed trash or recycling": "MTRECYDBI",
    "bulk item pickup": "SCHDBLKITM",
    "abandoned vehicle": "ABNDVHCL",
    "illegal parking": "PRKGENFORC",
    "traffic signal": "TFCSGNINSP",
    "sidewalk repair": "SDWRPR",
    "fallen tree": "TREEEMGNCY",
    "tree pruning": "TREEMAINT",
    "rodents": "RODENTACT",
    "illegal dumping": "ILGLDUMP",
    "broken sign": "MISDMGSGN",
    "needle pickup": "NEEDRMVL",
    "unshoveled sidewalk": "UNSHVSDWLK",
    "snow plowing": "SNOWPLOW",
    "street cleaning": "STRCLEAN",
    "dead animal": "PUDEADANML",
    "noise": "WHLNCOMP",
}

# Used by prompts, examples and the committed test audio.
REQUIRED_STREETS = [
    "Elm Street",
    "Maple Avenue",
    "Main Street",
    "Oak Avenue",
    "Washington Street",
    "Chestnut Street",
    "Park Avenue",
    "Lake Street",
    "5th Avenue",
    "Harrison Street",
]

# Addresses spoken in the committed test audio and the city's reprompt.
EXAMPLE_ADDRESSES = [
    "1420 Elm Street",
    "412 Maple Avenue",
    "27 Chestnut Street",
    "88 Washington Street",
    "200 Main Street",
]

BOTH_CITIES = [EXAMPLE_CITY_DIR, RIVERTON_DIR]
BOTH_CITY_IDS = ["example", "riverton"]
BOSTON_CATALOG = DEFAULT_SHARED / "data" / "boston" / "services.json"


@pytest.fixture(scope="module")
def example() -> City:
    return load_city(EXAMPLE_CITY_DIR)


@pytest.fixture(scope="module")
def riverton() -> City:
    return load_city(RIVERTON_DIR)


@pytest.fixture
def broken_city(tmp_path: Path) -> Path:
    """A writable copy of Riverton for tests to damage."""
    directory = tmp_path / "city"
    shutil.copytree(RIVERTON_DIR, directory)
    return directory


def _phrases(city: City) -> list[tuple[str, str]]:
    return [
        (" ".join(phrase.lower().split()), service.code)
        for service in city.services
        for phrase in (service.spoken_name, *service.synonyms)
    ]


def _street_number(address: str) -> tuple[int, str]:
    number, street = address.split(" ", 1)
    return int(number), street


def test_example_city_offers_at_least_eighteen_services(example: City) -> None:
    assert len(example.services) >= 18


@pytest.mark.parametrize(("problem", "code"), EVERYDAY_PROBLEMS.items())
def test_example_city_takes_everyday_problem(
    example: City, problem: str, code: str
) -> None:
    assert code in {s.code for s in example.services}, problem


@pytest.mark.parametrize("city_dir", BOTH_CITIES, ids=BOTH_CITY_IDS)
def test_every_service_routes_to_a_listed_department(city_dir: Path) -> None:
    city = load_city(city_dir)
    codes = {d.code for d in city.departments}
    assert len(codes) == len(city.departments)
    assert {s.department for s in city.services} <= codes


@pytest.mark.parametrize("city_dir", BOTH_CITIES, ids=BOTH_CITY_IDS)
def test_no_phrase_names_two_services(city_dir: Path) -> None:
    owners: dict[str, set[str]] = {}
    for phrase, code in _phrases(load_city(city_dir)):
        owners.setdefault(phrase, set()).add(code)
    shared = {phrase: codes for phrase, codes in owners.items() if len(codes) > 1}
    assert shared == {}


def test_example_services_have_five_to_twelve_synonyms(example: City) -> None:
    counts = {s.code: len(s.synonyms) for s in example.services}
    assert all(5 <= n <= 12 for n in counts.values()), counts


def test_example_spoken_names_are_short(example: City) -> None:
    # They are read back inside "A ___ at 412 Maple Avenue, normal urgency."
    long_names = [s.spoken_name for s in example.services if len(s.spoken_name) > 30]
    assert long_names == []


def test_urgent_hazards_default_to_high_urgency(example: City) -> None:
    for code in ("NEEDRMVL", "TFCSGNINSP", "TREEEMGNCY"):
        assert example.service(code).default_urgency is Urgency.HIGH, code


@pytest.mark.skipif(not BOSTON_CATALOG.exists(), reason="shared data not present")
def test_example_services_keep_boston_open311_fields(example: City) -> None:
    boston = {
        s["service_code"]: s
        for s in json.loads(BOSTON_CATALOG.read_text(encoding="utf-8"))
    }
    for service in example.services:
        source = boston[service.code]
        assert (service.name, service.description, service.group) == (
            source["service_name"],
            source["description"],
            source["group"],
        )


@pytest.mark.parametrize("street", REQUIRED_STREETS)
def test_example_city_has_street(example: City, street: str) -> None:
    assert street in {s.full_name for s in example.streets}


def test_example_city_has_a_few_hundred_streets(example: City) -> None:
    assert 300 <= len(example.streets) <= 500


@pytest.mark.parametrize("city_dir", BOTH_CITIES, ids=BOTH_CITY_IDS)
def test_streets_are_unique_and_have_suffix_and_sane_range(city_dir: Path) -> None:
    streets = load_city(city_dir).streets
    full_names = [s.full_name for s in streets]
    assert len(full_names) == len(set(full_names))
    for street in streets:
        assert street.suffix and street.suffix[0].isupper(), street
        assert street.min_address is not None and street.max_address is not None
        assert 0 < street.min_address <= street.max_address, street


@pytest.mark.parametrize("city_dir", BOTH_CITIES, ids=BOTH_CITY_IDS)
def test_example_address_is_a_real_house_on_a_listed_street(city_dir: Path) -> None:
    city = load_city(city_dir)
    number, street_name = _street_number(city.example_address)
    street = next(s for s in city.streets if s.full_name == street_name)
    assert street.min_address is not None and street.max_address is not None
    assert street.min_address <= number <= street.max_address


@pytest.mark.parametrize("address", EXAMPLE_ADDRESSES)
def test_example_addresses_fall_within_their_street_range(
    example: City, address: str
) -> None:
    number, street_name = _street_number(address)
    street = next(s for s in example.streets if s.full_name == street_name)
    assert street.min_address is not None and street.max_address is not None
    assert street.min_address <= number <= street.max_address


def test_numbered_streets_can_be_said_in_words(example: City) -> None:
    fifth = next(s for s in example.streets if s.full_name == "5th Avenue")
    assert fifth.aliases == ("Fifth Avenue",)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1, "First"),
        (5, "Fifth"),
        (12, "Twelfth"),
        (22, "Twenty-Second"),
        (40, "Fortieth"),
        (100, "One Hundredth"),
        (110, "One Hundred Tenth"),
        (121, "One Hundred Twenty-First"),
    ],
)
def test_ordinal_is_spelled_as_spoken(number: int, words: str) -> None:
    assert spoken_ordinal(number) == words


def test_riverton_shares_no_service_codes_with_example(
    example: City, riverton: City
) -> None:
    assert {s.code for s in riverton.services}.isdisjoint(
        {s.code for s in example.services}
    )


def test_riverton_shares_no_street_names_with_example(
    example: City, riverton: City
) -> None:
    assert {s.name for s in riverton.streets}.isdisjoint(
        {s.name for s in example.streets}
    )


def test_riverton_copy_loads_before_it_is_broken(broken_city: Path) -> None:
    # Guards the failure tests below: they must fail for the damage they do.
    assert load_city(broken_city).name == "Riverton"


def test_service_with_unknown_department_is_rejected(broken_city: Path) -> None:
    path = broken_city / "services.json"
    services = json.loads(path.read_text(encoding="utf-8"))
    services[1]["department"] = "SANITATION"
    path.write_text(json.dumps(services), encoding="utf-8")
    with pytest.raises(
        CityConfigError, match=r"services\.json\[1\]: unknown department 'SANITATION'"
    ):
        load_city(broken_city)


def test_synonym_shared_by_two_services_is_rejected(broken_city: Path) -> None:
    path = broken_city / "services.json"
    services = json.loads(path.read_text(encoding="utf-8"))
    services[2]["synonyms"].append(services[0]["synonyms"][0].upper())
    path.write_text(json.dumps(services), encoding="utf-8")
    with pytest.raises(CityConfigError, match=r"synonym .* belongs to both"):
        load_city(broken_city)


@pytest.mark.parametrize(
    ("attribute", "error"),
    [
        ({"code": "A", "datatype": "colour"}, r"unknown datatype 'colour'"),
        (
            {"code": "A", "datatype": "singlevaluelist"},
            r"a singlevaluelist needs values",
        ),
        ({"datatype": "string"}, r"an attribute needs a code"),
    ],
)
def test_bad_service_attribute_is_rejected(
    broken_city: Path, attribute: dict[str, str], error: str
) -> None:
    path = broken_city / "services.json"
    services = json.loads(path.read_text(encoding="utf-8"))
    services[0]["attributes"] = [attribute]
    path.write_text(json.dumps(services), encoding="utf-8")
    with pytest.raises(CityConfigError, match=error):
        load_city(broken_city)


def test_street_without_suffix_is_rejected(broken_city: Path) -> None:
    with (broken_city / "streets.csv").open("a", encoding="utf-8") as handle:
        handle.write("Bramble,,,1,10\n")
    with pytest.raises(CityConfigError, match=r"streets\.csv:18: .*'Bramble'.*suffix"):
        load_city(broken_city)


def test_landmark_on_unknown_street_is_rejected(broken_city: Path) -> None:
    path = broken_city / "landmarks.json"
    landmarks = json.loads(path.read_text(encoding="utf-8"))
    landmarks[1]["cross_street"] = "Bramble Way"
    path.write_text(json.dumps(landmarks), encoding="utf-8")
    with pytest.raises(
        CityConfigError,
        match=r"landmarks\.json\[1\] \(the Ferry Dock\): unknown cross street",
    ):
        load_city(broken_city)


def test_name_shared_by_two_landmarks_is_rejected(broken_city: Path) -> None:
    path = broken_city / "landmarks.json"
    landmarks = json.loads(path.read_text(encoding="utf-8"))
    landmarks[1]["aliases"].append("The Mill")
    path.write_text(json.dumps(landmarks), encoding="utf-8")
    with pytest.raises(CityConfigError, match=r"'The Mill' names two landmarks"):
        load_city(broken_city)


def test_landmarks_resolve_to_listed_streets(riverton: City, example: City) -> None:
    assert [lm.street.full_name for lm in riverton.landmarks] == [
        "Millrace Lane",
        "Ferryboat Landing",
    ]
    assert riverton.landmarks[1].cross_street is not None
    assert len(example.landmarks) >= 8


@pytest.mark.parametrize(
    "filename", ["city.toml", "departments.json", "services.json", "streets.csv"]
)
def test_missing_file_is_named_in_the_error(broken_city: Path, filename: str) -> None:
    (broken_city / filename).unlink()
    with pytest.raises(CityConfigError, match=f"{re.escape(filename)} is missing"):
        load_city(broken_city)


@pytest.mark.skipif(not BOSTON_CATALOG.exists(), reason="shared data not present")
def test_committed_example_city_matches_its_build_script(tmp_path: Path) -> None:
    build(DEFAULT_SHARED, tmp_path)
    names = ("city.toml", "departments.json", "services.json", "streets.csv")
    for name in (*names, "faq.json", "landmarks.json"):
        committed = (EXAMPLE_CITY_DIR / name).read_text(encoding="utf-8")
        assert (tmp_path / name).read_text(encoding="utf-8") == committed, name


def test_city_without_training_examples_loads_with_none(riverton: City) -> None:
    assert riverton.examples == ()


def test_example_city_ships_training_examples_for_every_service(
    example: City,
) -> None:
    taught = {e.category for e in example.examples}
    assert {s.code for s in example.services} <= taught
    assert None in taught


def test_training_example_with_unknown_service_is_rejected(broken_city: Path) -> None:
    (broken_city / "training.jsonl").write_text(
        '{"text": "the dock is broken", "category": "NOSUCH"}\n', encoding="utf-8"
    )
    with pytest.raises(
        CityConfigError, match=r"training\.jsonl:1: unknown service 'NOSUCH'"
    ):
        load_city(broken_city)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"text": "", "category": null}', "'text' must be a non-empty string"),
    ],
)
def test_malformed_training_example_names_its_line(
    broken_city: Path, line: str, message: str
) -> None:
    (broken_city / "training.jsonl").write_text(
        f'{{"text": "hello", "category": null}}\n\n{line}\n', encoding="utf-8"
    )
    with pytest.raises(CityConfigError, match=r"training\.jsonl:3: ") as raised:
        load_city(broken_city)
    assert message in str(raised.value)


def test_riverton_faq_loads(riverton: City) -> None:
    assert [entry.id for entry in riverton.faq] == [
        "ferry_schedule",
        "dock_permit",
        "town_hall_hours",
    ]
    assert all(entry.questions and entry.answer for entry in riverton.faq)


def test_city_without_faq_loads_with_none(broken_city: Path) -> None:
    (broken_city / "faq.json").unlink()
    assert load_city(broken_city).faq == ()


def _damage_faq(directory: Path, index: int, **changes: object) -> None:
    path = directory / "faq.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            del entries[index][key]
        else:
            entries[index][key] = value
    path.write_text(json.dumps(entries), encoding="utf-8")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "ferry_schedule"}, r"faq\.json\[1\] \(ferry_schedule\): duplicate id"),
        ({"questions": []}, r"faq\.json\[1\] \(dock_permit\): 'questions' must be"),
        ({"questions": None}, r"faq\.json\[1\] \(dock_permit\): 'questions' must be"),
        ({"questions": ["ok", " "]}, r"every question must be a non-empty string"),
        ({"answer": None}, r"faq\.json\[1\] \(dock_permit\): missing 'answer'"),
        ({"answer": ""}, r"faq\.json\[1\] \(dock_permit\): missing 'answer'"),
        ({"id": None}, r"faq\.json\[1\]: 'id' must be a non-empty string"),
    ],
)
def test_broken_faq_entry_is_rejected(
    broken_city: Path, changes: dict[str, object], message: str
) -> None:
    _damage_faq(broken_city, 1, **changes)
    with pytest.raises(CityConfigError, match=message):
        load_city(broken_city)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", r"faq\.json: not valid JSON"),
        ('{"id": "x"}', r"faq\.json: expected a JSON list"),
        ('["a string"]', r"faq\.json\[0\]: expected a JSON object"),
    ],
)
def test_malformed_faq_file_is_rejected(
    broken_city: Path, text: str, message: str
) -> None:
    (broken_city / "faq.json").write_text(text, encoding="utf-8")
    with pytest.raises(CityConfigError, match=message):
        load_city(broken_city)


def test_service_question_must_be_a_question(broken_city: Path) -> None:
    path = broken_city / "services.json"
    services = json.loads(path.read_text(encoding="utf-8"))
    services[0]["question"] = "Tell me more"
    path.write_text(json.dumps(services), encoding="utf-8")
    with pytest.raises(CityConfigError, match=r"'question' must be a question"):
        load_city(broken_city)
