"""Read-only JSON endpoints for work orders and calls."""

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.orm import Session

from workorders import store
from workorders.privacy import mask_phone
from workorders.schemas import CallOut, WorkOrderOut


def make_router(get_session: Callable[..., Iterator[Session]]) -> APIRouter:
    """Routes over the given session dependency (the app owns the database)."""
    router = APIRouter()
    SessionDep = Annotated[Session, Depends(get_session)]

    @router.get("/work-orders/{case_number}", response_model=WorkOrderOut)
    def read_work_order(case_number: str, session: SessionDep) -> WorkOrderOut:
        try:
            return store.get_work_order(session, case_number=case_number)
        except store.CaseNotFound:
            raise HTTPException(status_code=404, detail="no such case") from None

    @router.get("/calls/{call_sid}", response_model=CallOut)
    def read_call(call_sid: str, session: SessionDep) -> CallOut:
        try:
            call = store.get_call(session, call_sid=call_sid)
        except store.CallNotFound:
            raise HTTPException(status_code=404, detail="no such call") from None
        return call.model_copy(update={"caller_number": mask_phone(call.caller_number)})

    return router
