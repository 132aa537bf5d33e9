"""The supervisor console: sign-in, calls turn by turn, work orders, under /console."""

# No `from __future__ import annotations`: FastAPI reads the Annotated
# dependencies defined inside make_console_router at definition time.
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from console.auth import (
    LoginLimiter,
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    tokens_match,
    verify_password,
)
from console.health import LineHealth, health_charts, line_health
from workorders import accounts, store
from workorders.call_list import CallFilter, list_calls
from workorders.models import CallOutcome, WorkOrderStatus
from workorders.privacy import mask_phone
from workorders.routing import Router, UnknownServiceError
from workorders.schemas import (
    AccountOut,
    AddressParts,
    CallOut,
    CallPage,
    WorkOrderOut,
)

logger = logging.getLogger(__name__)

PREFIX = "/console"
SESSION_COOKIE = "cityline_session"
LOGIN_CSRF_COOKIE = "cityline_login_csrf"
STATIC_DIR = Path(__file__).parent / "static"
_TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_PAGE_SIZE = 25


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleConfig:
    """What the console needs from the app, as plain values."""

    session_hours: float
    secure_cookies: bool  # served over https: cookies go only over https
    recordings_dir: Path  # audio is served from under here, nowhere else
    services: dict[str, str]  # service code -> name, for the category filter
    departments: dict[str, str]  # department code -> name
    router: Router  # re-routes an order whose service is corrected
    # Reads a corrected address against the city's streets; None if it names none.
    read_address: Callable[[str], AddressParts | None]
    sorry_prompt: str  # the agent's "didn't catch that": the health page counts it


