"""Build the example city in cities/example from the public reference data.

Sources, all under the shared data folder (see its README.md for commits):
- boston/services.json: Boston's Open311 catalog (CC0). Every Open311 field of a
  service is copied unchanged; its department comes from the catalog's
  `definitions.service_departments`, folded into a few city-wide departments.
- cities/top-services-12-cities.csv: the Boston column ranks the services.
- streets/chicago-street-names.csv: real name + suffix pairs and address ranges.
- streets/us-common-street-names.csv: which base names are common, and how to
  spell them (Title Case, "5th").
- streets/usps-street-suffixes.csv: abbreviation -> full suffix word.

Hand-written here: department names, spoken names, synonyms, urgencies, the
top-list names that the catalog spells differently, five streets Chicago lacks,
one widened address range and the FAQ (faq.json); in cities/example_training.py,
the example sentences the category classifier learns from (training.jsonl).

Run: python -m cities.build_example [--shared PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cities import EXAMPLE_CITY_DIR
from cities.example_training import EXAMPLES, OFF_TOPIC
from nlu.city import FaqEntry, Urgency, load_city

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"

# Ranked services taken from the Boston top list; the everyday problems below are
# added even when they rank lower.
TOP_SERVICE_COUNT = 24

OPEN311_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "keywords",
    "group",
    "metadata",
    "type",
)

CITY_TOML = """\
name = "Example City"
agency = "City services"
# Twilio's magic test number: dialling it succeeds without reaching anyone.
operator_number = "+15005550006"
example_address = "200 Main Street"
# Words the speech recognizer is told to expect when a caller describes a
# problem: short everyday words, not catalog names (a long list of names pulls
# whisper toward them: "pothole" became "parked cars").
recognizer_hints = [
  "pothole", "streetlight", "graffiti", "trash", "recycling", "dumping",
  "abandoned car", "sidewalk", "tree", "rats", "needle", "snow", "traffic light",
]
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Department:
    code: str
    name: str
    catalog_prefixes: tuple[str, ...]  # Boston department names before the "-"


