"""Open311 GeoReport v2 under /open311/v2: the city's services and its requests.

Requests made by phone and through this API are the same work orders: a
request posted here is readable by keypad case number, and a phone report
is listed here. Requests are created at once ("realtime"), so no token is
ever issued.
"""

# No `from __future__ import annotations`: FastAPI reads the Annotated
# dependencies defined inside make_open311_router at definition time.

import hmac
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from workorders import store
from workorders.models import WorkOrderStatus
from workorders.routing import Router, UnknownServiceError
from workorders.schemas import (
    MAX_ADDRESS_CHARS,
    MAX_MEDIA_URL_CHARS,
    MAX_PHONE_CHARS,
    AddressParts,
    NewWorkOrder,
    WorkOrderOut,
)

logger = logging.getLogger(__name__)

PREFIX = "/open311/v2"
# The spec's default window and page: 90 days, at most 1000 requests.
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
MAX_DESCRIPTION_CHARS = 4000
# Kept as "Address id ..." in the work order's address line.
_MAX_ADDRESS_ID_CHARS = MAX_ADDRESS_CHARS - 20
_CLOSED = {
    WorkOrderStatus.RESOLVED.value,
    WorkOrderStatus.CLOSED.value,
    WorkOrderStatus.REFERRED.value,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogEntry:
    """One service as Open311 lists it."""

    code: str
    name: str
    description: str
    keywords: str
    group: str
    # The service definition's fields in the spec's shape (informational ones
    # left out: they ask nothing, and the spec's datatypes do not name them).
    attributes: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Open311Config:
    """What the API needs from the app, as plain values."""

    catalog: Sequence[CatalogEntry]
    router: Router
    api_keys: frozenset[str]  # keys allowed to POST requests
    read_address: Callable[[str], AddressParts | None]
    base_url: str  # the public https URL, for discovery.json
    city_name: str


class Open311Error(Exception):
    """An answer in the spec's error shape: [{"code": 400, "description": "..."}]."""

    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description


def error_response(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Open311Error)
    return JSONResponse(
        [{"code": exc.status_code, "description": exc.description}],
        status_code=exc.status_code,
    )


def _w3(moment: datetime) -> str:
    """W3C datetime in UTC, as the spec's examples: 2010-01-01T00:00:00Z."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_w3(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} is not a W3C datetime: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _request_json(order: WorkOrderOut) -> dict[str, Any]:
    notes = order.history[-1].note if order.history else None
    return {
        "service_request_id": order.case_number,
        "status": "closed" if order.status in _CLOSED else "open",
        "status_notes": notes or None,
        "service_name": order.service_name,
        "service_code": order.service_code,
        "description": order.description[:MAX_DESCRIPTION_CHARS],
        "agency_responsible": order.department_name,
        "service_notice": None,
        "requested_datetime": _w3(order.created_at),
        "updated_datetime": _w3(order.updated_at),
        "expected_datetime": None,
        "address": order.address,
        "address_id": None,
        "zipcode": None,
        "lat": order.latitude,
        "long": order.longitude,
        "media_url": order.media_url,
    }


def _services_xml(entries: Sequence[dict[str, Any]]) -> str:
    root = ElementTree.Element("services")
    for entry in entries:
        service = ElementTree.SubElement(root, "service")
        for key, value in entry.items():
            child = ElementTree.SubElement(service, key)
            child.text = str(value).lower() if isinstance(value, bool) else str(value)
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>' + body


def make_open311_router(
    get_session: Callable[..., Iterator[Session]], config: Open311Config
) -> APIRouter:
    """The GeoReport v2 routes; the app registers `error_response` for Open311Error."""
    router = APIRouter(prefix=PREFIX, tags=["open311"])
    SessionDep = Annotated[Session, Depends(get_session)]
    by_code = {entry.code: entry for entry in config.catalog}

    def service_json(entry: CatalogEntry) -> dict[str, Any]:
        return {
            "service_code": entry.code,
            "service_name": entry.name,
            "description": entry.description or None,
            "metadata": bool(entry.attributes),
            "type": "realtime",
            "keywords": entry.keywords or None,
            "group": entry.group or None,
        }

    @router.get("/discovery.json")
    def discovery() -> dict[str, Any]:
        """Where this GeoReport v2 endpoint is and what it speaks."""
        return {
            "changeset": "2026-11-27T00:00:00Z",
            "contact": f"{config.city_name} 311",
            "key_service": f"Ask {config.city_name} 311 for an API key.",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": config.base_url.rstrip("/") + PREFIX,
                    "changeset": "2026-11-27T00:00:00Z",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }

    @router.get("/services.json")
    def services_json() -> list[dict[str, Any]]:
        """Every service the city takes requests for."""
        return [service_json(entry) for entry in config.catalog]

    @router.get("/services.xml")
    def services_xml() -> Response:
        """The same list in the spec's XML."""
        body = _services_xml([service_json(entry) for entry in config.catalog])
        return Response(content=body, media_type="text/xml")

    @router.get("/services/{service_code}.json")
    def service_definition(service_code: str) -> dict[str, Any]:
        """A service's extra fields, from the city's catalog (often none)."""
        if service_code not in by_code:
            raise Open311Error(404, f"service_code {service_code!r} not found")
        return {
            "service_code": service_code,
            "attributes": list(by_code[service_code].attributes),
        }

    @router.get("/requests.json")
    def requests_json(
        session: SessionDep,
        service_request_id: str | None = None,
        service_code: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        """Requests by id (comma separated), or else by service, status and date.

        Without dates, the last 90 days; at most 1000 requests, newest first.
        """
        ids = [i.strip() for i in (service_request_id or "").split(",") if i.strip()]
        statuses: list[str] = []
        for word in (s.strip() for s in (status or "").split(",") if s.strip()):
            if word == "open":
                statuses += [WorkOrderStatus.RECEIVED, WorkOrderStatus.IN_PROGRESS]
            elif word == "closed":
                statuses += sorted(_CLOSED)
            else:
                raise Open311Error(400, f"status must be open or closed, not {word!r}")
        until = _parse_w3(end_date, "end_date") if end_date else datetime.now(UTC)
        since = (
            _parse_w3(start_date, "start_date")
            if start_date
            else until - timedelta(days=DEFAULT_DAYS)
        )
        if since > until:
            raise Open311Error(400, "start_date is after end_date")
        if until - since > timedelta(days=DEFAULT_DAYS):
            raise Open311Error(400, "start_date and end_date span more than 90 days")
        found = store.find_work_orders(
            session,
            case_numbers=ids,
            service_code=service_code,
            statuses=statuses,
            created_from=since,
            created_until=until,
            limit=MAX_REQUESTS,
        )
        return [_request_json(order) for order in found]

    @router.get("/requests/{service_request_id}.json")
    def request_json(
        service_request_id: str, session: SessionDep
    ) -> list[dict[str, Any]]:
        """One request, in a list as the spec has it."""
        try:
            order = store.get_work_order(session, case_number=service_request_id)
        except store.CaseNotFound:
            raise Open311Error(
                404, f"service_request_id {service_request_id!r} not found"
            ) from None
        return [_request_json(order)]

    @router.get("/tokens/{token}.json")
    def token_json(token: str) -> list[dict[str, Any]]:
        """Requests are created at once, so no token ever exists."""
        raise Open311Error(
            404, f"token {token!r} not found: requests here are realtime"
        )

    @router.post("/requests.json")
    async def post_request(
        request: Request, session: SessionDep
    ) -> list[dict[str, Any]]:
        """Create a request from a form (`application/x-www-form-urlencoded`)."""
        form = {key: str(value) for key, value in (await request.form()).items()}
        if any("\x00" in text for pair in form.items() for text in pair):
            raise Open311Error(400, "a field holds a NUL character")
        given = form.get("api_key", "")
        if not given or not any(
            hmac.compare_digest(given.encode(), key.encode()) for key in config.api_keys
        ):
            raise Open311Error(403, "a valid api_key is required")
        code = form.get("service_code", "")
        if not code:
            raise Open311Error(400, "service_code was not provided")
        if code not in by_code:
            raise Open311Error(404, f"service_code {code!r} not found")
        description = form.get("description", "").strip()
        if len(description) > MAX_DESCRIPTION_CHARS:
            raise Open311Error(400, "description is longer than 4000 characters")
        phone = form.get("phone", "").strip()
        if len(phone) > MAX_PHONE_CHARS:
            raise Open311Error(
                400, f"phone is longer than {MAX_PHONE_CHARS} characters"
            )
        answers = _attribute_answers(form, by_code[code].attributes)
        coordinates = _coordinates(form)
        place = _place(form, config.read_address, coordinates)
        media_url = _media_url(form)
        details = [description] if description else []
        details += [f"{name}: {value}" for name, value in answers]
        if media_url:
            # Dispatchers read the description everywhere: the photo is named there.
            details.append(f"media: {media_url}")
        try:
            created = store.create_work_order(
                session,
                router=config.router,
                new=NewWorkOrder(
                    service_code=code,
                    address=place.address,
                    house_number=place.house_number,
                    street=place.street,
                    cross_street=place.cross_street,
                    description="\n".join(details) or by_code[code].name,
                    urgency="normal",
                    caller_number=phone or None,
                    source="open311",
                    latitude=coordinates[0] if coordinates else None,
                    longitude=coordinates[1] if coordinates else None,
                    media_url=media_url,
                ),
            )
        except UnknownServiceError:
            raise Open311Error(404, f"service_code {code!r} not found") from None
        logger.info("open311: request %s created", created.case_number)
        return [{"service_request_id": created.case_number, "service_notice": None}]

    @router.api_route(
        "/{anything:path}", methods=["GET", "POST"], include_in_schema=False
    )
    def nothing_here(anything: str) -> None:
        """Any other path under the API answers in the spec's error shape too."""
        raise Open311Error(404, f"no resource {anything!r} here")

    return router


def _attribute_answers(
    form: dict[str, str], attributes: Sequence[dict[str, Any]]
) -> list[tuple[str, str]]:
    """(question, answer) per attribute[code] sent; checks required and lists."""
    by_code = {str(a["code"]): a for a in attributes}
    answers: list[tuple[str, str]] = []
    for key, value in form.items():
        if not (key.startswith("attribute[") and key.endswith("]")) or not value:
            continue
        code = key[len("attribute[") : -1]
        attribute = by_code.get(code)
        if attribute is None:
            answers.append((code, value))
            continue
        keys = {str(v["key"]) for v in attribute.get("values", [])}
        if attribute["datatype"] == "singlevaluelist" and value not in keys:
            raise Open311Error(400, f"attribute[{code}] must be one of its values")
        answers.append((str(attribute["description"]) or code, value))
    missing = [
        code
        for code, attribute in by_code.items()
        if attribute["required"] and not form.get(f"attribute[{code}]")
    ]
    if missing:
        raise Open311Error(400, f"attribute[{missing[0]}] is required")
    return answers


def _coordinates(form: dict[str, str]) -> tuple[float, float] | None:
    """(lat, long) when both are given; a phone app sends them beside its address."""
    lat, long = form.get("lat", "").strip(), form.get("long", "").strip()
    if not (lat and long):
        return None
    try:
        latitude, longitude = float(lat), float(long)
    except ValueError:
        raise Open311Error(400, "lat and long must be numbers") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Open311Error(400, "lat or long is out of range")
    return latitude, longitude


def _media_url(form: dict[str, str]) -> str | None:
    url = form.get("media_url", "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in url)
        or len(url) > MAX_MEDIA_URL_CHARS
    ):
        raise Open311Error(400, "media_url must be an http(s) URL")
    return url


def _place(
    form: dict[str, str],
    read_address: Callable[[str], AddressParts | None],
    coordinates: tuple[float, float] | None,
) -> AddressParts:
    """The request's location: a city address if one is named, else as given."""
    said = form.get("address_string", "").strip()
    if len(said) > MAX_ADDRESS_CHARS:
        raise Open311Error(
            400, f"address_string is longer than {MAX_ADDRESS_CHARS} characters"
        )
    if said:
        found = read_address(said)
        if found is not None:
            return found
        return AddressParts(
            address=said, house_number=None, street=None, cross_street=None
        )
    if coordinates is not None:
        # Kept as numbers too; the address line is what a dispatcher reads.
        return AddressParts(
            address=f"At {coordinates[0]:.6f}, {coordinates[1]:.6f}",
            house_number=None,
            street=None,
            cross_street=None,
        )
    address_id = form.get("address_id", "").strip()
    if len(address_id) > _MAX_ADDRESS_ID_CHARS:
        raise Open311Error(
            400, f"address_id is longer than {_MAX_ADDRESS_ID_CHARS} characters"
        )
    if address_id:
        return AddressParts(
            address=f"Address id {address_id}",
            house_number=None,
            street=None,
            cross_street=None,
        )
    raise Open311Error(
        400, "a location is required: lat and long, address_string or address_id"
    )
