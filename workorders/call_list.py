"""The console's call list: newest first, paged, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from workorders.models import Call, CallTurn, WorkOrder, as_utc
from workorders.schemas import CallPage, CallSummary


@dataclass(frozen=True, slots=True, kw_only=True)
class CallFilter:
    """What the supervisor narrowed the list to; None means any."""

    day: date | None = None  # the call started on this UTC day
    outcome: str | None = None
    service_code: str | None = None
    search: str | None = None  # a case number, or a word the caller or agent said


def _filtered(query: Select[Call], where: CallFilter) -> Select[Call]:
    if where.day is not None:
        start = datetime.combine(where.day, time.min, tzinfo=UTC)
        query = query.where(
            Call.started_at >= start, Call.started_at < start + timedelta(days=1)
        )
    if where.outcome:
        query = query.where(Call.outcome == where.outcome)
    if where.service_code:
        query = query.where(WorkOrder.service_code == where.service_code)
    if where.search:
        needle = where.search.strip()
        said = select(CallTurn.call_id).where(
            # Escaped: "50%" or "my_street" are words to find, not patterns.
            func.lower(CallTurn.text).contains(needle.lower(), autoescape=True)
        )
        query = query.where(
            or_(WorkOrder.case_number == needle, Call.id.in_(said.scalar_subquery()))
        )
    return query


def list_calls(
    session: Session, *, where: CallFilter, page: int = 1, page_size: int = 25
) -> CallPage:
    """One page of calls, newest first, with each call's slowest reply."""
    page = max(page, 1)
    base = _filtered(
        select(Call).outerjoin(WorkOrder, Call.work_order_id == WorkOrder.id), where
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    worst = (
        select(CallTurn.call_id, func.max(CallTurn.response_seconds).label("worst"))
        .group_by(CallTurn.call_id)
        .subquery()
    )
    rows = session.execute(
        base.add_columns(WorkOrder.case_number, WorkOrder.service_name, worst.c.worst)
        .outerjoin(worst, worst.c.call_id == Call.id)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    calls = []
    for call, case_number, service_name, worst_seconds in rows:
        started = as_utc(call.started_at)
        ended = as_utc(call.ended_at) if call.ended_at else None
        calls.append(
            CallSummary(
                call_sid=call.call_sid,
                caller_number=call.caller_number,
                started_at=started,
                duration_seconds=(ended - started).total_seconds() if ended else None,
                outcome=call.outcome,
                case_number=case_number,
                service_name=service_name,
                worst_response_seconds=worst_seconds,
            )
        )
    return CallPage(calls=calls, total=total, page=page, page_size=page_size)
