"""Reading and writing work orders and calls; keyword-only functions over a session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from workorders import case_numbers, outbox, texts
from workorders.models import (
    Call,
    CallOutcome,
    CallTurn,
    Correction,
    Department,
    StatusChange,
    WorkOrder,
    WorkOrderStatus,
    as_utc,
    utcnow,
)
from workorders.routing import Router
from workorders.schemas import (
    AddressParts,
    CallOut,
    CallTurnIn,
    CallTurnOut,
    CorrectionOut,
    NewWorkOrder,
    StatusChangeOut,
    WorkOrderOut,
)


class CaseNotFound(LookupError):
    """No work order has that case number."""


class CallNotFound(LookupError):
    """No call has that CallSid."""


def sync_departments(session: Session, *, router: Router) -> None:
    """Make the departments table match the city's catalog (idempotent)."""
    wanted = {r.department_code: r.department_name for r in router.routes}
    existing = {d.code: d for d in session.scalars(select(Department))}
    for code, name in wanted.items():
        if code in existing:
            existing[code].name = name
        else:
            session.add(Department(code=code, name=name))
    session.commit()


def _work_order_out(order: WorkOrder) -> WorkOrderOut:
    assert order.case_number is not None
    return WorkOrderOut(
        case_number=order.case_number,
        service_code=order.service_code,
        service_name=order.service_name,
        department_code=order.department_code,
        department_name=order.department.name,
        address=order.address,
        house_number=order.house_number,
        street=order.street,
        cross_street=order.cross_street,
        description=order.description,
        urgency=order.urgency,
        status=order.status,
        source=order.source,
        latitude=order.latitude,
        longitude=order.longitude,
        media_url=order.media_url,
        created_at=as_utc(order.created_at),
        updated_at=as_utc(order.updated_at),
        history=[
            StatusChangeOut(
                status=change.status,
                note=change.note,
                changed_by=change.changed_by,
                changed_at=as_utc(change.changed_at),
            )
            for change in order.history
        ],
        corrections=[
            CorrectionOut(
                field=fix.field,
                old_value=fix.old_value,
                new_value=fix.new_value,
                corrected_by=fix.corrected_by,
                corrected_at=as_utc(fix.corrected_at),
            )
            for fix in order.corrections
        ],
    )


_OPEN_STATUSES = (WorkOrderStatus.RECEIVED, WorkOrderStatus.IN_PROGRESS)
# House numbers in the same hundred are the same block.
_BLOCK_SIZE = 100


def _same_block(a: str | None, b: str | None) -> bool:
    if a is None or b is None or not a.isdigit() or not b.isdigit():
        return a == b
    return int(a) // _BLOCK_SIZE == int(b) // _BLOCK_SIZE


def _order_row(session: Session, case_number: str) -> WorkOrder:
    order = session.scalar(
        select(WorkOrder).where(WorkOrder.case_number == case_number)
    )
    if order is None:
        raise CaseNotFound(case_number)
    return order


def _link_call(session: Session, *, call_sid: str | None, work_order_id: int) -> None:
    """Point a recorded call at the work order it created or joined."""
    if call_sid is None:
        return
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is not None:
        call.work_order_id = work_order_id


def find_open_duplicate(
    session: Session, *, new: NewWorkOrder, within: timedelta
) -> WorkOrderOut | None:
    """An open work order for the same problem at the same place, if recent.

    Same place: the same street on the same block, or the same intersection
    named in either order.
    """
    if new.street is None:
        return None  # a described place matches no other report reliably
    since = utcnow() - within
    candidates = session.scalars(
        select(WorkOrder)
        .where(
            WorkOrder.service_code == new.service_code,
            WorkOrder.status.in_(_OPEN_STATUSES),
            WorkOrder.created_at >= since,
            WorkOrder.street.in_([new.street, new.cross_street or new.street]),
        )
        .order_by(WorkOrder.created_at)
        .options(selectinload(WorkOrder.history), selectinload(WorkOrder.department))
    )
    place = {new.street, new.cross_street}
    for order in candidates:
        if new.cross_street is not None or order.cross_street is not None:
            if {order.street, order.cross_street} == place:
                return _work_order_out(order)
        elif order.street == new.street and _same_block(
            order.house_number, new.house_number
        ):
            return _work_order_out(order)
    return None


def add_report(
    session: Session, *, case_number: str, new: NewWorkOrder, call_sid: str | None
) -> WorkOrderOut:
    """Record another caller's report on an existing work order.

    Raises: CaseNotFound.
    """
    order = _order_row(session, case_number)
    now = utcnow()
    order.updated_at = now
    session.add(
        StatusChange(
            work_order_id=order.id,
            status=order.status,
            note=f"Reported again by {new.source}: {new.description}",
            changed_by="cityline",
            changed_at=now,
        )
    )
    _link_call(session, call_sid=call_sid, work_order_id=order.id)
    session.commit()
    return get_work_order(session, case_number=case_number)


