"""The supervisor console through the app: sign-in, calls, work orders, security."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from console.auth import LoginLimiter, hash_password
from console.routes import PREFIX
from nlu.city import Service
from telephony.app import create_app
from telephony.call_scripts import DEMO_SCRIPT
from telephony.runtime import Runtime
from telephony.settings import Settings
from tests.telephony.conftest import call
from workorders import accounts, store
from workorders.models import Role, WorkOrderStatus
from workorders.schemas import NewWorkOrder

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(params=["sqlite", "postgresql"])
def app_runtime(request: pytest.FixtureRequest) -> Runtime:
    name = "runtime" if request.param == "sqlite" else "postgres_runtime"
    found: Runtime = request.getfixturevalue(name)
    with found.sessions() as session:
        accounts.create_account(
            session,
            username="sam",
            password_hash=hash_password(PASSWORD),
            role=Role.SUPERVISOR,
        )
        accounts.create_account(
            session,
            username="dana",
            password_hash=hash_password(PASSWORD),
            role=Role.DISPATCHER,
            department_code=_department_of(found, "REQPOTHL"),
        )
    return found


@pytest.fixture
def browser(settings: Settings, app_runtime: Runtime) -> Iterator[TestClient]:
    # https base URL: the session cookie is Secure, as behind the city's proxy.
    with TestClient(
        create_app(settings, app_runtime), base_url="https://testserver"
    ) as client:
        yield client


def _department_of(runtime: Runtime, service_code: str) -> str:
    return runtime.router.route(service_code).department_code


def _service_elsewhere(runtime: Runtime, service_code: str) -> Service:
    """The first service another department handles."""
    own = _department_of(runtime, service_code)
    return next(
        s for s in runtime.city.services if _department_of(runtime, s.code) != own
    )


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> int:
    form = client.get(f"{PREFIX}/login")
    response = client.post(
        f"{PREFIX}/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": _csrf(form.text),
        },
        follow_redirects=False,
    )
    return response.status_code


def _order(runtime: Runtime, service_code: str, address: str, **fields: object) -> str:
    """File a work order straight into the store; fields override the defaults."""
    new = NewWorkOrder(
        service_code=service_code,
        address=address,
        house_number=None,
        street=None,
        cross_street=None,
        description="test",
        urgency="normal",
        caller_number="+16175550123",
    ).model_copy(update=fields)
    with runtime.sessions() as session:
        created = store.create_work_order(session, router=runtime.router, new=new)
    return created.case_number


def test_every_console_route_refuses_an_anonymous_request(
    browser: TestClient,
) -> None:
    every = [
        route
        for entry in browser.app.routes  # type: ignore[attr-defined]
        # Included routers sit in the app as one entry holding their routes.
        for route in getattr(getattr(entry, "original_router", None), "routes", [entry])
    ]
    routes = [
        r
        for r in every
        if isinstance(r, APIRoute)
        and r.path.startswith(PREFIX)
        and r.path != f"{PREFIX}/login"
    ]
    assert len(routes) >= 10
    for route in routes:
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in route.methods or ():
            response = browser.request(method, path, follow_redirects=False)
            if path.startswith(f"{PREFIX}/api/"):
                assert response.status_code == 401, (method, path)
            else:
                assert response.status_code == 303, (method, path)
                assert response.headers["location"] == f"{PREFIX}/login"


def test_wrong_password_is_refused_then_rate_limited(browser: TestClient) -> None:
    for _ in range(5):
        assert sign_in(browser, "sam", "wrong password!") == 401
    # The sixth try is refused even with the right password.
    assert sign_in(browser, "sam") == 429


def test_wrong_passwords_are_counted_across_processes(
    settings: Settings, app_runtime: Runtime, browser: TestClient
) -> None:
    # A second app over the same database stands for a second process.
    with TestClient(
        create_app(settings, app_runtime), base_url="https://testserver"
    ) as other:
        for client in (browser, other, browser, other, browser):
            assert sign_in(client, "sam", "wrong password!") == 401
        assert sign_in(other, "sam") == 429
        assert sign_in(browser, "sam") == 429
        # The address is held back too, whatever name it tries next.
        assert sign_in(other, "dana") == 429


def test_a_nul_in_a_search_or_a_form_is_a_clear_400(
    browser: TestClient, app_runtime: Runtime
) -> None:
    case = _order(app_runtime, "REQPOTHL", "1420 Elm Street")
    assert sign_in(browser, "sam") == 303
    assert (
        browser.get(f"{PREFIX}/calls", params={"q": "pot\x00hole"}).status_code == 400
    )
    page = browser.get(f"{PREFIX}/work-orders/{case}")
    response = browser.post(
        f"{PREFIX}/work-orders/{case}/status",
        data={"status": "resolved", "note": "x\x00", "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 400
    with app_runtime.sessions() as session:
        assert store.get_work_order(session, case_number=case).status == "received"


def test_a_very_long_name_is_refused_and_counted(browser: TestClient) -> None:
    name = "x" * 5000
    for _ in range(5):
        assert sign_in(browser, name, "wrong password!") == 401
    assert sign_in(browser, name, "wrong password!") == 429


def test_sign_in_failures_age_out_of_the_window(app_runtime: Runtime) -> None:
    limiter = LoginLimiter(max_failures=2, window_seconds=60)
    keys = ("name:sam", "addr:10.0.0.7")
    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    with app_runtime.sessions() as session:
        limiter.failed(session, *keys, now=start)
        assert limiter.retry_after_seconds(session, *keys, now=start) == 0
        limiter.failed(session, *keys, now=start + timedelta(seconds=10))
        wait = limiter.retry_after_seconds(
            session, *keys, now=start + timedelta(seconds=20)
        )
        assert wait == pytest.approx(40.0)
        later = start + timedelta(seconds=61)
        assert limiter.retry_after_seconds(session, *keys, now=later) == 0
        # A right password forgets what came before it.
        limiter.failed(session, "name:sam", now=later)
        limiter.succeeded(session, "name:sam")
        assert limiter.retry_after_seconds(session, "name:sam", now=later) == 0


def test_unknown_name_and_wrong_password_get_the_same_answer(
    browser: TestClient,
) -> None:
    form = browser.get(f"{PREFIX}/login")
    answers = [
        browser.post(
            f"{PREFIX}/login",
            data={
                "username": name,
                "password": "nope nope",
                "csrf_token": _csrf(form.text),
            },
        )
        for name in ("sam", "nobody")
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert all("Wrong name or password." in a.text for a in answers)


def test_session_cookie_is_httponly_samesite_and_secure(browser: TestClient) -> None:
    form = browser.get(f"{PREFIX}/login")
    response = browser.post(
        f"{PREFIX}/login",
        data={"username": "sam", "password": PASSWORD, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if "cityline_session=" in h
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie


def test_sign_in_form_without_its_csrf_token_is_refused(browser: TestClient) -> None:
    browser.get(f"{PREFIX}/login")
    response = browser.post(
        f"{PREFIX}/login", data={"username": "sam", "password": PASSWORD}
    )
    assert response.status_code == 403


def test_status_form_without_csrf_token_is_refused(
    browser: TestClient, app_runtime: Runtime
) -> None:
    case = _order(app_runtime, "REQPOTHL", "1420 Elm Street")
    assert sign_in(browser, "sam") == 303
    response = browser.post(
        f"{PREFIX}/work-orders/{case}/status", data={"status": "resolved"}
    )
    assert response.status_code == 403
    with app_runtime.sessions() as session:
        assert store.get_work_order(session, case_number=case).status == "received"


def test_supervisor_moves_a_work_order_with_a_note(
    browser: TestClient, app_runtime: Runtime
) -> None:
    case = _order(app_runtime, "REQPOTHL", "1420 Elm Street")
    assert sign_in(browser, "sam") == 303
    page = browser.get(f"{PREFIX}/work-orders/{case}")
    assert page.status_code == 200
    response = browser.post(
        f"{PREFIX}/work-orders/{case}/status",
        data={
            "status": "in_progress",
            "note": "crew sent",
            "csrf_token": _csrf(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    with app_runtime.sessions() as session:
        order = store.get_work_order(session, case_number=case)
    assert order.status == WorkOrderStatus.IN_PROGRESS
    last = order.history[-1]
    assert (last.status, last.note, last.changed_by) == (
        "in_progress",
        "crew sent",
        "sam",
    )
    assert "crew sent" in browser.get(f"{PREFIX}/work-orders/{case}").text


def test_work_order_page_shows_an_apps_position_and_photo(
    browser: TestClient, app_runtime: Runtime
) -> None:
    case = _order(
        app_runtime,
        "REQPOTHL",
        "1420 Elm Street",
        source="open311",
        latitude=42.3601,
        longitude=-71.0589,
        media_url="https://example.org/pothole.jpg?size=large&v=2",
    )
    assert sign_in(browser, "sam") == 303
    page = browser.get(f"{PREFIX}/work-orders/{case}").text
    assert '<dd id="position">42.360100, -71.058900</dd>' in page
    assert 'href="https://example.org/pothole.jpg?size=large&amp;v=2"' in page


def test_dispatcher_sees_only_their_departments_orders(
    browser: TestClient, app_runtime: Runtime
) -> None:
    own = _order(app_runtime, "REQPOTHL", "1420 Elm Street")
    other_code = _service_elsewhere(app_runtime, "REQPOTHL").code
    other = _order(app_runtime, other_code, "88 Washington Street")
    assert sign_in(browser, "dana") == 303
    listed = browser.get(f"{PREFIX}/api/work-orders").json()
    assert [o["case_number"] for o in listed] == [own]
    # Asking for another department by name changes nothing.
    department = _department_of(app_runtime, other_code)
    listed = browser.get(f"{PREFIX}/api/work-orders?department={department}").json()
    assert [o["case_number"] for o in listed] == [own]
    assert browser.get(f"{PREFIX}/work-orders/{other}").status_code == 403
    page = browser.get(f"{PREFIX}/work-orders/{own}")
    response = browser.post(
        f"{PREFIX}/work-orders/{other}/status",
        data={"status": "resolved", "csrf_token": _csrf(page.text)},
    )
    assert response.status_code == 403
    # Calls hold residents' voices: supervisors only.
    assert browser.get(f"{PREFIX}/api/calls").status_code == 403


def test_signing_out_ends_the_session(browser: TestClient) -> None:
    assert sign_in(browser, "sam") == 303
    page = browser.get(f"{PREFIX}/calls")
    assert page.status_code == 200
    browser.post(f"{PREFIX}/logout", data={"csrf_token": _csrf(page.text)})
    assert browser.get(f"{PREFIX}/api/calls").status_code == 401


def test_supervisor_replays_a_real_call_turn_by_turn(
    browser: TestClient, settings: Settings, app_runtime: Runtime
) -> None:
    placed = call(settings, app_runtime, list(DEMO_SCRIPT))
    assert placed.order is not None
    assert sign_in(browser, "sam") == 303

    listing = browser.get(f"{PREFIX}/calls")
    assert placed.call.call_sid in listing.text
    assert placed.order.case_number in listing.text
    rows = browser.get(f"{PREFIX}/api/calls").json()
    assert rows["total"] == 1
    assert rows["calls"][0]["outcome"] == "work_order_created"
    assert rows["calls"][0]["worst_response_seconds"] > 0

    page = browser.get(f"{PREFIX}/calls/{placed.call.call_sid}")
    assert page.status_code == 200
    for turn in placed.call.turns:
        assert turn.text.replace("'", "&#39;") in page.text
    caller_turn = next(t for t in placed.call.turns if t.speaker == "caller")
    audio_url = (
        f"{PREFIX}/calls/{placed.call.call_sid}/turns/{caller_turn.turn_index}/audio"
    )
    assert audio_url in page.text
    whole = browser.get(audio_url)
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.content[:4] == b"RIFF"
    # The browser's player seeks with Range requests.
    part = browser.get(audio_url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert len(part.content) == 100
    recording = browser.get(f"{PREFIX}/calls/{placed.call.call_sid}/recording")
    assert recording.status_code == 200 and recording.content[:4] == b"RIFF"


def test_filters_find_calls_by_outcome_and_case_number(
    browser: TestClient, settings: Settings, app_runtime: Runtime
) -> None:
    placed = call(settings, app_runtime, list(DEMO_SCRIPT))
    assert placed.order is not None
    assert sign_in(browser, "sam") == 303
    api = f"{PREFIX}/api/calls"
    assert (
        browser.get(api, params={"outcome": "work_order_created"}).json()["total"] == 1
    )
    assert browser.get(api, params={"outcome": "emergency"}).json()["total"] == 0
    by_case = browser.get(api, params={"q": placed.order.case_number}).json()
    assert by_case["total"] == 1
    by_word = browser.get(api, params={"q": "pothole"}).json()
    assert by_word["total"] == 1
    assert browser.get(api, params={"q": "zebra crossing"}).json()["total"] == 0
    # LIKE's wildcards are letters here: "%" alone matches no call.
    assert browser.get(api, params={"q": "%"}).json()["total"] == 0
    assert browser.get(api, params={"q": "p_thole"}).json()["total"] == 0
    assert browser.get(api, params={"service": "REQPOTHL"}).json()["total"] == 1
    # The filter form sends every field, empty ones as "".
    empty = {"day": "", "outcome": "", "service": "", "q": ""}
    assert browser.get(f"{PREFIX}/calls", params=empty).status_code == 200
    assert browser.get(api, params={"day": "yesterday"}).status_code == 422


def test_phone_numbers_are_masked_in_pages_api_and_logs(
    browser: TestClient,
    settings: Settings,
    app_runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    placed = call(settings, app_runtime, list(DEMO_SCRIPT))
    number = placed.call.caller_number
    assert number and len(number) > 6
    assert sign_in(browser, "sam") == 303
    bodies = [
        browser.get(f"{PREFIX}/calls").text,
        browser.get(f"{PREFIX}/calls/{placed.call.call_sid}").text,
        browser.get(f"{PREFIX}/api/calls").text,
        browser.get(f"{PREFIX}/api/calls/{placed.call.call_sid}").text,
    ]
    for body in bodies:
        assert number not in body
        assert number[-4:] in body
    assert "incoming call" in caplog.text  # the call was logged, masked
    assert number not in caplog.text


def test_supervisor_corrects_service_and_address_with_who_and_when(
    browser: TestClient, app_runtime: Runtime
) -> None:
    case = _order(app_runtime, "REQPOTHL", "1420 Elm Street")
    other = _service_elsewhere(app_runtime, "REQPOTHL")
    assert sign_in(browser, "sam") == 303
    page = browser.get(f"{PREFIX}/work-orders/{case}")
    response = browser.post(
        f"{PREFIX}/work-orders/{case}/correction",
        data={
            "service_code": other.code,
            "address": "four twelve maple avenue",
            "csrf_token": _csrf(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    with app_runtime.sessions() as session:
        order = store.get_work_order(session, case_number=case)
    # The phone line's own reading of the address, and the new department.
    assert order.address == "412 Maple Avenue"
    assert (order.house_number, order.street) == ("412", "Maple Avenue")
    assert order.service_code == other.code
    assert order.department_code == _department_of(app_runtime, other.code)
    fixes = {
        (c.field, c.old_value, c.new_value, c.corrected_by) for c in order.corrections
    }
    assert fixes == {
        ("service", "Request for Pothole Repair", other.name, "sam"),
        ("address", "1420 Elm Street", "412 Maple Avenue", "sam"),
    }
    assert "412 Maple Avenue" in browser.get(f"{PREFIX}/work-orders/{case}").text


def test_correction_to_no_street_of_the_city_is_refused_with_a_reason(
    browser: TestClient, app_runtime: Runtime
) -> None:
    case = _order(app_runtime, "REQPOTHL", "1420 Elm Street")
    assert sign_in(browser, "sam") == 303
    page = browser.get(f"{PREFIX}/work-orders/{case}")
    answer = browser.post(
        f"{PREFIX}/work-orders/{case}/correction",
        data={"address": "somewhere over the rainbow", "csrf_token": _csrf(page.text)},
    )
    assert "No street of the city" in answer.text
    with app_runtime.sessions() as session:
        order = store.get_work_order(session, case_number=case)
    assert order.address == "1420 Elm Street" and order.corrections == []


def test_dispatcher_cannot_correct_a_work_order(
    browser: TestClient, app_runtime: Runtime
) -> None:
    case = _order(app_runtime, "REQPOTHL", "1420 Elm Street")
    assert sign_in(browser, "dana") == 303
    page = browser.get(f"{PREFIX}/work-orders/{case}")
    assert "Correct</button>" not in page.text
    response = browser.post(
        f"{PREFIX}/work-orders/{case}/correction",
        data={"address": "412 Maple Avenue", "csrf_token": _csrf(page.text)},
    )
    assert response.status_code == 403


def test_line_health_shows_figures_and_charts_to_supervisors_only(
    browser: TestClient, settings: Settings, app_runtime: Runtime
) -> None:
    call(settings, app_runtime, list(DEMO_SCRIPT))
    assert sign_in(browser, "sam") == 303
    figures = browser.get(f"{PREFIX}/api/health", params={"days": 7}).json()
    assert figures["total_calls"] == 1
    assert figures["containment"] == 1.0
    assert figures["latency_p50_seconds"] > 0
    page = browser.get(f"{PREFIX}/health")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 3
    assert browser.get(f"{PREFIX}/api/health", params={"days": 0}).status_code == 422
    browser.cookies.clear()
    assert sign_in(browser, "dana") == 303
    assert browser.get(f"{PREFIX}/health").status_code == 403
