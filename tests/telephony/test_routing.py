"""Categories route to the department the city's catalog names."""

from __future__ import annotations

from pathlib import Path

import pytest

from cities import EXAMPLE_CITY_DIR
from nlu.city import load_city
from telephony.runtime import router_for
from workorders.routing import UnknownServiceError

RIVERTON = Path(__file__).resolve().parents[1] / "cities" / "riverton"


@pytest.mark.parametrize(
    ("city_dir", "service_code", "department"),
    [
        (EXAMPLE_CITY_DIR, "REQPOTHL", "Public Works"),
        (EXAMPLE_CITY_DIR, "ABNDVHCL", "Transportation"),
        (EXAMPLE_CITY_DIR, "TREEEMGNCY", "Parks and Recreation"),
        (EXAMPLE_CITY_DIR, "NEEDRMVL", "Public Health"),
        (RIVERTON, "BOATRAMP", "Harbor Master"),
        (RIVERTON, "LEAFCOLL", "Highway Department"),
    ],
)
def test_service_routes_to_its_department(
    city_dir: Path, service_code: str, department: str
) -> None:
    assert (
        router_for(load_city(city_dir)).route(service_code).department_name
        == department
    )


def test_every_service_of_the_example_city_has_a_route() -> None:
    city = load_city(EXAMPLE_CITY_DIR)
    router = router_for(city)
    assert {route.service_code for route in router.routes} == {
        s.code for s in city.services
    }


def test_service_of_another_city_has_no_route() -> None:
    with pytest.raises(UnknownServiceError):
        router_for(load_city(EXAMPLE_CITY_DIR)).route("BOATRAMP")
