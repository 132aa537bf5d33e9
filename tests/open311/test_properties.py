"""Property-based: whatever a client sends to Open311, no server error, spec shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from open311.api import PREFIX
from telephony.app import create_app
from telephony.runtime import Runtime
from telephony.settings import Settings
from tests.open311.test_api import API_KEY, assert_valid

# Text a client might send: printable, unicode, empty, the odd control char.
_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", "open", "closed", "open,closed", "REQPOTHL", "1000015", "a/b", "../x"]
    ),
    st.from_regex(r"20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:00:00Z", fullmatch=True),
)
# Wider than any column it could land in.
_LONG = st.text(min_size=290, max_size=600)
_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
    _TEXT,
)
_RUNS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(params=["runtime", "postgres_runtime"])
def api(settings: Settings, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    # PostgreSQL too: it refuses what SQLite takes (a NUL, a value wider than
    # its column), so only it shows those reaching the database.
    runtime: Runtime = request.getfixturevalue(request.param)
    keyed = settings.model_copy(update={"open311_api_keys": API_KEY})
    with TestClient(create_app(keyed, runtime)) as client:
        yield client


def _check(response: Any, schema: str) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code >= 400:
        assert (
            isinstance(body, list) and body and set(body[0]) == {"code", "description"}
        )
        assert body[0]["code"] == response.status_code
    else:
        assert_valid(body, schema)


@_RUNS
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "service_request_id": _TEXT,
            "service_code": _TEXT,
            "start_date": _TEXT,
            "end_date": _TEXT,
            "status": _TEXT,
            "jurisdiction_id": _TEXT,
        },
    )
)
def test_any_request_query_answers_in_the_spec(
    api: TestClient, params: dict[str, str]
) -> None:
    _check(api.get(f"{PREFIX}/requests.json", params=params), "requests.json")


@_RUNS
@given(code=_TEXT.filter(lambda c: c.strip() not in {"", ".", ".."}))
def test_any_service_or_request_id_answers_in_the_spec(
    api: TestClient, code: str
) -> None:
    # Percent-encoded, as a client must send it; "/" too, so it stays one segment.
    segment = quote(code, safe="")
    _check(api.get(f"{PREFIX}/services/{segment}.json"), "service-definition.json")
    _check(api.get(f"{PREFIX}/requests/{segment}.json"), "requests.json")


@_RUNS
@given(
    form=st.fixed_dictionaries(
        {"api_key": st.one_of(st.just(API_KEY), _TEXT)},
        optional={
            "service_code": st.one_of(st.just("REQPOTHL"), _TEXT),
            "lat": _NUMBER,
            "long": _NUMBER,
            "address_string": st.one_of(_TEXT, _LONG),
            "address_id": st.one_of(_TEXT, _LONG),
            "description": st.text(max_size=4100),
            "email": _TEXT,
            "phone": st.one_of(_TEXT, _LONG),
            "media_url": st.one_of(
                st.just("https://example.org/a.jpg"),
                st.just("https://example.org/" + "a" * 600),
                _TEXT,
            ),
            "attribute[DEPTH]": _TEXT,
        },
    )
)
def test_any_posted_form_answers_in_the_spec(
    api: TestClient, form: dict[str, str]
) -> None:
    response = api.post(f"{PREFIX}/requests.json", data=form)
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code >= 400:
        assert body[0]["code"] == response.status_code
    else:
        [receipt] = body
        assert receipt["service_request_id"]
        one = api.get(f"{PREFIX}/requests/{receipt['service_request_id']}.json")
        _check(one, "requests.json")
