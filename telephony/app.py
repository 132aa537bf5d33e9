"""The FastAPI app: Twilio voice webhooks, the Media Streams websocket, the API."""

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session
from starlette.websockets import WebSocketDisconnect
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

from console.routes import (
    STATIC_DIR,
    ConsoleConfig,
    LoginRequired,
    login_redirect_handler,
    make_console_router,
)
from dialog.prompts import CityWords, Prompts
from nlu.city import City, Service, load_city
from nlu.location import Locator
from open311.api import (
    PREFIX as OPEN311_PREFIX,
)
from open311.api import (
    CatalogEntry,
    Open311Config,
    Open311Error,
    make_open311_router,
)
from open311.api import (
    error_response as open311_error_response,
)
from telephony.bridge import CallSession
from telephony.retention import keep_deleting_old_audio
from telephony.runtime import Runtime, build_runtime, router_for
from telephony.settings import Settings
from telephony.texts import keep_sending
from telephony.webhooks import keep_delivering
from workorders import store, texts
from workorders.api import make_router
from workorders.department_api import make_department_router
from workorders.models import CallOutcome
from workorders.privacy import mask_phone
from workorders.schemas import AddressParts

logger = logging.getLogger(__name__)

VOICE_PATH = "/twilio/voice"
AFTER_STREAM_PATH = "/twilio/after-stream"
STREAM_PATH = "/twilio/stream"
SMS_PATH = "/twilio/sms"


def stream_url(public_url: str) -> str:
    """The websocket URL Twilio connects to, from the public http(s) base URL."""
    base = public_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    elif base.startswith("http://"):
        base = "ws://" + base.removeprefix("http://")
    return base + STREAM_PATH


def _address_reader(city: City) -> Callable[[str], AddressParts | None]:
    """The console's reading of a typed address: the phone line's own matcher."""
    places = Locator(city)

    def read(text: str) -> AddressParts | None:
        found = places.find(text)
        if found is None:
            return None
        return AddressParts(
            address=found.spoken,
            house_number=found.house_number,
            street=found.street.full_name,
            cross_street=found.cross_street.full_name if found.cross_street else None,
        )

    return read


def open311_attributes(service: Service) -> tuple[dict[str, Any], ...]:
    """A service's Open311 definition fields in the spec's shape."""
    return tuple(
        {
            "variable": True,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": None,
            "order": a.order,
            "description": a.description,
            **(
                {"values": [{"key": k, "name": n} for k, n in a.values]}
                if a.values
                else {}
            ),
        }
        for a in service.attributes
        if a.datatype != "informational"
    )


