"""Everything loaded once per process and shared by all calls."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dialog.actions import Expect
from dialog.machine import Dialog
from nlu.city import City, load_city
from telephony.biasing import build_bias_prompts
from telephony.settings import Settings
from voice.stt import SpeechToText, resolve_model_path
from voice.tts import PhoneRenderer, make_synthesizer
from workorders import store
from workorders.database import create_schema, make_engine, make_session_factory
from workorders.routing import Route, Router
from workorders.schema_version import pending_revisions

logger = logging.getLogger(__name__)


def check_database(settings: Settings) -> None:
    """Raises DatabaseNotReady when the configured database needs migrations."""
    engine = make_engine(settings.database_url)
    try:
        _check_migrated(engine)
    finally:
        engine.dispose()


@contextmanager
def admin_database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """The configured database for a one-off command, its departments synced.

    Raises: DatabaseNotReady.
    """
    engine = make_engine(settings.database_url)
    try:
        _check_migrated(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            city = load_city(settings.city_dir)
            store.sync_departments(session, router=router_for(city))
        yield sessions
    finally:
        engine.dispose()


def _check_migrated(engine: Engine) -> None:
    pending = pending_revisions(engine)
    if pending:
        engine.dispose()
        raise DatabaseNotReady(
            f"the database ({engine.url.render_as_string(hide_password=True)}) "
            f"has {len(pending)} pending migration(s): {', '.join(pending)}. "
            "Apply them with: cityline migrate"
        )


def router_for(city: City) -> Router:
    routes = {}
    for service in city.services:
        department = city.department(service.department)
        routes[service.code] = Route(
            service_code=service.code,
            service_name=service.name,
            department_code=department.code,
            department_name=department.name,
        )
    return Router(routes)


@dataclass(kw_only=True)
class Runtime:
    """The models, the dialog and the database, ready before the first call."""

    settings: Settings
    city: City
    dialog: Dialog
    router: Router
    stt: SpeechToText
    renderer: PhoneRenderer
    bias_prompts: Mapping[Expect, str | None]
    engine: Engine
    sessions: sessionmaker[Session]
    # Recognition runs here so one call's decoding never stalls the event loop.
    stt_pool: ThreadPoolExecutor

    @property
    def operator_number(self) -> str:
        return self.settings.operator_number or self.city.operator_number

    def close(self) -> None:
        self.stt_pool.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


class DatabaseNotReady(Exception):
    """The database lacks migrations; the message names the command to run."""


def build_runtime(settings: Settings, *, migrate: bool = False) -> Runtime:
    """Load the city, the database, the speech models and every fixed prompt.

    migrate applies pending migrations (for a scratch database); without it, a
    database with pending migrations is refused.
    Raises: DatabaseNotReady.
    """
    began = time.perf_counter()
    city = load_city(settings.city_dir)
    dialog = Dialog(city, offer_texts=settings.texts_enabled)
    router = router_for(city)

    engine = make_engine(settings.database_url)
    if migrate:
        create_schema(engine)
    else:
        _check_migrated(engine)
    sessions = make_session_factory(engine)
    with sessions() as session:
        store.sync_departments(session, router=router)

    model_path = resolve_model_path(settings.stt_model, settings.model_cache_dir)
    stt = SpeechToText(
        model_path,
        cpu_threads=settings.stt_threads,
        beam_size=settings.stt_beam_size,
        language=settings.stt_language,
    )
    stt.warm_up()

    renderer = PhoneRenderer(make_synthesizer(settings.tts_engine))
    for text in dialog.prompts.all_fixed().values():
        renderer.render_cached(text)
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    logger.info(
        "ready in %.1f s: city %s, model %s, voice %s",
        time.perf_counter() - began,
        city.name,
        settings.stt_model,
        settings.tts_engine,
    )
    return Runtime(
        settings=settings,
        city=city,
        dialog=dialog,
        router=router,
        stt=stt,
        renderer=renderer,
        bias_prompts=build_bias_prompts(city),
        engine=engine,
        sessions=sessions,
        stt_pool=ThreadPoolExecutor(
            max_workers=settings.stt_workers, thread_name_prefix="stt"
        ),
    )
