"""Open311 GeoReport v2 through the app; every answer checked against the schemas."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7

from open311.api import PREFIX
from telephony.app import create_app
from telephony.call_scripts import DEMO_SCRIPT
from telephony.runtime import Runtime
from telephony.settings import Settings
from tests.telephony.conftest import call
from workorders import store
from workorders.models import WorkOrderStatus

SCHEMAS = Path(__file__).parent / "schemas"
_SOURCE = (SCHEMAS / "SOURCE.md").read_text(encoding="utf-8")
API_KEY = "test-open311-key"


def _registry() -> Registry[Any]:
    # The schemas refer to each other by file name ("$ref": "service.json").
    return Registry().with_resources(
        (path.name, DRAFT7.create_resource(json.loads(path.read_text("utf-8"))))
        for path in SCHEMAS.glob("*.json")
    )


REGISTRY = _registry()


def assert_valid(instance: object, schema_name: str) -> None:
    schema = json.loads((SCHEMAS / schema_name).read_text(encoding="utf-8"))
    validator = Draft7Validator(schema, registry=REGISTRY)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def assert_spec_error(response: Any, status: int) -> None:
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["code"] == status and body[0]["description"]


@pytest.fixture(params=["sqlite", "postgresql"])
def app_runtime(request: pytest.FixtureRequest) -> Runtime:
    name = "runtime" if request.param == "sqlite" else "postgres_runtime"
    found: Runtime = request.getfixturevalue(name)
    return found


@pytest.fixture
def api(settings: Settings, app_runtime: Runtime) -> Iterator[TestClient]:
    keyed = settings.model_copy(update={"open311_api_keys": f"other-key, {API_KEY}"})
    with TestClient(create_app(keyed, app_runtime)) as client:
        yield client


def _post(api: TestClient, **fields: str) -> Any:
    return api.post(f"{PREFIX}/requests.json", data={"api_key": API_KEY, **fields})


def test_vendored_schemas_are_the_published_bytes() -> None:
    # SOURCE.md records each file's SHA-256 as copied from shared/data.
    listed = re.findall(r"^\s+([0-9a-f]{64})\s+(\S+\.json)$", _SOURCE, re.MULTILINE)
    assert {name for _, name in listed} == {p.name for p in SCHEMAS.glob("*.json")}
    for digest, name in listed:
        assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest


def test_services_list_every_catalog_service_in_json_and_xml(
    api: TestClient, app_runtime: Runtime
) -> None:
    listed = api.get(f"{PREFIX}/services.json").json()
    assert_valid(listed, "services.json")
    codes = [s.code for s in app_runtime.city.services]
    assert [s["service_code"] for s in listed] == codes
    xml = api.get(f"{PREFIX}/services.xml")
    assert xml.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(xml.content)
    assert [s.findtext("service_code") for s in root.iter("service")] == codes


def test_service_definition_and_unknown_service(api: TestClient) -> None:
    found = api.get(f"{PREFIX}/services/REQPOTHL.json")
    assert found.status_code == 200
    assert_valid(found.json(), "service-definition.json")
    assert_spec_error(api.get(f"{PREFIX}/services/NOPE.json"), 404)


def test_discovery_names_this_endpoint(api: TestClient, settings: Settings) -> None:
    found = api.get(f"{PREFIX}/discovery.json").json()
    [endpoint] = found["endpoints"]
    assert endpoint["url"] == settings.public_url.rstrip("/") + PREFIX
    assert "application/json" in endpoint["formats"]


def test_posted_request_is_a_routed_work_order_read_back_schema_valid(
    api: TestClient, app_runtime: Runtime
) -> None:
    created = _post(
        api,
        service_code="REQPOTHL",
        address_string="412 maple ave",
        description="Deep pothole in the bike lane",
        phone="+16175550123",
        media_url="https://example.org/pothole.jpg",
        **{"attribute[DEPTH]": "deep"},
    )
    assert created.status_code == 200
    [receipt] = created.json()
    case = receipt["service_request_id"]
    assert "token" not in receipt
    with app_runtime.sessions() as session:
        order = store.get_work_order(session, case_number=case)
    # The phone line's own reading of the address, and the phone line's routing.
    assert order.address == "412 Maple Avenue"
    assert order.source == "open311"
    assert order.department_name == "Public Works"
    assert "DEPTH: deep" in order.description
    one = api.get(f"{PREFIX}/requests/{case}.json").json()
    assert_valid(one, "requests.json")
    assert one[0]["status"] == "open"
    assert one[0]["address"] == "412 Maple Avenue"
    assert one[0]["agency_responsible"] == "Public Works"
    assert one[0]["media_url"] == "https://example.org/pothole.jpg"


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        (
            {
                "api_key": "wrong",
                "service_code": "REQPOTHL",
                "lat": "42.3",
                "long": "-71",
            },
            403,
        ),
        ({"service_code": "REQPOTHL", "lat": "42.3", "long": "-71"}, 403),
        ({"api_key": API_KEY, "lat": "42.3", "long": "-71"}, 400),
        (
            {"api_key": API_KEY, "service_code": "NOPE", "lat": "42.3", "long": "-71"},
            404,
        ),
        ({"api_key": API_KEY, "service_code": "REQPOTHL"}, 400),
        (
            {"api_key": API_KEY, "service_code": "REQPOTHL", "lat": "x", "long": "y"},
            400,
        ),
        (
            {"api_key": API_KEY, "service_code": "REQPOTHL", "lat": "95", "long": "0"},
            400,
        ),
        (
            {
                "api_key": API_KEY,
                "service_code": "REQPOTHL",
                "address_string": "1420 Elm Street",
                "media_url": "javascript:alert(1)",
            },
            400,
        ),
        (
            {
                "api_key": API_KEY,
                "service_code": "REQPOTHL",
                "address_string": "1420 Elm Street\x00",
            },
            400,
        ),
        (
            {
                "api_key": API_KEY,
                "service_code": "REQPOTHL",
                "address_string": "1420 Elm Street",
                "phone": "+1 617 555 0123, or my office, or my cell after six pm",
            },
            400,
        ),
        (
            {
                "api_key": API_KEY,
                "service_code": "REQPOTHL",
                "address_string": "near the park " * 30,
            },
            400,
        ),
    ],
)
def test_bad_posts_get_the_spec_error_shape(
    api: TestClient, fields: dict[str, str], status: int
) -> None:
    assert_spec_error(api.post(f"{PREFIX}/requests.json", data=fields), status)


@pytest.mark.parametrize(
    "path",
    [
        "/requests/1000015%00.json",
        "/requests.json?service_code=REQ%00POTHL",
        "/services/%00.json",
    ],
)
def test_a_nul_anywhere_is_a_spec_shaped_400(api: TestClient, path: str) -> None:
    assert_spec_error(api.get(PREFIX + path), 400)


def test_request_by_lat_long_is_kept_as_a_place(api: TestClient) -> None:
    created = _post(api, service_code="GENGRAFFITI", lat="42.3601", long="-71.0589")
    case = created.json()[0]["service_request_id"]
    found = api.get(f"{PREFIX}/requests/{case}.json").json()
    assert_valid(found, "requests.json")
    [request] = found
    assert request["address"] == "At 42.360100, -71.058900"
    assert (request["lat"], request["long"]) == (42.3601, -71.0589)


def test_phone_app_sends_its_gps_beside_the_address(api: TestClient) -> None:
    created = _post(
        api,
        service_code="REQPOTHL",
        address_string="1420 elm st",
        lat="42.35",
        long="-71.06",
    )
    case = created.json()[0]["service_request_id"]
    [request] = api.get(f"{PREFIX}/requests/{case}.json").json()
    assert request["address"] == "1420 Elm Street"
    assert (request["lat"], request["long"]) == (42.35, -71.06)
    listed = api.get(f"{PREFIX}/requests.json", params={"service_request_id": case})
    assert listed.json()[0]["lat"] == 42.35


def test_requests_filter_by_id_service_status_and_dates(
    api: TestClient, app_runtime: Runtime
) -> None:
    first = _post(api, service_code="REQPOTHL", address_string="1420 Elm Street")
    second = _post(api, service_code="GENGRAFFITI", address_string="88 Washington St")
    a = first.json()[0]["service_request_id"]
    b = second.json()[0]["service_request_id"]
    with app_runtime.sessions() as session:
        store.set_status(
            session,
            case_number=b,
            status=WorkOrderStatus.RESOLVED,
            note="Painted over",
            changed_by="crew",
        )
    url = f"{PREFIX}/requests.json"

    def ids(**params: str) -> list[str]:
        answer = api.get(url, params=params).json()
        assert_valid(answer, "requests.json")
        return [r["service_request_id"] for r in answer]

    assert ids() == [b, a]  # newest first
    assert ids(service_request_id=f"{a},{b}") == [b, a]
    assert ids(service_code="REQPOTHL") == [a]
    assert ids(status="closed") == [b]
    assert ids(status="open") == [a]
    closed = api.get(url, params={"status": "closed"}).json()[0]
    assert closed["status_notes"] == "Painted over"
    week_ago = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=week_ago) == [b, a]
    assert ids(end_date=week_ago) == []
    assert_spec_error(api.get(url, params={"status": "pending"}), 400)
    assert_spec_error(
        api.get(
            url,
            params={
                "start_date": "2026-01-01T00:00:00Z",
                "end_date": "2026-06-01T00:00:00Z",
            },
        ),
        400,
    )
    assert_spec_error(api.get(url, params={"start_date": "last tuesday"}), 400)
    assert_spec_error(api.get(f"{PREFIX}/requests/9999999.json"), 404)
    assert_spec_error(api.get(f"{PREFIX}/tokens/123.json"), 404)


def test_phone_report_is_listed_and_posted_request_is_read_by_keypad(
    api: TestClient, settings: Settings, app_runtime: Runtime
) -> None:
    by_phone = call(settings, app_runtime, list(DEMO_SCRIPT))
    assert by_phone.order is not None
    listed = api.get(f"{PREFIX}/requests.json").json()
    assert_valid(listed, "requests.json")
    assert [r["service_request_id"] for r in listed] == [by_phone.order.case_number]
    assert listed[0]["address"] == "1420 Elm Street"

    case = _post(
        api, service_code="REQPOTHL", address_string="412 Maple Avenue"
    ).json()[0]["service_request_id"]
    status_call = call(
        settings, app_runtime, ["dtmf:1", f"dtmf:{case}#", "No, thank you."]
    )
    spoken_case = " ".join(case)
    assert any(spoken_case in line for line in status_call.agent_lines), status_call
    assert status_call.call.outcome == "status_read"


@pytest.mark.parametrize(
    ("instance", "schema"),
    [
        (
            [{"service_code": "A", "service_name": "B", "metadata": False}],
            "services.json",
        ),
        (
            [
                {
                    "service_code": "A",
                    "service_name": "B",
                    "metadata": 0,
                    "type": "realtime",
                }
            ],
            "services.json",
        ),
        (
            [
                {
                    "service_request_id": "1",
                    "status": "pending",
                    "service_code": "A",
                    "requested_datetime": "x",
                }
            ],
            "requests.json",
        ),
    ],
)
def test_schema_check_itself_catches_what_the_spec_forbids(
    instance: object, schema: str
) -> None:
    # Missing "type", a number for a boolean, a status outside open/closed.
    with pytest.raises(AssertionError):
        assert_valid(instance, schema)


def test_service_definitions_come_from_the_citys_catalog(api: TestClient) -> None:
    # Boston defines fields for missed trash; the example city keeps them.
    listed = {s["service_code"]: s for s in api.get(f"{PREFIX}/services.json").json()}
    assert listed["MTRECYDBI"]["metadata"] is True
    assert listed["REQPOTHL"]["metadata"] is False
    found = api.get(f"{PREFIX}/services/MTRECYDBI.json").json()
    assert_valid(found, "service-definition.json")
    codes = {a["code"]: a for a in found["attributes"]}
    assert codes["SR-MTRECYDBI1"]["required"] is True
    assert "Recycling" in {v["key"] for v in codes["SR-MTRECYDBI1"]["values"]}
    assert all(a["datatype"] != "informational" for a in found["attributes"])


def test_required_attributes_and_list_values_are_enforced(api: TestClient) -> None:
    where = {"service_code": "MTRECYDBI", "address_string": "301 Washington Street"}
    assert_spec_error(_post(api, **where), 400)
    wrong = _post(api, **where, **{"attribute[SR-MTRECYDBI1]": "Old tires"})
    assert_spec_error(wrong, 400)
    right = _post(api, **where, **{"attribute[SR-MTRECYDBI1]": "Recycling"})
    assert right.status_code == 200
    case = right.json()[0]["service_request_id"]
    [request] = api.get(f"{PREFIX}/requests/{case}.json").json()
    assert (
        "What type of trash collection was missed?: Recycling" in request["description"]
    )