# Boston names 30 sub-units ("PWD-Highway", "ISD-Housing"); a caller only needs
# to hear which department took the case, so they fold into eight.
DEPARTMENTS = (
    Department(code="PUBLIC_WORKS", name="Public Works", catalog_prefixes=("PWD",)),
    Department(
        code="TRANSPORTATION",
        name="Transportation",
        catalog_prefixes=("Transportation",),
    ),
    Department(
        code="PARKS",
        name="Parks and Recreation",
        catalog_prefixes=("Parks & Recreation",),
    ),
    Department(
        code="INSPECTIONAL",
        name="Inspectional Services",
        catalog_prefixes=("ISD",),
    ),
    Department(
        code="WATER_SEWER",
        name="Water and Sewer",
        catalog_prefixes=("Boston Water & Sewer",),
    ),
    Department(
        code="PUBLIC_HEALTH",
        name="Public Health",
        catalog_prefixes=("Boston Public Health Commission",),
    ),
    Department(
        code="ANIMAL_CONTROL",
        name="Animal Control",
        catalog_prefixes=("Animal Control",),
    ),
    # The 311 desk and the disability commission both take general requests.
    Department(
        code="CONSTITUENT_SERVICES",
        name="Constituent Services",
        catalog_prefixes=(
            "Mayor's Office",
            "Mayor's Commission for Persons with Disabilities",
        ),
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Spoken:
    """Cityline's hand-written fields for one catalog service."""

    spoken_name: str  # fits "A ___ at 412 Maple Avenue, normal urgency."
    synonyms: tuple[str, ...]  # how residents say it; unique across services
    urgency: Urgency = Urgency.NORMAL
    department: str | None = None  # only where the catalog names none
    question: str | None = None  # asked before the read-back, answer kept


# The everyday problems a 311 line must take, whatever their rank.
REQUIRED_CODES = (
    "REQPOTHL",  # pothole
    "STRLGTOUT",  # streetlight out
    "GENGRAFFITI",  # graffiti
    "MTRECYDBI",  # missed trash or recycling pickup
    "SCHDBLKITM",  # bulk item pickup
    "ABNDVHCL",  # abandoned vehicle
    "PRKGENFORC",  # illegal parking
    "TFCSGNINSP",  # traffic signal
    "SDWRPR",  # sidewalk repair
    "TREEEMGNCY",  # fallen tree
    "TREEMAINT",  # tree pruning
    "RODENTACT",  # rodents
    "ILGLDUMP",  # illegal dumping
    "MISDMGSGN",  # broken sign
    "NEEDRMVL",  # needle pickup
    "UNSHVSDWLK",  # unshoveled sidewalk
    "SNOWPLOW",  # snow plowing
    "STRCLEAN",  # street cleaning
    "PUDEADANML",  # dead animal
    "WHLNCOMP",  # noise: the catalog's only street noise service
)

# The top list uses Boston's internal case types, which rarely match the public
# catalog's service_name; exact matches need no entry here. Names with no clear
# catalog service ("CE Collection", "PRINTED", "Call Log") are left out.
TOP_NAME_TO_CODE = {
    "Schedule a Bulk Item Pickup": "SCHDBLKITM",
    "Schedule Bulk Item Pickup": "SCHDBLKITM",
    "Requests for Street Cleaning": "STRCLEAN",
    "Parking Enforcement": "PRKGENFORC",
    "Pothole Repair (Internal)": "REQPOTHL",
    "Street Light Outages": "STRLGTOUT",
    "Sidewalk Repair (Make Safe)": "SDWRPR",
    "Sidewalk Repair": "SDWRPR",
    "Tree Maintenance Requests": "TREEMAINT",
    "Sign Repair": "MISDMGSGN",
    "Missing Sign": "MISDMGSGN",
    "Unsatisfactory Living Conditions": "UNSATLC",
    "Request for Recycling Cart": "RECCRTREQ",
    "Graffiti Removal": "GENGRAFFITI",
    "PWD Graffiti": "GENGRAFFITI",
    "Abandoned Vehicles": "ABNDVHCL",
    "Pick up Dead Animal": "PUDEADANML",
    "Improper Storage of Trash (Barrels)": "IMPSTRTRSH",
    "Building Inspection Request": "BLGPMTINSP",
    "Sticker Request": "STCKRREQ",
    "Traffic Signal Repair": "TFCSGNINSP",
    "Traffic Signal Inspection": "TFCSGNINSP",
    "New Tree Requests": "NWTRREQ",
    "Animal Generic Request": "ANMLGEN",
    "Empty Litter Basket": "EMPLITBSKT",
    "Tree Emergencies": "TREEEMGNCY",
    "Heat - Excessive  Insufficient": "HEAT",
    "Unsafe/Dangerous Conditions": "DGRCOND",
    "Recycling Cart Return": "RECCRTRTN",
    "Equipment Repair": "EQUIPREPR",
    "General Lighting Request": "GENLGTREQ",
    "Contractor Complaints": "PCONCMPLNT",
    "Contractors Complaint": "PCONCMPLNT",
    "Space Savers": "SPCSVR",
    "Needle Pickup": "NEEDRMVL",
    "Misc. Snow Complaint": "MISCSNOW",
    "Public Works General Request": "PWDGENREQ",
    "Major System Failure": "MJRSYSFAIL",
    "Abandoned Bicycle": "ABNDBIKE",
    "Unsanitary Conditions - Establishment": "UCESTAB",
    "Street Light Knock Downs": "STRLGTKDWN",
    "Bed Bugs": "BEDBUG",
    "Illegal Dumping": "ILGLDUMP",
    "Catchbasin": "CATCHBASE",
    "Missed Trash/Recycling/Yard Waste/Bulk Item": "MTRECYDBI",
    "Overflowing or Un-kept Dumpster": "UNSANTRSH",
    "Recycling Cart Inquiry": "RECCRTINQ",
    "Trash on Vacant Lot": "TRSHVACLOT",
    "Pavement Marking Maintenance": "PVMTMRKINS",
    "Sidewalk Cover / Manhole": "MANHOLE",
    "General Comments For a Program or Policy": "GENCMTSEMP",
    "Unsanitary Conditions - Food": "UCFOOD",
    "Plumbing": "MECPMTINSP",
    "Breathe Easy": "BRTHESY",
}
# Missed pickups are logged per collection district: "Missed Trash: District 07".
MISSED_PICKUP = re.compile(r"^Missed (Trash|Recycling): District ")
MISSED_PICKUP_CODE = "MTRECYDBI"

LOW, HIGH = Urgency.LOW, Urgency.HIGH

SPOKEN: dict[str, Spoken] = {
    "SCHDBLKITM": Spoken(
        spoken_name="bulk item pickup",
        urgency=LOW,
        synonyms=(
            "bulk pickup",
            "pick up a couch",
            "old sofa to get rid of",
            "get rid of furniture",
            "large item collection",
            "haul away a fridge",
            "appliance pickup",
            "big item for the trash",
        ),
    ),
    "STRCLEAN": Spoken(
        spoken_name="street cleaning request",
        urgency=LOW,
        synonyms=(
            "street sweeping",
            "street sweeper",
            "dirty street",
            "street needs cleaning",
            "litter all over the road",
            "sweep the street",
            "debris in the street",
        ),
    ),
    "SNOWPLOW": Spoken(
        spoken_name="street that needs plowing",
        synonyms=(
            "plow my street",
            "street not plowed",
            "snow plow",
            "unplowed road",
            "road covered in snow",
            "the plow never came",
            "snowed in street",
        ),
    ),
    "PRKGENFORC": Spoken(
        spoken_name="illegally parked car",
        question="Is the car blocking a driveway, a hydrant, or the street?",
        synonyms=(
            "illegal parking",
            "blocking my driveway",
            "parked in front of a hydrant",
            "double parked",
            "parked on the sidewalk",
            "parked in the crosswalk",
            "car blocking the street",
            "parked in a no parking zone",
        ),
    ),
    "REQPOTHL": Spoken(
        spoken_name="pothole",
        synonyms=(
            "hole in the road",
            "pot hole",
            "hole in the street",
            "crater in the road",
            "sinkhole",
            "big hole in the pavement",
            "pavement is broken up",
        ),
    ),
    "STRLGTOUT": Spoken(
        spoken_name="streetlight out",
        synonyms=(
            "light is out",
            "lamp post dark",
            "street lamp out",
            "streetlight not working",
            "street light broken",
            "light pole out",
            "street light flickering",
            "street is dark at night",
        ),
    ),
    "SDWRPR": Spoken(
        spoken_name="broken sidewalk",
        question="Is the sidewalk cracked, broken, or lifted up?",
        synonyms=(
            "sidewalk repair",
            "cracked sidewalk",
            "uneven sidewalk",
            "tripping hazard",
            "sidewalk heaved up",
            "raised slab",
            "crumbling sidewalk",
        ),
    ),
    "TREEMAINT": Spoken(
        spoken_name="tree that needs trimming",
        urgency=LOW,
        synonyms=(
            "tree trimming",
            "prune a tree",
            "tree pruning",
            "overhanging branches",
            "branches touching the wires",
            "dead branches",
            "tree needs cutting back",
        ),
    ),
    "MISDMGSGN": Spoken(
        spoken_name="broken street sign",
        synonyms=(
            "missing stop sign",
            "sign knocked down",
            "street sign missing",
            "bent sign",
            "sign is down",
            "damaged road sign",
            "sign fell over",
        ),
    ),
    "UNSATLC": Spoken(
        spoken_name="unsafe apartment",
        synonyms=(
            "landlord won't fix",
            "mold in my apartment",
            "leaking ceiling",
            "apartment in bad shape",
            "housing inspection",
            "roaches in my apartment",
            "unsafe living conditions",
        ),
    ),
    "RECCRTREQ": Spoken(
        spoken_name="recycling cart request",
        urgency=LOW,
        synonyms=(
            "new recycling bin",
            "need a recycling cart",
            "recycling bin stolen",
            "blue bin",
            "extra recycling bin",
            "replace my recycling container",
        ),
    ),
    "GENGRAFFITI": Spoken(
        spoken_name="graffiti report",
        urgency=LOW,
        # Boston's catalog names no department; its case list files graffiti
        # under Public Works ("PWD Graffiti").
        department="PUBLIC_WORKS",
        synonyms=(
            "spray paint",
            "tagging",
            "vandalism on a wall",
            "graffiti on the building",
            "someone spray painted",
            "tags on the fence",
            "painted on the wall",
        ),
    ),
    "ABNDVHCL": Spoken(
        spoken_name="abandoned vehicle",
        question="How long has it been there, and does it have plates?",
        synonyms=(
            "car with no plates",
            "abandoned car",
            "junk car",
            "car hasn't moved in weeks",
            "derelict vehicle",
            "car with expired tags",
            "car sitting on flat tires",
        ),
    ),
    "PUDEADANML": Spoken(
        spoken_name="dead animal",
        question="What kind of animal is it, and about how big?",
        synonyms=(
            "dead raccoon",
            "dead deer",
            "roadkill",
            "dead dog in the road",
            "dead cat",
            "dead bird",
            "animal carcass",
            "dead squirrel",
        ),
    ),
    "RODENTACT": Spoken(
        spoken_name="rodent problem",
        synonyms=(
            "rats",
            "mice",
            "rat problem",
            "rodents",
            "rat burrows",
            "seeing rats",
            "rats in the alley",
        ),
    ),
    "IMPSTRTRSH": Spoken(
        spoken_name="trash storage complaint",
        urgency=LOW,
        synonyms=(
            "trash out too early",
            "garbage bags on the curb",
            "trash left out all week",
            "no lid on the trash barrel",
            "trash bags without a barrel",
            "neighbor leaves garbage out",
        ),
    ),
    "BLGPMTINSP": Spoken(
        spoken_name="building inspection request",
        synonyms=(
            "building inspector",
            "building permit inspection",
            "inspect my building",
            "permit inspection",
            "schedule an inspection",
        ),
    ),
    "STCKRREQ": Spoken(
        spoken_name="recycling sticker request",
        urgency=LOW,
        synonyms=(
            "recycling sticker",
            "sticker for my barrel",
            "recycle decal",
            "need a sticker",
            "recycling label",
        ),
    ),
    "TFCSGNINSP": Spoken(
        spoken_name="broken traffic signal",
        question="Are the lights dark, blinking, or stuck on one color?",
        urgency=HIGH,
        synonyms=(
            "traffic light out",
            "stop light not working",
            "light stuck on red",
            "signal is flashing",
            "traffic light broken",
            "walk signal broken",
            "traffic signal",
            "lights at the intersection are out",
        ),
    ),
    "UNSHVSDWLK": Spoken(
        spoken_name="unshoveled sidewalk",
        synonyms=(
            "sidewalk not shoveled",
            "icy sidewalk",
            "snow on the sidewalk",
            "didn't shovel",
            "sidewalk covered in ice",
            "shovel the sidewalk",
        ),
    ),
    "NWTRREQ": Spoken(
        spoken_name="tree planting request",
        urgency=LOW,
        synonyms=(
            "plant a tree",
            "new tree",
            "tree planting",
            "empty tree pit",
            "request a street tree",
            "replace a tree that was cut down",
        ),
    ),
    "ANMLGEN": Spoken(
        spoken_name="animal problem",
        synonyms=(
            "stray dog",
            "barking dog",
            "injured animal",
            "dog off leash",
            "loose dog",
            "wild animal",
            "animal control",
            "raccoon in my yard",
        ),
    ),
    "EMPLITBSKT": Spoken(
        spoken_name="overflowing trash can",
        synonyms=(
            "trash can is full",
            "litter basket overflowing",
            "public trash can",
            "garbage can overflowing",
            "bin on the corner is full",
            "empty the trash can",
        ),
    ),
    "TREEEMGNCY": Spoken(
        spoken_name="fallen tree",
        question="Is the tree blocking the road, or lying on any wires?",
        urgency=HIGH,
        synonyms=(
            "tree fell",
            "tree down",
            "branch blocking the road",
            "tree blocking the sidewalk",
            "fallen branch",
            "tree fell on a car",
            "downed tree",
            "storm knocked down a tree",
        ),
    ),
    "MTRECYDBI": Spoken(
        spoken_name="missed trash pickup",
        synonyms=(
            "trash wasn't picked up",
            "garbage not collected",
            "missed recycling",
            "they skipped my house",
            "trash still on the curb",
            "recycling wasn't picked up",
            "missed garbage",
            "yard waste not collected",
        ),
    ),
    "NEEDRMVL": Spoken(
        spoken_name="needle pickup",
        question="How many needles are there, and is it where children play?",
        urgency=HIGH,
        synonyms=(
            "needle on the ground",
            "syringe",
            "used needle",
            "drug needles",
            "hypodermic needle",
            "sharps in the park",
            "needles in the playground",
        ),
    ),
    "ILGLDUMP": Spoken(
        spoken_name="illegal dumping report",
        synonyms=(
            "someone dumped trash",
            "dumped a mattress",
            "pile of junk dumped",
            "dumping in the alley",
            "construction debris dumped",
            "tires dumped",
            "people dumping garbage",
        ),
    ),
    "WHLNCOMP": Spoken(
        spoken_name="loud construction site",
        synonyms=(
            "construction noise",
            "jackhammer",
            "construction too loud",
            "working too early",
            "noise from construction",
            "loud machinery",
            "construction at night",
        ),
    ),
}

# Streets the examples and test audio use that Chicago does not have. Ranges are
# invented, wide enough for the addresses in examples ("412 Maple Avenue").
EXTRA_STREETS = (
    ("Main", "Street", 1, 2999),
    ("Maple", "Avenue", 1, 2999),
    ("Oak", "Avenue", 1, 2999),
    ("Park", "Avenue", 1, 2999),
    ("5th", "Avenue", 1, 2999),
)
# Test audio says "1420 Elm Street"; Chicago's Elm Street ends at 699.
WIDER_RANGES = {("Elm", "Street"): (1, 1999)}
REQUIRED_STREETS = (
    ("Elm", "Street"),
    ("Maple", "Avenue"),
    ("Main", "Street"),
    ("Oak", "Avenue"),
    ("Washington", "Street"),
    ("Chestnut", "Street"),
    ("Park", "Avenue"),
    ("Lake", "Street"),
    ("5th", "Avenue"),
    ("Harrison", "Street"),
)

# Places residents name instead of an address (landmarks.json): the kinds every
# city has, on streets of the example city's list. "aliases" are how callers
# say them; the loader checks every street is in streets.csv.
LANDMARKS: tuple[dict[str, object], ...] = (
    {
        "name": "the Central Library",
        "aliases": ["public library", "main library", "the library"],
        "house_number": "700",
        "street": "Main Street",
    },
    {
        "name": "City Hall",
        "aliases": ["town hall", "the city hall building"],
        "house_number": "100",
        "street": "Washington Street",
    },
    {
        "name": "Central Park",
        "aliases": ["the big park"],
        "street": "Park Avenue",
        "cross_street": "5th Avenue",
    },
    {
        "name": "Lincoln High School",
        "aliases": ["the high school", "Lincoln High"],
        "house_number": "2100",
        "street": "Lincoln Avenue",
    },
    {
        "name": "Union Station",
        "aliases": ["the train station", "the station"],
        "street": "Railroad Avenue",
        "cross_street": "Lake Street",
    },
    {
        "name": "Memorial Hospital",
        "aliases": ["the hospital"],
        "house_number": "1500",
        "street": "Jackson Boulevard",
    },
    {
        "name": "the Post Office",
        "aliases": ["main post office"],
        "house_number": "300",
        "street": "Oak Street",
    },
    {
        "name": "the Community Center",
        "aliases": ["rec center", "recreation center"],
        "house_number": "450",
        "street": "Maple Avenue",
    },
)

# Questions the line answers instead of taking a report (faq.json). Answers are
# read aloud: short, no web addresses spelled out, no phone number but 311.
FAQ = (
    FaqEntry(
        id="bulk_pickup",
        questions=(
            "how do I get rid of a couch",
            "when is bulk item pickup",
            "how do I schedule a large item pickup",
            "will you take an old mattress",
            "how can I throw away furniture",
            "do you pick up appliances like a fridge",
            "is there a fee for heavy item collection",
            "how do I dispose of a big item",
            "what counts as a bulky item",
            "can I put a mattress out with the trash",
        ),
        answer=(
            "Bulk items like furniture, mattresses and appliances are picked up "
            "free on your regular trash day, but you need to schedule it by noon "
            "the day before. You can schedule on our website, or I can take the "
            "request now if you tell me what you have."
        ),
    ),
    FaqEntry(
        id="trash_day",
        questions=(
            "what day is trash pickup",
            "when is my garbage collected",
            "which day do they take the recycling",
            "when does the trash truck come to my street",
            "what time should I put my barrels out",
            "how do I find my collection day",
            "is recycling every week",
        ),
        answer=(
            "Trash and recycling are collected once a week on the same day, and "
            "recycling goes out every week too. Put your carts at the curb by "
            "seven in the morning; you can look up your day by address on our "
            "website."
        ),
    ),
    FaqEntry(
        id="holiday_schedule",
        questions=(
            "is trash pickup delayed for the holiday",
            "does garbage collection change on holidays",
            "will recycling be picked up on Thanksgiving",
            "what is the holiday trash schedule",
            "is pickup a day late this week because of the holiday",
            "do you collect trash on Christmas",
            "does my pickup day change when there is a holiday",
        ),
        answer=(
            "When a holiday such as Memorial Day, Thanksgiving, Christmas or New "
            "Year's Day falls on a weekday, trash and recycling pickup moves one "
            "day later for the rest of that week. Weeks without a holiday have no "
            "change."
        ),
    ),
    FaqEntry(
        id="office_hours",
        questions=(
            "what are your hours",
            "when is City Hall open",
            "are you open on Veterans Day",
            "what time does the 311 line close",
            "are city offices closed on holidays",
            "is City Hall open on Saturday",
            "until what time can I call 311",
            "when do you open in the morning",
        ),
        answer=(
            "The 311 line answers around the clock, every day. City Hall is open "
            "Monday through Friday, eight thirty to four thirty, and is closed on "
            "city holidays such as Veterans Day and Thanksgiving."
        ),
    ),
    FaqEntry(
        id="parking_permit",
        questions=(
            "how do I get a resident parking permit",
            "where do I apply for a parking sticker",
            "how much is a residential parking permit",
            "can I get a visitor parking pass",
            "my parking permit expired how do I renew it",
            "what do I need for a neighborhood parking permit",
            "how do I get a permit to park on my street",
            "can I get a guest pass for visitors",
        ),
        answer=(
            "Resident parking permits are free with proof of address and your "
            "car's registration. You can apply on our website or at the parking "
            "office in City Hall, and visitor passes come from the same office."
        ),
    ),
    FaqEntry(
        id="dumpster_permit",
        questions=(
            "how do I get a permit for a dumpster",
            "do I need a permit to put a dumpster on the street",
            "how can I reserve parking for a moving truck",
            "how do I get a street occupancy permit",
            "who approves a storage pod in front of my house",
            "can I block the street for a moving van",
            "can I put a roll off dumpster in the road",
        ),
        answer=(
            "A dumpster, storage pod or moving truck on the street needs a street "
            "occupancy permit from Public Works. Apply on our website at least "
            "five business days ahead; the city posts the no parking signs for you."
        ),
    ),
    FaqEntry(
        id="yard_waste",
        questions=(
            "when is yard waste collected",
            "how do I get rid of leaves and grass clippings",
            "do you pick up branches and brush",
            "where can I take lawn waste",
            "what bags do I use for yard waste",
            "is there leaf collection in the fall",
        ),
        answer=(
            "Yard waste is collected on your trash day from April through "
            "November. Put leaves and grass in paper yard bags or a labeled "
            "barrel, and tie branches in bundles under four feet long."
        ),
    ),
    FaqEntry(
        id="case_status",
        questions=(
            "how do I check on my case",
            "what is the status of my request",
            "I have a case number can you look it up",
            "did anyone fix what I reported",
            "how do I follow up on a complaint",
            "where can I track my service request",
            "can I get an update on a case",
        ),
        answer=(
            "To check a case, press 1 or say your case number, and I will read "
            "you its status. You can also look it up on our website with the "
            "case number from your confirmation."
        ),
    ),
    FaqEntry(
        id="after_hours",
        questions=(
            "who do I call after hours",
            "can I report something at night",
            "what if there is a problem on the weekend",
            "is anyone there overnight",
            "how do I report an emergency when the office is closed",
            "can I make a report on a Sunday",
        ),
        answer=(
            "You can report a problem here at any hour, and urgent hazards are "
            "sent to the crew on call right away. If anyone is in danger, hang up "
            "and dial 911."
        ),
    ),
    FaqEntry(
        id="animal_shelter",
        questions=(
            "I lost my dog what should I do",
            "where is the animal shelter",
            "how do I find a lost cat",
            "did anyone turn in a stray dog",
            "how do I adopt a pet",
            "what are the animal shelter hours",
            "who do I call about a missing pet",
            "when is the animal shelter open",
            "is there a dog pound",
        ),
        answer=(
            "Lost and found pets go to the city animal shelter, which is open "
            "every day from eleven to six. You can see photos of the animals there "
            "on our website, or visit in person to look for your pet or to adopt."
        ),
    ),
    FaqEntry(
        id="parking_ticket",
        questions=(
            "how do I pay a parking ticket",
            "where can I pay my parking fine",
            "how do I contest a parking ticket",
            "can I appeal a ticket",
            "I got a citation on my car how do I pay it",
            "what happens if I pay my ticket late",
        ),
        answer=(
            "You can pay a parking ticket on our website, by mail, or in person at "
            "City Hall, using the ticket number. To contest it, request a hearing "
            "within twenty one days of the ticket date."
        ),
    ),
)


class BuildError(Exception):
    """The reference data and the hand-written tables disagree."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StreetRow:
    name: str
    suffix: str
    aliases: tuple[str, ...]
    min_address: int
    max_address: int


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def rank_services(
    top_names: Iterable[str], catalog: Sequence[dict[str, object]]
) -> list[str]:
    """Return catalog codes in the order the top list first names them."""
    by_name = {
        _normalise(str(s["service_name"])): str(s["service_code"]) for s in catalog
    }
    ranked: list[str] = []
    for name in top_names:
        code = by_name.get(_normalise(name)) or TOP_NAME_TO_CODE.get(name)
        if code is None and MISSED_PICKUP.match(name):
            code = MISSED_PICKUP_CODE
        if code is not None and code not in ranked:
            ranked.append(code)
    return ranked


def choose_services(ranked: Sequence[str]) -> list[str]:
    """Return the top-ranked codes plus the required ones, most common first."""
    chosen = list(ranked[:TOP_SERVICE_COUNT])
    chosen += [code for code in ranked if code in REQUIRED_CODES and code not in chosen]
    chosen += [code for code in REQUIRED_CODES if code not in chosen]
    return chosen


def _department_code(catalog_name: str) -> str:
    prefix = catalog_name.split("-", 1)[0]
    for department in DEPARTMENTS:
        if prefix in department.catalog_prefixes:
            return department.code
    raise BuildError(f"catalog department {catalog_name!r} maps to no department")


def _catalog_department(service: dict[str, object]) -> str | None:
    definitions = service.get("definitions")
    if not isinstance(definitions, dict):
        return None
    departments = definitions.get("service_departments")
    if not isinstance(departments, list) or not departments:
        return None
    return _department_code(str(departments[0]["name"]))


def build_services(
    catalog: Sequence[dict[str, object]],
    codes: Sequence[str],
    definitions: Sequence[dict[str, object]] = (),
) -> list[dict[str, object]]:
    """Return the chosen catalog entries with Cityline's fields added, and the
    Open311 attributes of those Boston defines (its service definitions)."""
    by_code = {str(s["service_code"]): s for s in catalog}
    attributes = {
        str(d["service_code"]): d["attributes"]
        for d in definitions
        if isinstance(d.get("attributes"), list) and d["attributes"]
    }
    unused = set(SPOKEN) - set(codes)
    if unused:
        raise BuildError(f"spoken names for services not chosen: {sorted(unused)}")
    services: list[dict[str, object]] = []
    for code in codes:
        if code not in by_code:
            raise BuildError(f"{code} is not in the Boston catalog")
        if code not in SPOKEN:
            raise BuildError(f"{code} was chosen but has no entry in SPOKEN")
        raw, spoken = by_code[code], SPOKEN[code]
        department = spoken.department or _catalog_department(raw)
        if department is None:
            raise BuildError(f"{code}: the catalog names no department; set one")
        entry = {field: raw[field] for field in OPEN311_FIELDS}
        entry |= {
            "department": department,
            "urgency": str(spoken.urgency),
            "spoken_name": spoken.spoken_name,
            "synonyms": list(spoken.synonyms),
        }
        if spoken.question:
            entry["question"] = spoken.question
        if code in attributes:
            entry["attributes"] = attributes[code]
        services.append(entry)
    _check_synonyms(SPOKEN)
    return services


def _check_synonyms(spoken: dict[str, Spoken]) -> None:
    # A phrase claimed by two services would make the classifier's choice arbitrary.
    owner: dict[str, str] = {}
    for code, entry in spoken.items():
        if not 5 <= len(entry.synonyms) <= 12:
            raise BuildError(f"{code}: {len(entry.synonyms)} synonyms, want 5 to 12")
        for phrase in (entry.spoken_name, *entry.synonyms):
            key = _normalise(phrase)
            if owner.setdefault(key, code) != code:
                raise BuildError(f"{phrase!r} is used by {owner[key]} and {code}")


def check_departments(catalog: Sequence[dict[str, object]]) -> None:
    """Fail if any catalog department would be left without a home."""
    for service in catalog:
        _catalog_department(service)


_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_TENS = (
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety",
)  # fmt: skip
_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def _cardinal(number: int) -> str:
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(number, 100)
    return f"{_ONES[hundreds]} hundred" + (f" {_cardinal(rest)}" if rest else "")


def spoken_ordinal(number: int) -> str:
    """Return 22 as "Twenty-Second", 110 as "One Hundred Tenth"."""
    words = _cardinal(number)
    head, sep, last = words.rpartition(" ")
    first, dash, tail = last.rpartition("-")
    if tail in _ORDINAL_WORDS:
        tail = _ORDINAL_WORDS[tail]
    elif tail.endswith("y"):
        tail = tail[:-1] + "ieth"
    else:
        tail += "th"
    return (head + sep + first + dash + tail).title()


_ORDINAL_NAME = re.compile(r"^(\d+)(st|nd|rd|th)$")


def _aliases(name: str, suffix: str) -> tuple[str, ...]:
    # Speech-to-text writes "Fifth Avenue" about as often as "5th Avenue".
    match = _ORDINAL_NAME.match(name)
    if match:
        return (f"{spoken_ordinal(int(match.group(1)))} {suffix}",)
    return ()


def _street_order(
    rank: dict[str, int],
) -> Callable[[tuple[tuple[str, str], tuple[int, int]]], tuple[int, int, str]]:
    """Commonest names first: the recognizer is hinted with the head of the list."""

    def key(item: tuple[tuple[str, str], tuple[int, int]]) -> tuple[int, int, str]:
        (name, suffix), _ = item
        match = _ORDINAL_NAME.match(name)
        number = int(match.group(1)) if match else sys.maxsize
        return (rank.get(name, sys.maxsize), number, f"{name} {suffix}")

    return key


def build_streets(
    chicago: Iterable[dict[str, str]],
    common_names: Iterable[str],
    suffixes: Iterable[dict[str, str]],
) -> list[StreetRow]:
    """Return one row per (name, suffix), merging directions; commonest first."""
    ordered_names = list(common_names)
    spelling = {name.upper(): name for name in ordered_names}
    rank = {name: index for index, name in enumerate(ordered_names)}
    suffix_words: dict[str, str] = {}
    for row in suffixes:
        # The list is alphabetical, so the singular ("PARK") precedes "PARKS".
        suffix_words.setdefault(row["abbreviation"], row["suffix"].title())
    ranges: dict[tuple[str, str], tuple[int, int]] = {}
    for row in chicago:
        name = spelling.get(row["street"])
        # Ramps and river walks carry codes (ER, XR) or nothing that USPS knows.
        suffix = suffix_words.get(row["suffix"])
        if name is None or suffix is None:
            continue
        low, high = int(row["min_address"]), int(row["max_address"])
        old_low, old_high = ranges.get((name, suffix), (low, high))
        ranges[(name, suffix)] = (min(low, old_low), max(high, old_high))
    for name, suffix, low, high in EXTRA_STREETS:
        if (name, suffix) in ranges:
            raise BuildError(
                f"{name} {suffix} is in Chicago; drop it from EXTRA_STREETS"
            )
        ranges[(name, suffix)] = (low, high)
    for key, (low, high) in WIDER_RANGES.items():
        old_low, old_high = ranges[key]
        ranges[key] = (min(low, old_low), max(high, old_high))
    missing = [f"{n} {s}" for n, s in REQUIRED_STREETS if (n, s) not in ranges]
    if missing:
        raise BuildError(f"required streets missing: {missing}")
    return [
        StreetRow(
            name=name,
            suffix=suffix,
            aliases=_aliases(name, suffix),
            min_address=low,
            max_address=high,
        )
        for (name, suffix), (low, high) in sorted(
            ranges.items(), key=_street_order(rank)
        )
    ]


def _write_json(path: Path, data: object) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def _write_streets(path: Path, streets: Sequence[StreetRow]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["name", "suffix", "aliases", "min_address", "max_address"])
        for street in streets:
            writer.writerow(
                [
                    street.name,
                    street.suffix,
                    "|".join(street.aliases),
                    street.min_address,
                    street.max_address,
                ]
            )


def build_training(codes: Sequence[str]) -> list[dict[str, str | None]]:
    """Return the classifier's example sentences, one row per sentence."""
    unknown = sorted(set(EXAMPLES) - set(codes))
    if unknown:
        raise BuildError(f"training examples for services not chosen: {unknown}")
    rows: list[dict[str, str | None]] = [
        {"text": text, "category": code}
        for code in codes
        for text in EXAMPLES.get(code, ())
    ]
    rows += [{"text": text, "category": None} for text in OFF_TOPIC]
    return rows


def _write_jsonl(path: Path, rows: Iterable[object]) -> None:
    lines = (json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_text("".join(lines), encoding="utf-8")


def build_faq() -> list[dict[str, object]]:
    """Return faq.json's rows."""
    return [
        {"id": entry.id, "questions": list(entry.questions), "answer": entry.answer}
        for entry in FAQ
    ]


def build(shared: Path, out: Path) -> None:
    """Write the city directory: settings, departments, services, examples,
    streets and the FAQ.

    Raises:
        BuildError: the hand-written tables no longer fit the reference data.
    """
    data = shared / "data"
    catalog: list[dict[str, object]] = json.loads(
        (data / "boston" / "services.json").read_text(encoding="utf-8")
    )
    top_names = [
        row["Boston"]
        for row in _read_csv(data / "cities" / "top-services-12-cities.csv")
        if row["Boston"]
    ]
    check_departments(catalog)
    definitions: list[dict[str, object]] = json.loads(
        (data / "boston" / "service-definitions.json").read_text(encoding="utf-8")
    )
    services = build_services(
        catalog, choose_services(rank_services(top_names, catalog)), definitions
    )
    streets = build_streets(
        _read_csv(data / "streets" / "chicago-street-names.csv"),
        (r["name"] for r in _read_csv(data / "streets" / "us-common-street-names.csv")),
        _read_csv(data / "streets" / "usps-street-suffixes.csv"),
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "city.toml").write_text(CITY_TOML, encoding="utf-8")
    _write_json(
        out / "departments.json",
        [{"code": d.code, "name": d.name} for d in DEPARTMENTS],
    )
    _write_json(out / "services.json", services)
    _write_jsonl(
        out / "training.jsonl",
        build_training([str(service["service_code"]) for service in services]),
    )
    _write_streets(out / "streets.csv", streets)
    _write_json(out / "faq.json", build_faq())
    _write_json(out / "landmarks.json", list(LANDMARKS))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=EXAMPLE_CITY_DIR)
    args = parser.parse_args(argv)
    try:
        build(args.shared, args.out)
    except BuildError as exc:
        print(f"build_example: {exc}", file=sys.stderr)
        return 1
    # Reading the result back with the real loader catches format mistakes here.
    city = load_city(args.out)
    print(
        f"{args.out}: {len(city.services)} services, "
        f"{len(city.departments)} departments, {len(city.streets)} streets, "
        f"{len(city.faq)} FAQ entries, {len(city.landmarks)} landmarks"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
