"""The `cityline` command: serve Twilio, place a local call, benchmark, check a city."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx
import uvicorn

from cities import EXAMPLE_CITY_DIR
from nlu.city import CityConfigError, load_city
from telephony.app import create_app
from telephony.call_scripts import DEMO_SCRIPT, steps_for
from telephony.local_call import (
    CallReport,
    HangUp,
    Pause,
    Press,
    Speak,
    Step,
    place_call,
)
from telephony.runtime import (
    DatabaseNotReady,
    admin_database,
    build_runtime,
    check_database,
)
from telephony.server import running_server
from telephony.settings import Settings


class _ConversationPrinter(logging.Handler):
    """Prints what the bridge heard and said, as it happens."""

    def emit(self, record: logging.LogRecord) -> None:
        speaker = getattr(record, "speaker", None)
        if speaker is not None:
            label = "heard" if speaker == "caller" else speaker
            print(f"  {label:>6}: {getattr(record, 'text', '')}", flush=True)


def _print_step(step: Step) -> None:
    match step:
        case Speak():
            print(f"  caller: {step.label}", flush=True)
        case Press():
            print(f"  (caller presses: {step.digits})", flush=True)
        case Pause():
            print(f"  (caller stays silent for {step.seconds:g} s)", flush=True)
        case HangUp():
            print("  (caller hangs up)", flush=True)


async def _call(
    settings: Settings, steps: list[Step], url: str | None, pace: float
) -> int:
    bridge_logger = logging.getLogger("telephony.bridge")
    bridge_logger.addHandler(_ConversationPrinter())
    if bridge_logger.getEffectiveLevel() > logging.DEBUG:
        bridge_logger.setLevel(logging.DEBUG)
        bridge_logger.propagate = False
    if url is None:
        settings = settings.with_local_secrets()
        print("Starting Cityline in-process (models load once) ...", flush=True)
        async with running_server(settings) as base_url:
            report = await _call_once(settings, steps, base_url, pace)
            await _print_outcome(base_url, settings.api_token, report)
    else:
        report = await _call_once(settings, steps, url, pace)
        await _print_outcome(url, settings.api_token, report)
    return 0


async def _call_once(
    settings: Settings, steps: list[Step], base_url: str, pace: float
) -> CallReport:
    print(f"Calling {base_url} ...", flush=True)
    return await place_call(
        base_url=base_url,
        auth_token=settings.twilio_auth_token,
        script=steps,
        pace=pace,
        on_step=_print_step,
    )


async def _print_outcome(base_url: str, api_token: str, report: CallReport) -> None:
    headers = {"Authorization": f"Bearer {api_token}"}
    async with httpx.AsyncClient(
        base_url=base_url, timeout=10, headers=headers
    ) as http:
        response = await http.get(f"/api/calls/{report.call_sid}")
        if response.status_code == 403:
            print("\n(set CITYLINE_API_TOKEN to the server's to see the work order)")
            return
        call = response.json()
        print(f"\nCall {report.call_sid}: {call.get('outcome')}")
        print(f"  recording: {call.get('recording_path')}")
        if report.after_stream_twiml:
            print(f"  after the stream, Twilio is told: {report.after_stream_twiml}")
        case_number = call.get("case_number")
        if case_number:
            order = (await http.get(f"/api/work-orders/{case_number}")).json()
            print("\nWork order")
            for key in (
                "case_number",
                "service_name",
                "department_name",
                "address",
                "urgency",
                "status",
                "description",
            ):
                print(f"  {key:>15}: {order[key]}")


def _read_script(path: str | None, lines: Sequence[str]) -> list[Step]:
    raw = list(lines)
    if path:
        raw += Path(path).read_text(encoding="utf-8").splitlines()
    if not raw:
        raw = list(DEMO_SCRIPT)
    return steps_for(raw)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cityline", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("serve", help="serve Twilio's webhooks and media streams")

    call = commands.add_parser(
        "call", help="place a local call over Twilio's protocol (demo by default)"
    )
    call.add_argument("lines", nargs="*", help="script lines (see README)")
    call.add_argument("--script", help="a file of script lines")
    call.add_argument("--url", help="a running server; default: start one in-process")
    call.add_argument(
        "--realtime", action="store_true", help="stream audio in real time"
    )

    bench = commands.add_parser("bench", help="measure voice-to-voice latency")
    bench.add_argument("--calls", type=int, default=5, help="fixture calls, one by one")
    bench.add_argument("--concurrent", type=int, default=3, help="calls at once")

    accuracy = commands.add_parser(
        "accuracy", help="measure understanding on a labeled corpus of utterances"
    )
    accuracy.add_argument(
        "--city", type=Path, default=EXAMPLE_CITY_DIR, help="a city directory"
    )
    accuracy.add_argument(
        "--corpus",
        type=Path,
        help="a JSON-lines corpus; default: the city's eval/utterances.jsonl",
    )

    faq_accuracy = commands.add_parser(
        "faq-accuracy", help="measure FAQ answers on a labeled set of questions"
    )
    faq_accuracy.add_argument(
        "--city", type=Path, default=EXAMPLE_CITY_DIR, help="a city directory"
    )
    faq_accuracy.add_argument(
        "--corpus",
        type=Path,
        help="a JSON-lines set; default: the city's eval/faq_questions.jsonl",
    )

    audio_accuracy = commands.add_parser(
        "audio-accuracy",
        help="measure recognition and understanding on the noisy phone eval set",
    )
    audio_accuracy.add_argument(
        "--model", help="base, tiny.en or a model directory; default: the setting"
    )
    audio_accuracy.add_argument(
        "--no-bias", action="store_true", help="give whisper no prompt"
    )

    tasks = commands.add_parser(
        "task-success",
        help="place the city's scripted calls over the protocol and score them",
    )
    tasks.add_argument(
        "--calls", type=Path, help="a calls file; default: the city's eval/calls.jsonl"
    )
    tasks.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the calls' database and recordings in DIR (emptied first)",
    )
    tasks.add_argument("ids", nargs="*", help="only these calls (and none else)")

    commands.add_parser(
        "migrate", help="apply the database's pending migrations (DATABASE_URL)"
    )

    account = commands.add_parser(
        "add-account",
        help="create a console account: a supervisor, or a department's dispatcher",
    )
    account.add_argument("username")
    account.add_argument(
        "--dispatcher-of",
        metavar="DEPARTMENT",
        help="a dispatcher of this department code (default: a supervisor)",
    )
    account.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin instead of asking",
    )

    department_key = commands.add_parser(
        "add-department-key",
        help="make an API key for a department's systems (printed once)",
    )
    department_key.add_argument("department", help="a department code")

    purge = commands.add_parser(
        "delete-old-audio",
        help="delete call audio older than CITYLINE_AUDIO_RETENTION_DAYS (or --days)",
    )
    purge.add_argument("--days", type=float, help="keep this many days instead")

    check = commands.add_parser("check-city", help="validate a city directory")
    check.add_argument("directory", type=Path)

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return _run(args, Settings())
    except DatabaseNotReady as error:
        # The app and its commands refuse a database its migrations have not reached.
        print(f"error: {error}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    """Carry out the parsed command. Raises: DatabaseNotReady."""
    if args.command in {"serve", "call", "bench"} and not (
        args.command == "call" and args.url
    ):
        check_database(settings)
    match args.command:
        case "migrate":
            return _migrate(settings)
        case "serve":
            logging.getLogger().setLevel(logging.INFO)
            runtime = build_runtime(settings)
            uvicorn.run(
                create_app(settings, runtime),
                host=settings.host,
                port=settings.port,
                ws_max_size=16 * 1024 * 1024,
            )
            return 0
        case "call":
            steps = _read_script(args.script, args.lines)
            pace = 1.0 if args.realtime else 0.1
            return asyncio.run(_call(settings, steps, args.url, pace))
        case "bench":
            from telephony.bench import run_bench

            return asyncio.run(run_bench(settings, args.calls, args.concurrent))
        case "accuracy":
            from telephony.accuracy import run_accuracy

            corpus = args.corpus or args.city / "eval" / "utterances.jsonl"
            return run_accuracy(args.city, corpus)
        case "faq-accuracy":
            from telephony.faq_accuracy import run_faq_accuracy

            corpus = args.corpus or args.city / "eval" / "faq_questions.jsonl"
            return run_faq_accuracy(args.city, corpus)
        case "audio-accuracy":
            from telephony.audio_accuracy import run_audio_accuracy

            return run_audio_accuracy(
                model=args.model or settings.stt_model,
                cache_dir=settings.model_cache_dir,
                use_bias=not args.no_bias,
                cpu_threads=settings.stt_threads,
                beam_size=settings.stt_beam_size,
                language=settings.stt_language,
            )
        case "task-success":
            from telephony.task_success import run_task_success

            calls = args.calls or settings.city_dir / "eval" / "calls.jsonl"
            return run_task_success(settings, calls, args.ids, keep_dir=args.keep)
        case "add-account":
            from telephony.account_command import add_account

            return add_account(
                settings,
                username=args.username,
                department_code=args.dispatcher_of,
                password_from_stdin=args.password_stdin,
            )
        case "add-department-key":
            return _add_department_key(settings, args.department)
        case "delete-old-audio":
            from telephony.retention import delete_old_audio

            keep_days = (
                args.days if args.days is not None else settings.audio_retention_days
            )
            if keep_days is None:
                print(
                    "error: set CITYLINE_AUDIO_RETENTION_DAYS or --days",
                    file=sys.stderr,
                )
                return 1
            with admin_database(settings) as sessions:
                count = delete_old_audio(
                    sessions,
                    recordings_dir=settings.recordings_dir,
                    keep_days=keep_days,
                )
            print(f"deleted the audio of {count} calls older than {keep_days:g} days")
            return 0
        case "check-city":
            try:
                city = load_city(args.directory)
            except CityConfigError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            print(
                f"{city.name}: {len(city.services)} services, "
                f"{len(city.departments)} departments, {len(city.streets)} streets, "
                f"{len(city.landmarks)} landmarks, {len(city.faq)} FAQ entries"
            )
            return 0
    return 2


def _add_department_key(settings: Settings, department: str) -> int:
    """Raises: DatabaseNotReady."""
    import secrets

    from workorders.department_api import key_hash
    from workorders.models import Department
    from workorders.outbox import add_department_key

    with admin_database(settings) as sessions, sessions() as session:
        if session.get(Department, department) is None:
            print(f"error: no department {department!r}", file=sys.stderr)
            return 1
        key = "dk_" + secrets.token_urlsafe(32)
        add_department_key(session, department_code=department, key_hash=key_hash(key))
    print(key)
    return 0


def _migrate(settings: Settings) -> int:
    from sqlalchemy.engine import make_url

    from workorders.database import create_schema, make_engine
    from workorders.schema_version import SchemaError

    engine = make_engine(settings.database_url)
    try:
        applied = create_schema(engine)
    except SchemaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    if applied:
        print(f"{where}: applied {', '.join(applied)}")
    else:
        print(f"{where}: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
