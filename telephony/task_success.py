"""`cityline task-success`: whole scripted calls over the real protocol, scored.

Each call in a city's `eval/calls.jsonl` is spoken by an espeak-ng caller
through the phone channel into a live server (Twilio's webhook, signed media
stream, keypad tones), and ends with a stored call and maybe a work order. A
call succeeds when what was stored is what the caller wanted: the right outcome
and, for a report, the right service, place and urgency; a duplicate must join
the earlier call's case. Calls run in file order on one fresh database, so a
later call can key in an earlier call's case number: `dtmf:{case:ID}#`.

The caller follows its script whatever the agent asks, with one human habit:
told "Sorry, I didn't catch that" or asked "Are you still there?", it says its
last line again, more slowly (up to twice), or presses the key for its yes or
no when offered one. It "hears" the agent through the
turns the server stores as the call goes on. A line misheard as something else
usually fails the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from audio_fixtures import generate as fixtures
from dialog.actions import CreateWorkOrder, LookUpCase, Say, WorkOrderDraft
from dialog.events import (
    CallStarted,
    CaseLookedUp,
    CaseStatus,
    Event,
    KeyPress,
    Silence,
    Utterance,
    WorkOrderCreated,
)
from dialog.machine import Dialog
from dialog.state import CallState
from nlu.yes_no import parse_yes_no
from telephony.call_scripts import parse_script_line
from telephony.local_call import Press, Speak, Step, place_call
from telephony.runtime import Runtime, build_runtime
from telephony.server import running_server
from telephony.settings import Settings
from workorders import case_numbers, store
from workorders.schemas import CallOut, WorkOrderOut

# Callers take turns among the eval set's voices, at an unhurried rate, and
# slow down when asked to repeat.
VOICES = ("en-us+m3", "en-us+f3", "en-us", "en-us+m1")
_RATE_WPM = 150
_REPEAT_RATE_WPM = (130, 115)
# Audio goes 4x faster than real time. The no-input timer runs on audio time,
# so the caller's pause before answering (wall time) is kept short: 0.3 s wall
# is 1.2 s of silence on the line, well inside the 5 s before "still there?".
_PACE = 0.25
_SETTLE_SECONDS = 0.3
# What the agent says when it did not understand, or did not hear, the caller's
# last words: a caller who hears either says them again.
_NOT_CAUGHT = ("didn't catch that", "Are you still there?")
_MAX_ANSWERS = 2
_YES_NO_KEYS = "press 1 for yes"
_CASE_PLACEHOLDER = re.compile(r"\{case:([a-z0-9_]+)\}")


class CallSetError(Exception):
    """The calls file has a malformed entry."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """What the stored call must show for the call to count as a success."""

    outcome: str  # a CallOutcome value
    service_code: str | None = None
    address: str | None = None  # the work order's address, exactly
    urgency: str | None = None
    same_case_as: str | None = None  # a duplicate: the earlier call's id


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptedCall:
    id: str
    kind: str  # what it exercises: "landmark", "correction", ...
    lines: tuple[str, ...]  # script lines, as `cityline call` reads them
    expected: Expected
    # What the caller says when the agent asks for something the script
    # already said but the agent did not get: (words in the agent's question,
    # the caller's answer), e.g. ("house number", "Forty five.").
    answers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CallResult:
    call: ScriptedCall
    problems: tuple[str, ...]  # empty: success
    stored: CallOut
    order: WorkOrderOut | None
    seconds: float

    @property
    def succeeded(self) -> bool:
        return not self.problems


def load_calls(path: Path) -> list[ScriptedCall]:
    """Read a calls file: one {"id", "kind", "lines", "expect"} object per line.

    An optional "answers" object maps words of an agent's question to what the
    caller says when asked it ({"house number": "Forty five."}).
    """
    calls: list[ScriptedCall] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            raw = json.loads(line)
            expect = raw["expect"]
            call = ScriptedCall(
                id=str(raw["id"]),
                kind=str(raw["kind"]),
                lines=tuple(str(text) for text in raw["lines"]),
                expected=Expected(
                    outcome=str(expect["outcome"]),
                    service_code=expect.get("service_code"),
                    address=expect.get("address"),
                    urgency=expect.get("urgency"),
                    same_case_as=expect.get("same_case_as"),
                ),
                answers=tuple(
                    (str(cue), str(answer))
                    for cue, answer in raw.get("answers", {}).items()
                ),
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise CallSetError(f"{where}: {exc}") from exc
        if call.id in seen:
            raise CallSetError(f"{where}: duplicate id {call.id!r}")
        for earlier in _referenced_ids(call):
            if earlier not in seen:
                raise CallSetError(f"{where}: {earlier!r} must come earlier")
        seen.add(call.id)
        calls.append(call)
    return calls


def _referenced_ids(call: ScriptedCall) -> set[str]:
    ids = {m for text in call.lines for m in _CASE_PLACEHOLDER.findall(text)}
    if call.expected.same_case_as:
        ids.add(call.expected.same_case_as)
    return ids


def judge(
    call: ScriptedCall,
    stored: CallOut,
    order: WorkOrderOut | None,
    cases: dict[str, str],
) -> list[str]:
    """What differs from the expectation; an empty list is a success."""
    expected = call.expected
    problems: list[str] = []
    if stored.outcome != expected.outcome:
        problems.append(f"outcome {stored.outcome}, expected {expected.outcome}")
    wants_order = expected.service_code is not None
    if wants_order and order is None:
        problems.append("no work order")
    if order is not None and wants_order:
        problems += _report_problems(
            expected, order.service_code, order.address, order.urgency
        )
    if expected.same_case_as is not None:
        earlier = cases.get(expected.same_case_as)
        if earlier is None or stored.case_number != earlier:
            problems.append(
                f"case {stored.case_number}, expected to join {expected.same_case_as}"
                f" ({earlier})"
            )
    return problems


def dry_run(dialog: Dialog, call: ScriptedCall) -> list[str]:
    """The call played as text straight into the dialog; what differs.

    No audio and no database: keyed and spoken lines go in as events, a work
    order "is created" as case 1000015 and any well-formed case is "found".
    Separates what the dialog gets wrong from what recognition gets wrong.
    """
    state, opening = dialog.step(CallState(), CallStarted())
    drafts: list[WorkOrderDraft] = []
    pending: list[Event] = []
    answers = dict(call.answers)
    answers_left = {cue: _MAX_ANSWERS for cue in answers}
    last_said = [a.text for a in opening if isinstance(a, Say)]

    def run(event: Event) -> None:
        nonlocal state
        pending.append(event)
        while pending:
            state, actions = dialog.step(state, pending.pop(0))
            said = [a.text for a in actions if isinstance(a, Say)]
            if said:
                last_said[:] = said
            for action in actions:
                if isinstance(action, CreateWorkOrder):
                    drafts.append(action.draft)
                    pending.append(
                        WorkOrderCreated(case_number=_DRY_CASE, department_name="")
                    )
                elif isinstance(action, LookUpCase):
                    pending.append(_dry_lookup(action.case_number))

    for text in call.lines:
        text = _CASE_PLACEHOLDER.sub(_DRY_CASE, text)
        if text.startswith("dtmf:"):
            for digit in text.removeprefix("dtmf:"):
                run(KeyPress(digit=digit))
        elif text.startswith("wait:"):
            run(Silence())
        else:
            while last_said and (
                answer := _answer_for(last_said[-1], answers, answers_left)
            ):
                run(Utterance(text=answer, confidence=0.9))
            run(Utterance(text=text, confidence=0.9))
            # The live caller's habit: what was not caught is said again.
            for _ in _REPEAT_RATE_WPM:
                if not any(cue in t for cue in _NOT_CAUGHT for t in last_said):
                    break
                run(Utterance(text=text, confidence=0.9))
    expected = call.expected
    problems: list[str] = []
    if state.outcome is None or state.outcome.value != expected.outcome:
        problems.append(f"outcome {state.outcome}, expected {expected.outcome}")
    if expected.service_code is not None:
        if not drafts:
            return [*problems, "no work order"]
        draft = drafts[-1]
        problems += _report_problems(
            expected, draft.service_code, draft.address, draft.urgency.value
        )
    return problems


def _report_problems(
    expected: Expected, service_code: str, address: str, urgency: str
) -> list[str]:
    """How a filed report differs from the expected service, place and urgency."""
    return [
        f"{field} {got!r}, expected {want!r}"
        for field, want, got in (
            ("service", expected.service_code, service_code),
            ("address", expected.address, address),
            ("urgency", expected.urgency, urgency),
        )
        if want is not None and want != got
    ]


_DRY_CASE = "1000015"


def _dry_lookup(case_number: str) -> CaseLookedUp:
    if not case_numbers.is_valid(case_number):
        return CaseLookedUp(case_number=case_number, is_well_formed=False, status=None)
    status = CaseStatus(
        case_number=case_number,
        status="received",
        department_name="",
        service_name="",
        updated_at=datetime.now(UTC),
    )
    return CaseLookedUp(case_number=case_number, is_well_formed=True, status=status)


def steps_for_call(call: ScriptedCall, voice: str, cases: dict[str, str]) -> list[Step]:
    """The call's lines as protocol steps, spoken in one voice."""
    steps: list[Step] = []
    for text in call.lines:
        text = _CASE_PLACEHOLDER.sub(lambda m: cases.get(m.group(1), "0"), text)
        if ":" in text.split(" ", 1)[0] or text == "hangup":
            step = parse_script_line(text)
        else:
            step = _spoken(text, voice, _RATE_WPM)
        if step is not None:
            steps.append(step)
    return steps


