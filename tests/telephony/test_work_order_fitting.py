"""What the caller said reaches the store whole, however long, on either database."""

from __future__ import annotations

import pytest

from dialog.actions import WorkOrderDraft
from nlu.city import Urgency
from telephony.bridge import new_work_order
from telephony.runtime import Runtime
from workorders import store
from workorders.schemas import MAX_ADDRESS_CHARS


def _described(place: str) -> WorkOrderDraft:
    return WorkOrderDraft(
        service_code="REQPOTHL",
        address=f"Described by the caller: {place}",
        house_number=None,
        street=None,
        cross_street=None,
        description="pothole",
        urgency=Urgency.NORMAL,
    )


@pytest.mark.parametrize("database", ["runtime", "postgres_runtime"])
def test_a_long_described_place_is_stored_whole(
    database: str, request: pytest.FixtureRequest
) -> None:
    runtime: Runtime = request.getfixturevalue(database)
    place = "past the old mill on the gravel road by the creek, " * 12
    new = new_work_order(_described(place), caller_number="+16175550123")
    assert len(new.address) == MAX_ADDRESS_CHARS
    assert new.address.endswith("…")
    with runtime.sessions() as session:
        case = store.create_work_order(session, new=new, router=runtime.router)
        stored = store.get_work_order(session, case_number=case.case_number)
    assert stored.address == new.address
    # Nothing the caller said is lost: the whole place is in the description.
    assert stored.description.startswith("pothole\n")
    assert place.strip() in stored.description


def test_a_short_place_is_left_as_it_is() -> None:
    new = new_work_order(_described("behind the library"), caller_number=None)
    assert new.address == "Described by the caller: behind the library"
    assert new.description == "pothole"
