"""Storage on both real databases: work orders, routing, history, calls and turns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from workorders import case_numbers, store
from workorders.database import make_session_factory
from workorders.models import CallOutcome, WorkOrderStatus
from workorders.routing import Route, Router, UnknownServiceError
from workorders.schemas import CallTurnIn, NewWorkOrder

ROUTER = Router(
    {
        "REQPOTHL": Route(
            service_code="REQPOTHL",
            service_name="Request for Pothole Repair",
            department_code="PUBLIC_WORKS",
            department_name="Public Works",
        ),
        "ABNDVHCL": Route(
            service_code="ABNDVHCL",
            service_name="Abandoned Vehicles",
            department_code="TRANSPORTATION",
            department_name="Transportation",
        ),
    }
)


def _report(service_code: str = "REQPOTHL") -> NewWorkOrder:
    return NewWorkOrder(
        service_code=service_code,
        address="1420 Elm Street",
        house_number="1420",
        street="Elm Street",
        cross_street=None,
        description="There's a big pothole in front of 1420 Elm Street.",
        urgency="normal",
        caller_number="+16175551234",
    )


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    factory = make_session_factory(engine)
    with factory() as session:
        store.sync_departments(session, router=ROUTER)
    return factory


def test_work_order_is_routed_to_its_department(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        pothole = store.create_work_order(session, new=_report(), router=ROUTER)
        car = store.create_work_order(session, new=_report("ABNDVHCL"), router=ROUTER)
    assert pothole.department_name == "Public Works"
    assert car.department_code == "TRANSPORTATION"
    assert pothole.case_number != car.case_number
    assert case_numbers.is_valid(pothole.case_number)
    assert pothole.status == WorkOrderStatus.RECEIVED
    assert [h.status for h in pothole.history] == ["received"]


def test_unknown_service_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(UnknownServiceError):
        store.create_work_order(session, new=_report("NOPE"), router=ROUTER)


def test_status_change_is_recorded_with_who_and_when(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        order = store.create_work_order(session, new=_report(), router=ROUTER)
        updated = store.set_status(
            session,
            case_number=order.case_number,
            status=WorkOrderStatus.IN_PROGRESS,
            note="Crew scheduled",
            changed_by="dispatcher@pwd",
        )
    with sessions() as session:
        again = store.get_work_order(session, case_number=order.case_number)
    assert again.status == "in_progress"
    assert [h.status for h in again.history] == ["received", "in_progress"]
    assert again.history[-1].changed_by == "dispatcher@pwd"
    assert again.updated_at >= order.updated_at
    assert updated.updated_at.tzinfo is not None


def test_unknown_case_number_raises(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(store.CaseNotFound):
        store.get_work_order(session, case_number=case_numbers.from_serial(999))


def test_call_turns_and_outcome_are_kept_in_order(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        store.start_call(
            session, call_sid="CA1", stream_sid="MZ1", caller_number="+16175551234"
        )
        store.add_turns(
            session,
            call_sid="CA1",
            turns=[
                CallTurnIn(speaker="agent", text="City services.", started_seconds=0.0),
                CallTurnIn(
                    speaker="caller",
                    text="Pothole on Elm Street",
                    started_seconds=4.2,
                    confidence=0.8,
                ),
            ],
        )
        store.add_turns(
            session,
            call_sid="CA1",
            turns=[CallTurnIn(speaker="agent", text="Goodbye.", started_seconds=9.0)],
        )
        order = store.create_work_order(
            session, new=_report(), router=ROUTER, call_sid="CA1"
        )
        store.finish_call(
            session,
            call_sid="CA1",
            outcome=CallOutcome.WORK_ORDER_CREATED,
            recording_path="/tmp/x.wav",
        )
    with sessions() as session:
        call = store.get_call(session, call_sid="CA1")
    assert [t.turn_index for t in call.turns] == [0, 1, 2]
    assert [t.speaker for t in call.turns] == ["agent", "caller", "agent"]
    assert call.outcome == "work_order_created"
    assert call.case_number == order.case_number
    assert call.ended_at is not None


def test_departments_follow_the_catalog(sessions: sessionmaker[Session]) -> None:
    renamed = Router(
        {
            "REQPOTHL": Route(
                service_code="REQPOTHL",
                service_name="Pothole",
                department_code="PUBLIC_WORKS",
                department_name="Public Works Department",
            )
        }
    )
    with sessions() as session:
        store.sync_departments(session, router=renamed)
        order = store.create_work_order(session, new=_report(), router=renamed)
    assert order.department_name == "Public Works Department"


def _at(
    address: str, house: str | None, street: str, cross: str | None = None
) -> NewWorkOrder:
    return _report().model_copy(
        update={
            "address": address,
            "house_number": house,
            "street": street,
            "cross_street": cross,
        }
    )


def test_same_problem_on_the_same_block_is_a_duplicate(
    sessions: sessionmaker[Session],
) -> None:
    window = timedelta(days=14)
    with sessions() as session:
        first = store.create_work_order(session, new=_report(), router=ROUTER)
        near = _at("1436 Elm Street", "1436", "Elm Street")
        found = store.find_open_duplicate(session, new=near, within=window)
        assert found is not None and found.case_number == first.case_number
        far = _at("1520 Elm Street", "1520", "Elm Street")
        assert store.find_open_duplicate(session, new=far, within=window) is None
        other_kind = near.model_copy(update={"service_code": "ABNDVHCL"})
        assert store.find_open_duplicate(session, new=other_kind, within=window) is None


def test_intersection_matches_in_either_order(sessions: sessionmaker[Session]) -> None:
    window = timedelta(days=14)
    with sessions() as session:
        first = store.create_work_order(
            session,
            new=_at("Main Street and Oak Avenue", None, "Main Street", "Oak Avenue"),
            router=ROUTER,
        )
        swapped = _at("Oak Avenue and Main Street", None, "Oak Avenue", "Main Street")
        found = store.find_open_duplicate(session, new=swapped, within=window)
        assert found is not None and found.case_number == first.case_number


def test_closed_or_old_work_orders_are_not_duplicates(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        first = store.create_work_order(session, new=_report(), router=ROUTER)
        assert store.find_open_duplicate(
            session, new=_report(), within=timedelta(days=14)
        )
        assert (
            store.find_open_duplicate(session, new=_report(), within=timedelta(0))
            is None
        )
        store.set_status(
            session,
            case_number=first.case_number,
            status=WorkOrderStatus.RESOLVED,
            note="Filled",
            changed_by="crew",
        )
        assert (
            store.find_open_duplicate(session, new=_report(), within=timedelta(days=14))
            is None
        )


def test_added_report_is_in_the_history_and_links_the_call(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        first = store.create_work_order(session, new=_report(), router=ROUTER)
        store.start_call(session, call_sid="CA2", stream_sid="MZ2", caller_number=None)
        joined = store.add_report(
            session, case_number=first.case_number, new=_report(), call_sid="CA2"
        )
        call = store.get_call(session, call_sid="CA2")
    assert [h.status for h in joined.history] == ["received", "received"]
    assert joined.history[-1].note.startswith("Reported again by phone")
    assert call.case_number == first.case_number


def test_described_place_is_stored_and_never_joined(
    sessions: sessionmaker[Session],
) -> None:
    described = _report().model_copy(
        update={
            "address": "Described by the caller: behind the old red barn",
            "house_number": None,
            "street": None,
        }
    )
    window = timedelta(days=14)
    with sessions() as session:
        first = store.create_work_order(session, new=described, router=ROUTER)
        assert store.find_open_duplicate(session, new=described, within=window) is None
        stored = store.get_work_order(session, case_number=first.case_number)
    assert stored.street is None
    assert stored.address == "Described by the caller: behind the old red barn"