def create_work_order(
    session: Session,
    *,
    new: NewWorkOrder,
    router: Router,
    call_sid: str | None = None,
) -> WorkOrderOut:
    """Store a report routed to its department, with its first status entry.

    Raises:
        UnknownServiceError: the service code is not in the city's catalog.
    """
    route = router.route(new.service_code)
    now = utcnow()
    order = WorkOrder(
        service_code=route.service_code,
        service_name=route.service_name,
        department_code=route.department_code,
        address=new.address,
        house_number=new.house_number,
        street=new.street,
        cross_street=new.cross_street,
        description=new.description,
        urgency=new.urgency,
        status=WorkOrderStatus.RECEIVED,
        source=new.source,
        caller_number=new.caller_number,
        latitude=new.latitude,
        longitude=new.longitude,
        media_url=new.media_url,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    session.flush()
    order.case_number = case_numbers.from_serial(order.id)
    session.add(
        StatusChange(
            work_order_id=order.id,
            status=WorkOrderStatus.RECEIVED,
            note=f"Reported by {new.source}",
            changed_by="cityline",
            changed_at=now,
        )
    )
    _link_call(session, call_sid=call_sid, work_order_id=order.id)
    outbox.record_event(session, order=order, event_type=outbox.CREATED)
    session.commit()
    return get_work_order(session, case_number=order.case_number)


def get_work_order(session: Session, *, case_number: str) -> WorkOrderOut:
    """Raises: CaseNotFound."""
    order = session.scalar(
        select(WorkOrder)
        .where(WorkOrder.case_number == case_number)
        .options(
            selectinload(WorkOrder.history),
            selectinload(WorkOrder.department),
            selectinload(WorkOrder.corrections),
        )
    )
    if order is None:
        raise CaseNotFound(case_number)
    return _work_order_out(order)


def set_status(
    session: Session,
    *,
    case_number: str,
    status: WorkOrderStatus,
    note: str,
    changed_by: str,
) -> WorkOrderOut:
    """Move a work order to a new status and record who did it and why.

    Raises: CaseNotFound.
    """
    order = _order_row(session, case_number)
    now = utcnow()
    order.status = status
    order.updated_at = now
    session.add(
        StatusChange(
            work_order_id=order.id,
            status=status,
            note=note,
            changed_by=changed_by,
            changed_at=now,
        )
    )
    outbox.record_event(session, order=order, event_type=outbox.STATUS_CHANGED)
    texts.queue_status_texts(session, order=order)
    session.commit()
    return get_work_order(session, case_number=case_number)


def start_call(
    session: Session,
    *,
    call_sid: str,
    stream_sid: str | None,
    caller_number: str | None,
) -> None:
    """Record that a call's stream began; a repeated start is kept once."""
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None:
        session.add(
            Call(
                call_sid=call_sid,
                stream_sid=stream_sid,
                caller_number=caller_number,
                started_at=utcnow(),
                outcome=CallOutcome.IN_PROGRESS,
            )
        )
    else:
        call.stream_sid = stream_sid
    session.commit()


def _call_row(session: Session, call_sid: str) -> Call:
    call = session.scalar(select(Call).where(Call.call_sid == call_sid))
    if call is None:
        raise CallNotFound(call_sid)
    return call


def add_turns(session: Session, *, call_sid: str, turns: list[CallTurnIn]) -> None:
    """Append turns to a call, numbering them after those already stored."""
    call = _call_row(session, call_sid)
    next_index = session.scalar(
        select(func.coalesce(func.max(CallTurn.turn_index) + 1, 0)).where(
            CallTurn.call_id == call.id
        )
    )
    for offset, turn in enumerate(turns):
        session.add(
            CallTurn(
                call_id=call.id,
                turn_index=(next_index or 0) + offset,
                **turn.model_dump(),
            )
        )
    session.commit()


def finish_call(
    session: Session,
    *,
    call_sid: str,
    outcome: CallOutcome,
    recording_path: str | None,
) -> None:
    call = _call_row(session, call_sid)
    call.outcome = outcome
    call.ended_at = utcnow()
    call.recording_path = recording_path
    session.commit()


def get_call(session: Session, *, call_sid: str) -> CallOut:
    """Raises: CallNotFound."""
    call = session.scalar(
        select(Call)
        .where(Call.call_sid == call_sid)
        .options(selectinload(Call.turns), selectinload(Call.work_order))
    )
    if call is None:
        raise CallNotFound(call_sid)
    return CallOut(
        call_sid=call.call_sid,
        caller_number=call.caller_number,
        started_at=as_utc(call.started_at),
        ended_at=as_utc(call.ended_at) if call.ended_at else None,
        outcome=call.outcome,
        case_number=call.work_order.case_number if call.work_order else None,
        recording_path=call.recording_path,
        turns=[CallTurnOut.model_validate(turn) for turn in call.turns],
    )


def _orders_query() -> Select[WorkOrder]:
    """Work orders with what `_work_order_out` reads, loaded up front."""
    return select(WorkOrder).options(
        selectinload(WorkOrder.history),
        selectinload(WorkOrder.department),
        selectinload(WorkOrder.corrections),
    )


def list_work_orders(
    session: Session,
    *,
    department_code: str | None = None,
    status: str | None = None,
    limit: int = 200,
) -> list[WorkOrderOut]:
    """Work orders, newest first, narrowed to a department and a status if given."""
    query = _orders_query()
    if department_code:
        query = query.where(WorkOrder.department_code == department_code)
    if status:
        query = query.where(WorkOrder.status == status)
    rows = session.scalars(
        query.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit)
    ).all()
    return [_work_order_out(order) for order in rows]


