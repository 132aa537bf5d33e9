"""Storage on both real databases: work orders, routing, history, calls and turns."""

from __future__ import annotations

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