class CallQuery(BaseModel):
    """The call list's filters as the form sends them ("" for any)."""

    day: str | None = None  # YYYY-MM-DD, UTC
    outcome: str | None = None
    service: str | None = None  # a service code
    q: str | None = None  # a case number, or a word said in the call
    page_number: int = Field(default=1, ge=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedIn:
    account: AccountOut
    csrf_token: str


class LoginRequired(Exception):
    """A page asked for without a session: the browser goes to the sign-in page."""


def login_redirect_handler(_request: Request, _exc: Exception) -> Response:
    return RedirectResponse(f"{PREFIX}/login", status_code=303)


async def _read_form(request: Request) -> dict[str, str]:
    """The posted form; 400 for a NUL character, which PostgreSQL cannot store."""
    form = {key: str(value) for key, value in (await request.form()).items()}
    if any("\x00" in text for pair in form.items() for text in pair):
        raise HTTPException(status_code=400, detail="the form holds a NUL character")
    return form


def make_console_router(
    get_session: Callable[..., Iterator[Session]],
    config: ConsoleConfig,
    limiter: LoginLimiter | None = None,
) -> APIRouter:
    """Routes over the app's session dependency; the app registers
    `login_redirect_handler` for `LoginRequired`."""
    router = APIRouter(prefix=PREFIX, tags=["console"])
    SessionDep = Annotated[Session, Depends(get_session)]
    limiter = limiter or LoginLimiter()
    recordings_root = config.recordings_dir.resolve()

    def signed_in(request: Request, session: SessionDep) -> SignedIn:
        token = request.cookies.get(SESSION_COOKIE)
        found = (
            accounts.session_account(
                session, token_hash=token_hash(token), now=datetime.now(UTC)
            )
            if token
            else None
        )
        if found is None:
            if request.url.path.startswith(f"{PREFIX}/api/"):
                raise HTTPException(status_code=401, detail="sign in first")
            raise LoginRequired
        account, csrf = found
        return SignedIn(account=account, csrf_token=csrf)

    User = Annotated[SignedIn, Depends(signed_in)]

    async def checked_form(request: Request, user: User) -> dict[str, str]:
        """The posted form, or 403 when its CSRF token is not this session's."""
        form = await _read_form(request)
        if not tokens_match(form.get("csrf_token"), user.csrf_token):
            logger.warning("refused a console form without its CSRF token")
            raise HTTPException(status_code=403, detail="form expired; reload the page")
        return form

    Form = Annotated[dict[str, str], Depends(checked_form)]

    def page(
        request: Request,
        name: str,
        user: SignedIn | None,
        status_code: int = 200,
        **context: object,
    ) -> Response:
        return _TEMPLATES.TemplateResponse(
            request,
            name,
            {"user": user, "prefix": PREFIX, "mask": mask_phone, **context},
            status_code=status_code,
            headers={"Cache-Control": "no-store"},
        )

    def may_see(user: SignedIn, order: WorkOrderOut) -> bool:
        account = user.account
        return account.is_supervisor or account.department_code == order.department_code

    def order_for(session: Session, user: SignedIn, case_number: str) -> WorkOrderOut:
        try:
            order = store.get_work_order(session, case_number=case_number)
        except store.CaseNotFound:
            raise HTTPException(status_code=404, detail="no such case") from None
        if not may_see(user, order):
            raise HTTPException(status_code=403, detail="another department's case")
        return order

    def call_for(session: Session, user: SignedIn, call_sid: str) -> CallOut:
        if not user.account.is_supervisor:
            # Calls hold residents' voices and words: supervisors only.
            raise HTTPException(status_code=403, detail="supervisors only")
        try:
            return store.get_call(session, call_sid=call_sid)
        except store.CallNotFound:
            raise HTTPException(status_code=404, detail="no such call") from None

    def audio_file(path: str | None) -> FileResponse:
        if not path:
            raise HTTPException(status_code=404, detail="no recording")
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(recordings_root) or not resolved.is_file():
            raise HTTPException(status_code=404, detail="recording not found")
        # Starlette answers Range requests, so the player can seek.
        return FileResponse(resolved, media_type="audio/wav")

    # -- signing in ---------------------------------------------------------

    @router.get("/login", include_in_schema=False)
    def login_form(request: Request) -> Response:
        csrf = new_token()
        response = page(request, "login.html", None, csrf_token=csrf, error=None)
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="strict",
            secure=config.secure_cookies,
            path=PREFIX,
        )
        return response

    @router.post("/login", include_in_schema=False)
    async def login(request: Request, session: SessionDep) -> Response:
        form = await _read_form(request)
        if not tokens_match(
            form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE, "")
        ):
            raise HTTPException(status_code=403, detail="form expired; reload the page")
        username = form.get("username", "").strip()
        client = request.client.host if request.client else "?"
        keys = (f"name:{username.lower()}", f"addr:{client}")
        wait = limiter.retry_after_seconds(session, *keys)
        if wait > 0:
            logger.warning("sign-in refused: too many failures (%s)", client)
            return page(
                request,
                "login.html",
                None,
                csrf_token=form.get("csrf_token"),
                error="Too many failed attempts. Try again in a few minutes.",
                status_code=429,
            )
        stored = accounts.password_hash_for(session, username=username)
        if not verify_password(stored[1] if stored else None, form.get("password", "")):
            limiter.failed(session, *keys)
            logger.info("failed sign-in from %s", client)
            return page(
                request,
                "login.html",
                None,
                csrf_token=form.get("csrf_token"),
                error="Wrong name or password.",
                status_code=401,
            )
        assert stored is not None
        account_id, password_hash = stored
        limiter.succeeded(session, *keys)
        if needs_rehash(password_hash):
            accounts.set_password_hash(
                session,
                account_id=account_id,
                password_hash=hash_password(form.get("password", "")),
            )
        token = new_token()
        accounts.start_session(
            session,
            account_id=account_id,
            token_hash=token_hash(token),
            csrf_token=new_token(),
            expires_at=datetime.now(UTC) + timedelta(hours=config.session_hours),
        )
        response = RedirectResponse(f"{PREFIX}/calls", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(config.session_hours * 3600),
            httponly=True,
            samesite="lax",
            secure=config.secure_cookies,
            path=PREFIX,
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX)
        return response

    @router.post("/logout", include_in_schema=False)
    def logout(request: Request, session: SessionDep, _form: Form) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            accounts.end_session(session, token_hash=token_hash(token))
        response = RedirectResponse(f"{PREFIX}/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    # -- calls ----------------------------------------------------------------

    def call_filter(query: CallQuery) -> CallFilter:
        try:
            day = date.fromisoformat(query.day) if query.day else None
        except ValueError:
            raise HTTPException(
                status_code=422, detail="day must be YYYY-MM-DD"
            ) from None
        return CallFilter(
            day=day,
            outcome=query.outcome or None,
            service_code=query.service or None,
            search=query.q or None,
        )

    @router.get("", include_in_schema=False)
    def home(user: User) -> Response:
        target = "calls" if user.account.is_supervisor else "work-orders"
        return RedirectResponse(f"{PREFIX}/{target}", status_code=303)

    @router.get("/api/calls", response_model=CallPage)
    def api_calls(
        user: User, session: SessionDep, query: Annotated[CallQuery, Query()]
    ) -> CallPage:
        """Calls, newest first; caller numbers masked to their last four digits."""
        if not user.account.is_supervisor:
            raise HTTPException(status_code=403, detail="supervisors only")
        found = list_calls(
            session,
            where=call_filter(query),
            page=query.page_number,
            page_size=_PAGE_SIZE,
        )
        return found.model_copy(
            update={
                "calls": [
                    c.model_copy(update={"caller_number": mask_phone(c.caller_number)})
                    for c in found.calls
                ]
            }
        )

    @router.get("/calls", include_in_schema=False)
    def calls_page(
        request: Request,
        user: User,
        session: SessionDep,
        query: Annotated[CallQuery, Query()],
    ) -> Response:
        found = api_calls(user, session, query)
        filters = query.model_dump(exclude={"page_number"})
        kept = urlencode({k: v for k, v in filters.items() if v})
        return page(
            request,
            "calls.html",
            user,
            found=found,
            query=filters,
            kept=kept,
            outcomes=[o.value for o in CallOutcome],
            services=config.services,
            pages=max(1, -(-found.total // found.page_size)),
        )

    @router.get("/api/calls/{call_sid}", response_model=CallOut)
    def api_call(call_sid: str, user: User, session: SessionDep) -> CallOut:
        """One call with every turn; the caller number masked."""
        call = call_for(session, user, call_sid)
        return call.model_copy(update={"caller_number": mask_phone(call.caller_number)})

    @router.get("/calls/{call_sid}", include_in_schema=False)
    def call_page(
        request: Request, call_sid: str, user: User, session: SessionDep
    ) -> Response:
        call = api_call(call_sid, user, session)
        order = (
            store.get_work_order(session, case_number=call.case_number)
            if call.case_number
            else None
        )
        turns = [
            {
                "turn": turn,
                "slots": json.loads(turn.slots_json) if turn.slots_json else None,
            }
            for turn in call.turns
        ]
        return page(
            request,
            "call.html",
            user,
            call=call,
            turns=turns,
            order=order,
            services=config.services,
        )

    @router.get("/calls/{call_sid}/turns/{turn_index}/audio", include_in_schema=False)
    def turn_audio(
        call_sid: str, turn_index: int, user: User, session: SessionDep
    ) -> FileResponse:
        call = call_for(session, user, call_sid)
        turn = next((t for t in call.turns if t.turn_index == turn_index), None)
        if turn is None:
            raise HTTPException(status_code=404, detail="no such turn")
        return audio_file(turn.audio_path)

    @router.get("/calls/{call_sid}/recording", include_in_schema=False)
    def call_recording(call_sid: str, user: User, session: SessionDep) -> FileResponse:
        return audio_file(call_for(session, user, call_sid).recording_path)

    # -- the line's health ---------------------------------------------------------

    @router.get("/api/health", response_model=LineHealth)
    def api_health(
        user: User, session: SessionDep, days: Annotated[int, Query(ge=1, le=92)] = 14
    ) -> LineHealth:
        """Calls per day, containment, durations, latency, confidence, repeats."""
        if not user.account.is_supervisor:
            raise HTTPException(status_code=403, detail="supervisors only")
        return line_health(session, sorry_prompt=config.sorry_prompt, days=days)

    @router.get("/health", include_in_schema=False)
    def health_page(
        request: Request,
        user: User,
        session: SessionDep,
        days: Annotated[int, Query(ge=1, le=92)] = 14,
    ) -> Response:
        health = api_health(user, session, days)
        return page(
            request,
            "health.html",
            user,
            health=health,
            charts=health_charts(health),
            days=days,
        )

    # -- work orders -------------------------------------------------------------

    @router.get("/api/work-orders", response_model=list[WorkOrderOut])
    def api_work_orders(
        user: User,
        session: SessionDep,
        department: str | None = None,
        status: str | None = None,
    ) -> list[WorkOrderOut]:
        """Work orders, newest first; a dispatcher sees only their department's."""
        if not user.account.is_supervisor:
            department = user.account.department_code
        return store.list_work_orders(
            session, department_code=department, status=status
        )

    @router.get("/work-orders", include_in_schema=False)
    def work_orders_page(
        request: Request,
        user: User,
        session: SessionDep,
        department: str | None = None,
        status: str | None = None,
    ) -> Response:
        orders = api_work_orders(user, session, department, status)
        return page(
            request,
            "work_orders.html",
            user,
            orders=orders,
            department=department or "",
            status=status or "",
            departments=config.departments,
            statuses=[s.value for s in WorkOrderStatus],
        )

    @router.get("/work-orders/{case_number}", include_in_schema=False)
    def work_order_page(
        request: Request,
        case_number: str,
        user: User,
        session: SessionDep,
        error: str | None = None,
    ) -> Response:
        order = order_for(session, user, case_number)
        calls = store.calls_for_work_order(session, case_number=case_number)
        return page(
            request,
            "work_order.html",
            user,
            order=order,
            calls=calls,
            statuses=[s.value for s in WorkOrderStatus],
            services=config.services,
            error=error,
        )

    @router.post("/work-orders/{case_number}/correction", include_in_schema=False)
    def correct(
        case_number: str, user: User, session: SessionDep, form: Form
    ) -> Response:
        """A supervisor fixes the service or the address the agent filed."""
        if not user.account.is_supervisor:
            raise HTTPException(status_code=403, detail="supervisors only")
        order = order_for(session, user, case_number)
        back = form.get("back", "")
        if not back.startswith(f"{PREFIX}/") or "//" in back:
            back = f"{PREFIX}/work-orders/{case_number}"
        service_code = form.get("service_code") or None
        said = form.get("address", "").strip()
        place = config.read_address(said) if said else None
        if said and place is None:
            query = urlencode({"error": f"No street of the city in {said!r}."})
            return RedirectResponse(
                f"{PREFIX}/work-orders/{case_number}?{query}", status_code=303
            )
        try:
            store.correct_work_order(
                session,
                case_number=order.case_number,
                router=config.router,
                corrected_by=user.account.username,
                service_code=service_code,
                place=place,
            )
        except UnknownServiceError:
            raise HTTPException(status_code=422, detail="unknown service") from None
        logger.info("case %s corrected by %s", case_number, user.account.username)
        return RedirectResponse(back, status_code=303)

    @router.post("/work-orders/{case_number}/status", include_in_schema=False)
    def change_status(
        case_number: str, user: User, session: SessionDep, form: Form
    ) -> Response:
        order_for(session, user, case_number)
        try:
            status = WorkOrderStatus(form.get("status", ""))
        except ValueError:
            raise HTTPException(status_code=422, detail="unknown status") from None
        store.set_status(
            session,
            case_number=case_number,
            status=status,
            note=form.get("note", "").strip(),
            changed_by=user.account.username,
        )
        logger.info(
            "case %s moved to %s by %s", case_number, status, user.account.username
        )
        return RedirectResponse(f"{PREFIX}/work-orders/{case_number}", status_code=303)

    return router