def calls_for_work_order(session: Session, *, case_number: str) -> list[str]:
    """CallSids of the calls that created or joined the case, oldest first.

    Raises: CaseNotFound.
    """
    order = _order_row(session, case_number)
    return list(
        session.scalars(
            select(Call.call_sid)
            .where(Call.work_order_id == order.id)
            .order_by(Call.started_at, Call.id)
        )
    )


def correct_work_order(
    session: Session,
    *,
    case_number: str,
    router: Router,
    corrected_by: str,
    service_code: str | None = None,
    place: AddressParts | None = None,
) -> WorkOrderOut:
    """Fix the service (re-routing the order) or the place, keeping what it was.

    Raises: CaseNotFound, UnknownServiceError.
    """
    order = _order_row(session, case_number)
    now = utcnow()
    fixes: list[Correction] = []
    if service_code is not None and service_code != order.service_code:
        route = router.route(service_code)
        fixes.append(
            Correction(
                field="service",
                old_value=order.service_name,
                new_value=route.service_name,
            )
        )
        order.service_code = route.service_code
        order.service_name = route.service_name
        order.department_code = route.department_code
    if place is not None and place.address != order.address:
        fixes.append(
            Correction(
                field="address", old_value=order.address, new_value=place.address
            )
        )
        order.address = place.address
        order.house_number = place.house_number
        order.street = place.street
        order.cross_street = place.cross_street
    for fix in fixes:
        fix.work_order_id = order.id
        fix.corrected_by = corrected_by
        fix.corrected_at = now
        session.add(fix)
    if fixes:
        order.updated_at = now
        session.commit()
    return get_work_order(session, case_number=case_number)


def audio_before(session: Session, *, cutoff: datetime) -> list[tuple[str, list[str]]]:
    """Calls started before cutoff that still have audio: (CallSid, file paths)."""
    calls = session.scalars(
        select(Call)
        .where(Call.started_at < cutoff)
        .options(selectinload(Call.turns))
        .order_by(Call.started_at)
    ).all()
    found = []
    for call in calls:
        paths = [t.audio_path for t in call.turns if t.audio_path]
        if call.recording_path:
            paths.append(call.recording_path)
        if paths:
            found.append((call.call_sid, paths))
    return found


def forget_audio(session: Session, *, call_sid: str) -> None:
    """Drop a call's audio paths; its transcript and work order stay.

    Raises: CallNotFound.
    """
    call = _call_row(session, call_sid)
    call.recording_path = None
    for turn in session.scalars(select(CallTurn).where(CallTurn.call_id == call.id)):
        turn.audio_path = None
    session.commit()


def find_work_orders(
    session: Session,
    *,
    case_numbers: Sequence[str] = (),
    service_code: str | None = None,
    statuses: Sequence[str] = (),
    created_from: datetime | None = None,
    created_until: datetime | None = None,
    limit: int = 1000,
) -> list[WorkOrderOut]:
    """Work orders by case number, or else by service, status and creation time."""
    query = _orders_query()
    if case_numbers:
        # Asked by number, other filters do not apply (Open311's rule).
        query = query.where(WorkOrder.case_number.in_(list(case_numbers)))
    else:
        if service_code:
            query = query.where(WorkOrder.service_code == service_code)
        if statuses:
            query = query.where(WorkOrder.status.in_(list(statuses)))
        if created_from is not None:
            query = query.where(WorkOrder.created_at >= created_from)
        if created_until is not None:
            query = query.where(WorkOrder.created_at <= created_until)
    rows = session.scalars(
        query.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit)
    ).all()
    return [_work_order_out(order) for order in rows]
