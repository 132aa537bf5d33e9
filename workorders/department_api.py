"""The departments' API: their new work orders, status moves, webhooks, deliveries."""

# No `from __future__ import annotations`: FastAPI reads the Annotated
# dependencies defined inside make_department_router at definition time.

import hashlib
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from workorders import outbox, store
from workorders.models import WorkOrderStatus
from workorders.schemas import DeliveryOut, WorkOrderOut

PREFIX = "/departments/v1"


def key_hash(key: str) -> str:
    """What is stored of a department key: its SHA-256."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# PostgreSQL can neither store nor compare a NUL character: a 422, not a 500.
_NO_NUL = r"^[^\x00]*$"


class StatusMove(BaseModel):
    status: WorkOrderStatus
    note: str = Field(default="", max_length=1000, pattern=_NO_NUL)


class NewSubscription(BaseModel):
    url: str = Field(max_length=500, pattern=_NO_NUL)
    events: list[str] = Field(default_factory=lambda: list(outbox.EVENT_TYPES))


class Subscribed(BaseModel):
    id: int
    secret: str  # shown once: it signs every delivery (HMAC-SHA256)


class NewOrders(BaseModel):
    work_orders: list[WorkOrderOut]
    next_cursor: int  # pass back as `after` for the orders created since


def make_department_router(get_session: Callable[..., Iterator[Session]]) -> APIRouter:
    """Routes for department systems; each key sees only its own department."""
    router = APIRouter(prefix=PREFIX, tags=["departments"])
    SessionDep = Annotated[Session, Depends(get_session)]

    def department(request: Request, session: SessionDep) -> str:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        code = (
            outbox.department_for_key(session, key_hash=key_hash(given))
            if given
            else None
        )
        if code is None:
            raise HTTPException(
                status_code=401, detail="a department API key is required"
            )
        return code

    Department = Annotated[str, Depends(department)]

    @router.get("/work-orders", response_model=NewOrders)
    def new_orders(code: Department, session: SessionDep, after: int = 0) -> NewOrders:
        """The department's work orders created after the cursor, oldest first."""
        found = outbox.orders_after(session, department_code=code, after_id=after)
        return NewOrders(
            work_orders=[
                store.get_work_order(session, case_number=case) for _, case in found
            ],
            next_cursor=found[-1][0] if found else after,
        )

    @router.post("/work-orders/{case_number}/status", response_model=WorkOrderOut)
    def move(
        case_number: str, move: StatusMove, code: Department, session: SessionDep
    ) -> WorkOrderOut:
        """Move one of the department's work orders, with a note."""
        try:
            order = store.get_work_order(session, case_number=case_number)
        except store.CaseNotFound:
            raise HTTPException(status_code=404, detail="no such case") from None
        if order.department_code != code:
            raise HTTPException(status_code=403, detail="another department's case")
        return store.set_status(
            session,
            case_number=case_number,
            status=move.status,
            note=move.note,
            changed_by=f"department {code}",
        )

    @router.post("/webhooks", response_model=Subscribed, status_code=201)
    def subscribe(
        wanted: NewSubscription, code: Department, session: SessionDep
    ) -> Subscribed:
        """Subscribe a URL to work-order events; keep the secret, it is shown once."""
        try:
            sub_id, secret = outbox.subscribe(
                session, department_code=code, url=wanted.url, events=wanted.events
            )
        except outbox.SubscriptionError as error:
            raise HTTPException(status_code=422, detail=str(error)) from None
        return Subscribed(id=sub_id, secret=secret)

    @router.get(
        "/webhooks/{subscription_id}/deliveries", response_model=list[DeliveryOut]
    )
    def deliveries(
        subscription_id: int, code: Department, session: SessionDep
    ) -> list[DeliveryOut]:
        """Every delivery of the subscription: attempts, last answer, when done."""
        log = outbox.delivery_log(
            session, subscription_id=subscription_id, department_code=code
        )
        if log is None:
            raise HTTPException(status_code=404, detail="no such subscription")
        return log

    return router