def _twiml(response: VoiceResponse) -> Response:
    return Response(content=str(response), media_type="application/xml")


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The app; builds the runtime at start-up unless one is given (tests share one)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime or await asyncio.to_thread(build_runtime, settings)
        if (
            not settings.twilio_auth_token
            and not settings.insecure_skip_signature_check
        ):
            logger.warning(
                "TWILIO_AUTH_TOKEN is not set: every Twilio request will be refused"
            )
        retention = None
        if settings.audio_retention_days is not None:
            retention = asyncio.create_task(
                keep_deleting_old_audio(
                    app.state.runtime.sessions,
                    recordings_dir=settings.recordings_dir,
                    keep_days=settings.audio_retention_days,
                )
            )
        # Webhooks go out from the outbox, so a restart resumes where it stopped.
        delivering = asyncio.create_task(keep_delivering(app.state.runtime.sessions))
        sending = (
            asyncio.create_task(keep_sending(app.state.runtime.sessions, settings))
            if settings.texts_enabled
            else None
        )
        yield
        delivering.cancel()
        if sending is not None:
            sending.cancel()
        if retention is not None:
            retention.cancel()
        if owned:
            app.state.runtime.close()

    app = FastAPI(title="Cityline", lifespan=lifespan)
    # The console's filters name the city's services and departments; reading
    # the city's files is quick, the models wait for the lifespan.
    city = runtime.city if runtime is not None else load_city(settings.city_dir)
    validator = RequestValidator(settings.twilio_auth_token)
    public = settings.public_url.rstrip("/")

    def is_signed(url: str, params: dict[str, str], signature: str | None) -> bool:
        if settings.insecure_skip_signature_check:
            return True
        if not settings.twilio_auth_token or not signature:
            return False
        return bool(validator.validate(url, params, signature))

    async def signed_form(request: Request, path: str) -> dict[str, str]:
        """The POST form, or 403 when X-Twilio-Signature does not match it."""
        form = await request.form()
        params = {key: str(value) for key, value in form.items()}
        # Behind a tunnel the Host header is not what Twilio signed: use the
        # configured public URL, plus the query string Twilio sent.
        url = public + path
        if request.url.query:
            url += "?" + request.url.query
        if not is_signed(url, params, request.headers.get("X-Twilio-Signature")):
            logger.warning("refused an unsigned request to %s", path)
            raise HTTPException(status_code=403)
        return params

    def get_runtime(request: Request) -> Runtime:
        value: Runtime = request.app.state.runtime
        return value

    def get_session(request: Request) -> Iterator[Session]:
        with get_runtime(request).sessions() as session:
            yield session

    def api_token_only(request: Request) -> None:
        # Until the console brings accounts, the API takes one shared token and
        # is off without it (a loopback check would let a local proxy through).
        expected = settings.api_token
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(status_code=403)

    @app.post(VOICE_PATH)
    async def voice(request: Request) -> Response:
        params = await signed_form(request, VOICE_PATH)
        logger.info(
            "incoming call %s from %s",
            params.get("CallSid", "?"),
            mask_phone(params.get("From")),
        )
        response = VoiceResponse()
        connect = Connect(action=public + AFTER_STREAM_PATH, method="POST")
        stream = connect.stream(url=stream_url(public))
        # Query strings on the stream URL are dropped by Twilio: use <Parameter>.
        stream.parameter(name="from", value=params.get("From", ""))
        response.append(connect)
        return _twiml(response)

    @app.post(AFTER_STREAM_PATH)
    async def after_stream(
        request: Request, session: Annotated[Session, Depends(get_session)]
    ) -> Response:
        params = await signed_form(request, AFTER_STREAM_PATH)
        call_sid = params.get("CallSid", "")
        outcome = None
        with contextlib.suppress(store.CallNotFound):
            outcome = store.get_call(session, call_sid=call_sid).outcome
        response = VoiceResponse()
        if outcome == CallOutcome.TRANSFERRED:
            dial = Dial(get_runtime(request).operator_number)
            response.append(dial)
        else:
            response.hangup()
        return _twiml(response)

    @app.post(SMS_PATH)
    async def inbound_sms(
        request: Request, session: Annotated[Session, Depends(get_session)]
    ) -> Response:
        """A resident's text: STOP and the like end status texts, START resumes."""
        params = await signed_form(request, SMS_PATH)
        sender = params.get("From", "")
        word = params.get("Body", "").strip().lower()
        if sender and word in texts.STOP_WORDS:
            texts.opt_out(session, phone=sender)
            logger.info("texts stopped for %s", mask_phone(sender))
        elif sender and word in texts.START_WORDS:
            texts.opt_in(session, phone=sender)
            logger.info("texts resumed for %s", mask_phone(sender))
        # Twilio itself answers STOP and START; nothing more is said here.
        return Response(content=str(MessagingResponse()), media_type="application/xml")

    @app.websocket(STREAM_PATH)
    async def media_stream(websocket: WebSocket) -> None:
        signature = websocket.headers.get("x-twilio-signature")
        if not is_signed(stream_url(public), {}, signature):
            logger.warning("refused an unsigned media stream")
            # Closing before accept answers the upgrade with 403.
            await websocket.close(code=1008)
            return
        await websocket.accept()
        runtime: Runtime = websocket.app.state.runtime
        call = CallSession(runtime, websocket.send_text)
        await _pump(websocket, call)

    app.include_router(
        make_router(get_session), prefix="/api", dependencies=[Depends(api_token_only)]
    )

    read_address = _address_reader(city)
    app.include_router(
        make_console_router(
            get_session,
            ConsoleConfig(
                session_hours=settings.console_session_hours,
                secure_cookies=public.startswith("https://"),
                recordings_dir=settings.recordings_dir,
                services={s.code: s.name for s in city.services},
                departments={d.code: d.name for d in city.departments},
                router=router_for(city),
                read_address=read_address,
                sorry_prompt=Prompts(CityWords.from_city(city)).fixed("sorry").text,
            ),
        )
    )
    app.add_exception_handler(LoginRequired, login_redirect_handler)
    app.include_router(
        make_open311_router(
            get_session,
            Open311Config(
                catalog=[
                    CatalogEntry(
                        code=s.code,
                        name=s.name,
                        description=s.description,
                        keywords=", ".join(s.keywords),
                        group=s.group,
                        attributes=open311_attributes(s),
                    )
                    for s in city.services
                ],
                router=router_for(city),
                api_keys=frozenset(
                    key.strip()
                    for key in settings.open311_api_keys.split(",")
                    if key.strip()
                ),
                read_address=read_address,
                base_url=public,
                city_name=city.name,
            ),
        )
    )
    app.add_exception_handler(Open311Error, open311_error_response)

    @app.middleware("http")
    async def refuse_nul(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # No client means a NUL character, and PostgreSQL can neither store nor
        # compare one: refused once here for every route's path and query.
        params = request.query_params.multi_items()
        if "\x00" in request.url.path or any(
            "\x00" in text for pair in params for text in pair
        ):
            description = "the path or query holds a NUL character"
            if request.url.path.startswith(OPEN311_PREFIX):
                return open311_error_response(request, Open311Error(400, description))
            return JSONResponse({"detail": description}, status_code=400)
        return await call_next(request)

    app.include_router(make_department_router(get_session))
    # Style and script only: they hold no data, and the sign-in page needs them.
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), "console")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _pump(websocket: WebSocket, call: CallSession) -> None:
    """Feed the socket's messages to the call until either side ends it."""

    async def receive() -> None:
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                data = message.get("text") or message.get("bytes")
                if data is None:
                    continue
                try:
                    await call.handle(data)
                except Exception:
                    logger.exception("a call failed while handling a message")
                    return
        except WebSocketDisconnect:
            return

    receiving = asyncio.create_task(receive())
    closing = asyncio.create_task(call.closed.wait())
    done, _ = await asyncio.wait(
        {receiving, closing}, return_when=asyncio.FIRST_COMPLETED
    )
    if receiving in done:
        # The socket went away (hang-up, or a failure): save what we have.
        await call.finish(caller_hung_up=True)
        closing.cancel()
        return
    receiving.cancel()
    with contextlib.suppress(Exception):
        await websocket.close()