def _answer_for(
    question: str, answers: dict[str, str], left: dict[str, int]
) -> str | None:
    """The answer whose cue the question holds, counted against what is left."""
    for cue, answer in answers.items():
        if cue.lower() in question.lower() and left[cue] > 0:
            left[cue] -= 1
            return answer
    return None


def _spoken(text: str, voice: str, rate_wpm: int) -> Speak:
    samples, rate_hz = fixtures.speak(text, voice=voice, rate_wpm=rate_wpm, pitch=50)
    return Speak(audio=fixtures.phone_channel(samples, rate_hz), label=text)


class _Repeater:
    """The caller's habits: answering what is asked, and saying again, more
    slowly, what was not caught."""

    def __init__(
        self,
        runtime: Runtime,
        voice: str,
        answers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self._runtime = runtime
        self._voice = voice
        self._last: Speak | None = None
        self._repeats = 0
        self._turns_seen = 0
        # Each answer at most twice: a caller does not give up on the first try.
        self._answers_left = {cue: _MAX_ANSWERS for cue, _ in answers}
        self._answers = dict(answers)

    def spoke(self, step: Step) -> None:
        if isinstance(step, Speak):
            self._last, self._repeats = step, 0

    async def say_again(self, call_sid: str) -> Speak | Press | None:
        turns = await asyncio.to_thread(self._agent_turns_since_last_look, call_sid)
        answer = self._answer(turns)
        if answer is not None:
            return await asyncio.to_thread(_spoken, answer, self._voice, _RATE_WPM)
        if self._last is not None and any(_YES_NO_KEYS in text for text in turns):
            # Offered keys for a yes or no that was not heard, a caller uses them.
            meant = parse_yes_no(self._last.label)
            if meant is not None:
                return Press(digits="1" if meant else "2")
        if self._last is None or not any(
            cue in text for cue in _NOT_CAUGHT for text in turns
        ):
            return None
        if self._repeats >= len(_REPEAT_RATE_WPM):
            return None
        rate = _REPEAT_RATE_WPM[self._repeats]
        self._repeats += 1
        return await asyncio.to_thread(_spoken, self._last.label, self._voice, rate)

    def _answer(self, turns: Sequence[str]) -> str | None:
        """The answer to the agent's latest question, if the caller has one."""
        if not turns:
            return None
        return _answer_for(turns[-1], self._answers, self._answers_left)

    def _agent_turns_since_last_look(self, call_sid: str) -> list[str]:
        with self._runtime.sessions() as session:
            turns = store.get_call(session, call_sid=call_sid).turns
        fresh = turns[self._turns_seen :]
        self._turns_seen = len(turns)
        return [t.text for t in fresh if t.speaker == "agent"]


async def place_calls(
    settings: Settings,
    runtime: Runtime,
    calls: Sequence[ScriptedCall],
    *,
    pace: float = _PACE,
    verbose: bool = True,
) -> list[CallResult]:
    """Place the calls one after another against a live server; judge each."""
    cases: dict[str, str] = {}
    results: list[CallResult] = []
    async with running_server(settings, runtime) as base_url:
        for index, call in enumerate(calls):
            voice = VOICES[index % len(VOICES)]
            steps = await asyncio.to_thread(steps_for_call, call, voice, cases)
            repeater = _Repeater(runtime, voice, call.answers)
            began = time.perf_counter()
            report = await place_call(
                base_url=base_url,
                auth_token=settings.twilio_auth_token,
                script=steps,
                pace=pace,
                caller_number=f"+1555555{index:04d}",
                settle_seconds=_SETTLE_SECONDS,
                on_step=repeater.spoke,
                say_again=repeater.say_again,
            )
            seconds = time.perf_counter() - began
            with runtime.sessions() as session:
                stored = store.get_call(session, call_sid=report.call_sid)
                order = (
                    store.get_work_order(session, case_number=stored.case_number)
                    if stored.case_number
                    else None
                )
            if stored.case_number:
                cases[call.id] = stored.case_number
            result = CallResult(
                call=call,
                problems=tuple(judge(call, stored, order, cases)),
                stored=stored,
                order=order,
                seconds=seconds,
            )
            results.append(result)
            if verbose:
                _print_result(result)
    return results


def _print_result(result: CallResult) -> None:
    mark = "ok  " if result.succeeded else "FAIL"
    print(
        f"{mark} {result.call.id:<32} {result.call.kind:<24} "
        f"{result.stored.outcome:<19} {result.seconds:5.1f} s",
        flush=True,
    )
    if result.succeeded:
        return
    for problem in result.problems:
        print(f"       {problem}")
    for turn in result.stored.turns:
        print(f"       {turn.speaker:>6}: {turn.text}")


def summarize(results: Sequence[CallResult]) -> str:
    """Success overall and by kind, as printed and quoted in the README."""
    passed = sum(r.succeeded for r in results)
    lines = [
        f"task success: {passed}/{len(results)} calls "
        f"({100.0 * passed / max(1, len(results)):.1f}%)"
    ]
    by_kind: Counter[str] = Counter()
    ok_by_kind: Counter[str] = Counter()
    for result in results:
        by_kind[result.call.kind] += 1
        ok_by_kind[result.call.kind] += result.succeeded
    lines += [
        f"  {kind:<28} {ok_by_kind[kind]}/{count}"
        for kind, count in sorted(by_kind.items())
    ]
    return "\n".join(lines)


def run_task_success(
    settings: Settings,
    calls_path: Path,
    only: Sequence[str],
    *,
    keep_dir: Path | None = None,
) -> int:
    """Place every call (or those named) on a fresh database; print the figures.

    keep_dir, when given, holds the database and recordings afterwards, so that
    a failed call can be replayed turn by turn; it is emptied first.
    """
    calls = load_calls(calls_path)
    if only:
        calls = [call for call in calls if call.id in set(only)]
    with contextlib.ExitStack() as scope:
        if keep_dir is None:
            data_dir = Path(
                scope.enter_context(
                    tempfile.TemporaryDirectory(prefix="cityline-tasks-")
                )
            )
        else:
            shutil.rmtree(keep_dir, ignore_errors=True)
            keep_dir.mkdir(parents=True)
            data_dir = keep_dir
        settings = settings.model_copy(
            update={
                # The model cache under data_dir stays where it is.
                "database_url": f"sqlite:///{data_dir / 'tasks.db'}",
                "recordings_dir": data_dir / "recordings",
                "twilio_auth_token": secrets.token_hex(16),
            }
        )
        began = time.perf_counter()
        runtime = build_runtime(settings, migrate=True)
        on_text = sum(not dry_run(runtime.dialog, call) for call in calls)
        print(
            f"{len(calls)} calls from {calls_path}; model {settings.stt_model}, "
            f"voice {settings.tts_engine}; start-up {time.perf_counter() - began:.1f} s"
        )
        print(f"on their own words (text into the dialog): {on_text}/{len(calls)}")
        try:
            results = asyncio.run(place_calls(settings, runtime, calls))
        finally:
            runtime.close()
    print(summarize(results))
    return 0
