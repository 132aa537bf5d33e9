"""The conversation as a pure state machine: (state, event) -> (state, actions)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import assert_never

from dialog.actions import (
    Action,
    CreateWorkOrder,
    Expect,
    Hangup,
    Listen,
    LookUpCase,
    Say,
    SubscribeToTexts,
    Transfer,
    WorkOrderDraft,
)
from dialog.events import (
    CallStarted,
    CaseLookedUp,
    Event,
    KeyPress,
    Silence,
    Utterance,
    WorkOrderCreated,
)
from dialog.events import Hangup as HangupEvent
from dialog.prompts import CityWords, Prompts
from dialog.state import CallState, Outcome, Phase, Report
from nlu.address import AddressMatch
from nlu.category import CategoryMatcher
from nlu.city import City, Street
from nlu.corrections import Part, which_part
from nlu.faq import FaqMatcher, is_question
from nlu.intents import Intent, detect_intent
from nlu.location import Locator
from nlu.numbers import normalize_numbers, spoken_digits
from nlu.text import words
from nlu.urgency import detect_urgency
from nlu.yes_no import is_farewell, is_unsure, parse_yes_no

Step = tuple[CallState, list[Action]]

_EXPECT = {
    Phase.OPENING: Expect.OPENING,
    Phase.ASK_CATEGORY: Expect.CATEGORY,
    Phase.CHOOSE_CATEGORY: Expect.CATEGORY,
    Phase.ASK_ADDRESS: Expect.ADDRESS,
    Phase.ASK_URGENCY: Expect.URGENCY,
    Phase.ASK_DETAIL: Expect.DESCRIPTION,
    Phase.CHOOSE_STREET: Expect.ADDRESS,
    Phase.ADDRESS_FALLBACK: Expect.ADDRESS,
    Phase.ASK_STREET_FOR_NUMBER: Expect.ADDRESS,
    Phase.CONFIRM: Expect.YES_NO,
    Phase.ASK_CORRECTION: Expect.CORRECTION,
    Phase.OFFER_TEXTS: Expect.YES_NO,
    Phase.OFFER_REPEAT: Expect.YES_NO,
    Phase.ASK_CASE_NUMBER: Expect.DIGITS,
    Phase.ANYTHING_ELSE: Expect.ANYTHING_ELSE,
    Phase.OFFER_OPERATOR: Expect.YES_NO,
}
# Phases in which the agent waits for the caller (and so counts silences).
LISTENING_PHASES = frozenset(_EXPECT)
# A third unusable answer to the same question goes to a person.
_MAX_NOT_UNDERSTOOD = 3
# A second unusable address offers the keypad or the caller's own description.
_ADDRESS_FALLBACK_AFTER = 2
# A description shorter than this says nothing a dispatcher could find.
_MIN_DESCRIPTION_WORDS = 3
_MAX_HOUSE_NUMBER_DIGITS = 6
_MAX_NO_INPUT = 3
_MAX_CASE_ATTEMPTS = 3
_MAX_REPEATS = 2
# Shortest case number worth looking up when it is spoken, not keyed.
_MIN_SPOKEN_CASE_DIGITS = 5
# Asked for a house number, "forty five" may come back as "45th": with no street
# of that name it is the number.
_YES_NO_KEYS = {"1": "yes", "2": "no"}  # offered with "Please say yes, or no."
_BARE_NUMBER = re.compile(r"\b(\d{1,6})(?:st|nd|rd|th)?\b")


class Dialog:
    """The 311 conversation for one city; built once, shared by every call."""

    def __init__(self, city: City, *, offer_texts: bool = False) -> None:
        self._city = city
        # Only where the line can send texts: a sender number is configured.
        self._offer_texts = offer_texts
        self.prompts = Prompts(CityWords.from_city(city))
        self._places = Locator(city)
        self._streets = self._places.streets
        self._categories = CategoryMatcher(city.services, city.examples)
        self._faq = FaqMatcher(city.faq)

    def step(self, state: CallState, event: Event) -> Step:
        """Advance the conversation by one event."""
        if state.phase is Phase.ENDED:
            return state, []
        match event:
            case CallStarted():
                return self._ask(state, Phase.OPENING, [self.prompts.fixed("greeting")])
            case Utterance():
                return self._on_utterance(state, event.text.strip())
            case KeyPress():
                return self._on_key(state, event.digit)
            case Silence():
                return self._on_silence(state)
            case HangupEvent():
                return replace(
                    state,
                    phase=Phase.ENDED,
                    outcome=state.outcome or Outcome.ABANDONED,
                ), []
            case WorkOrderCreated():
                return self._on_created(state, event)
            case CaseLookedUp():
                return self._on_case(state, event)
            case _:
                assert_never(event)

    # -- building blocks ---------------------------------------------------

    def _ask(self, state: CallState, phase: Phase, says: list[Say]) -> Step:
        state = replace(state, phase=phase, last_prompts=tuple(s.text for s in says))
        return state, [*says, Listen(expect=_EXPECT[phase])]

    def _end(self, state: CallState, say: Say, outcome: Outcome | None) -> Step:
        state = replace(state, phase=Phase.ENDED, outcome=outcome or state.outcome)
        return state, [say, Hangup()]

    def _transfer(self, state: CallState, say: Say) -> Step:
        state = replace(state, phase=Phase.ENDED, outcome=Outcome.TRANSFERRED)
        return state, [say, Transfer()]

    def _not_understood(self, state: CallState, reprompt: Say) -> Step:
        count = state.not_understood_count + 1
        if count >= _MAX_NOT_UNDERSTOOD:
            return self._transfer(state, self.prompts.fixed("cannot_understand"))
        state = replace(state, not_understood_count=count)
        state, actions = self._ask(state, state.phase, [reprompt])
        # "Sorry" is said once; a later "repeat that" repeats only the question.
        return state, [self.prompts.fixed("sorry"), *actions]

    # -- utterances ----------------------------------------------------------

    def _on_utterance(self, state: CallState, text: str) -> Step:
        if state.phase not in LISTENING_PHASES:
            return state, []
        intent = detect_intent(text) if text else None
        if intent is Intent.EMERGENCY:
            return self._end(state, self.prompts.fixed("emergency"), Outcome.EMERGENCY)
        if intent is Intent.OPERATOR:
            return self._transfer(state, self.prompts.fixed("transfer"))
        state = replace(state, no_input_count=0)
        if intent is Intent.REPEAT and state.phase is not Phase.OFFER_REPEAT:
            says = [Say(text=t) for t in state.last_prompts]
            return state, [*says, Listen(expect=_EXPECT[state.phase])]
        match state.phase:
            case Phase.OPENING | Phase.ANYTHING_ELSE:
                return self._on_opening(state, text, intent)
            case Phase.ASK_CATEGORY:
                return self._on_category(state, text)
            case Phase.CHOOSE_CATEGORY:
                return self._on_category_choice(state, text)
            case Phase.ASK_ADDRESS:
                return self._on_address(state, text)
            case Phase.ASK_URGENCY:
                return self._on_urgency(state, text)
            case Phase.ASK_DETAIL:
                return self._on_detail(state, text)
            case Phase.CHOOSE_STREET:
                return self._on_street_choice(state, text)
            case Phase.ADDRESS_FALLBACK:
                return self._on_address_fallback(state, text)
            case Phase.ASK_STREET_FOR_NUMBER:
                return self._on_street_for_number(state, text)
            case Phase.CONFIRM:
                return self._on_confirm(state, text)
            case Phase.ASK_CORRECTION:
                return self._on_correction(state, text)
            case Phase.OFFER_TEXTS:
                return self._on_offer_texts(state, text)
            case Phase.OFFER_REPEAT:
                return self._on_offer_repeat(state, text, intent)
            case Phase.OFFER_OPERATOR:
                return self._on_offer_operator(state, text)
            case Phase.ASK_CASE_NUMBER:
                return self._on_spoken_case_number(state, text)
        return state, []

    def _on_opening(self, state: CallState, text: str, intent: Intent | None) -> Step:
        if intent is Intent.STATUS:
            return self._ask_case_number(state)
        # A question the city's FAQ answers wins over a report it resembles:
        # "how do I get rid of a couch?" wants the answer, not a work order.
        faq = self._faq.match(text) if is_question(text) else None
        if faq is not None:
            state = replace(state, outcome=state.outcome or Outcome.FAQ_ANSWERED)
            return self._ask(
                state,
                Phase.ANYTHING_ELSE,
                [Say(text=faq.entry.answer), self.prompts.fixed("anything_else")],
            )
        filled, changed = self._fill(state, text, overwrite=False)
        if changed:
            return self._next_question(filled)
        if is_question(text):
            return self._ask(
                state, Phase.OFFER_OPERATOR, [self.prompts.fixed("offer_operator")]
            )
        if state.phase is Phase.ANYTHING_ELSE:
            answer = parse_yes_no(text)
            if answer is False or is_farewell(text):
                return self._end(state, self.prompts.fixed("goodbye"), None)
            if answer is True:
                return self._ask(
                    state, Phase.ANYTHING_ELSE, [self.prompts.fixed("what_else")]
                )
            if state.not_understood_count >= 1:
                # Served already, and twice not understood after "anything
                # else?": most likely a mumbled "no". A person is not needed.
                return self._end(state, self.prompts.fixed("goodbye"), None)
            return self._not_understood(
                state, self.prompts.fixed("reprompt_anything_else")
            )
        return self._not_understood(state, self.prompts.fixed("reprompt_opening"))

    def _on_category(self, state: CallState, text: str) -> Step:
        filled, changed = self._fill(state, text, overwrite=False)
        has_category = filled.report.service_code or filled.category_choices
        if has_category and changed:
            return self._next_question(filled)
        if changed:
            # The place, not the problem ("412 Maple Avenue"): keep it and ask
            # for the problem again, without a "sorry".
            return self._ask(
                filled, Phase.ASK_CATEGORY, [self.prompts.fixed("ask_category_there")]
            )
        return self._not_understood(state, self.prompts.fixed("reprompt_category"))

    def _on_category_choice(self, state: CallState, text: str) -> Step:
        choices = [self._city.service(code) for code in state.category_choices]
        chosen = self._categories.choose(text, choices)
        if chosen is None and parse_yes_no(text) is False:
            # "Neither": the problem is asked for afresh.
            state = replace(state, category_choices=())
            return self._ask(
                state, Phase.ASK_CATEGORY, [self.prompts.fixed("ask_category")]
            )
        if chosen is None and state.not_understood_count == 0:
            state = replace(state, not_understood_count=1)
            return self._ask(
                state, Phase.CHOOSE_CATEGORY, [self._which_category(state)]
            )
        # Unclear twice: take the likelier one; the read-back still catches it.
        service = chosen or choices[0]
        report = replace(state.report, service_code=service.code, detail=None)
        return self._next_question(replace(state, report=report, category_choices=()))

    def _which_category(self, state: CallState) -> Say:
        names = [self._city.service(c).spoken_name for c in state.category_choices]
        return self.prompts.which_category(names)

    def _on_address(self, state: CallState, text: str) -> Step:
        known = state.report.location
        found = self._places.find(text)
        location = found
        if known is not None and _is_street_only(known):
            location = _complete_location(known, found, text)
        if location is None:
            if known is not None:
                # Asked once for a number or cross street: the street alone will do.
                return self._next_question(state, accept_street_only=True)
            if state.not_understood_count + 1 >= _ADDRESS_FALLBACK_AFTER:
                return self._offer_address_fallback(state)
            return self._not_understood(state, self.prompts.fixed("reprompt_address"))
        report = replace(state.report, location=location, place_description=None)
        # A street already settled (chosen, or asked about) is not asked again.
        is_new_street = known is None or location.street.name != known.street.name
        choices = (
            tuple(self._places.alternatives(location, text)) if is_new_street else ()
        )
        return self._next_question(
            replace(state, report=report, street_choices=choices)
        )

    def _on_street_choice(self, state: CallState, text: str) -> Step:
        location = state.report.location
        assert location is not None
        chosen = _chosen_street(state.street_choices, self._streets.find(text), text)
        # Unclear twice: keep the best guess; the confirmation still catches it.
        if chosen is None and state.not_understood_count == 0:
            names = [street.full_name for street in state.street_choices]
            state = replace(state, not_understood_count=1)
            return self._ask(
                state, Phase.CHOOSE_STREET, [self.prompts.did_you_mean(names)]
            )
        report = replace(
            state.report, location=replace(location, street=chosen or location.street)
        )
        return self._next_question(replace(state, report=report, street_choices=()))

    def _offer_address_fallback(self, state: CallState) -> Step:
        state = replace(
            state,
            not_understood_count=_ADDRESS_FALLBACK_AFTER,
            keyed_digits="",
            keyed_house_number=None,
        )
        return self._ask(
            state, Phase.ADDRESS_FALLBACK, [self.prompts.fixed("address_fallback")]
        )

    def _on_address_fallback(self, state: CallState, text: str) -> Step:
        """An address heard at last, or the caller's description of the place."""
        location = self._places.find(text)
        if location is not None:
            report = replace(state.report, location=location, place_description=None)
            choices = tuple(self._places.alternatives(location, text))
            return self._next_question(
                replace(state, report=report, street_choices=choices),
                accept_street_only=True,
            )
        if len(words(text)) < _MIN_DESCRIPTION_WORDS or is_unsure(text):
            return self._not_understood(
                state, self.prompts.fixed("reprompt_address_fallback")
            )
        return self._described(state, text)

    def _on_keyed_house_number(self, state: CallState) -> Step:
        number = state.keyed_digits.lstrip("0")
        state = replace(state, keyed_digits="")
        if not number:
            return self._ask(
                state, Phase.ADDRESS_FALLBACK, [self.prompts.fixed("address_fallback")]
            )
        if len(number) > _MAX_HOUSE_NUMBER_DIGITS:
            # A phone number or a held key, not a house number: asked again, as
            # for no digits at all, without counting against the caller.
            return self._ask(
                state,
                Phase.ADDRESS_FALLBACK,
                [self.prompts.fixed("reprompt_address_fallback")],
            )
        known = state.report.location
        if known is not None:
            # The street was heard; only its number was missing.
            location = replace(known, house_number=number)
            report = replace(state.report, location=location)
            return self._next_question(replace(state, report=report))
        state = replace(state, keyed_house_number=number, not_understood_count=0)
        return self._ask(
            state, Phase.ASK_STREET_FOR_NUMBER, [self.prompts.ask_street_for(number)]
        )

    def _on_street_for_number(self, state: CallState, text: str) -> Step:
        number = state.keyed_house_number
        assert number is not None
        found = self._places.find(text)
        if found is None:
            if len(words(text)) < _MIN_DESCRIPTION_WORDS and (
                state.not_understood_count == 0
            ):
                return self._not_understood(state, self.prompts.ask_street_for(number))
            # Keep the number the caller keyed with whatever they said.
            return self._described(state, f"number {number}, {text}")
        location = replace(found, house_number=number, cross_street=None)
        report = replace(state.report, location=location, place_description=None)
        return self._next_question(replace(state, report=report))

    def _described(self, state: CallState, text: str) -> Step:
        report = replace(state.report, location=None, place_description=text)
        return self._next_question(replace(state, report=report, street_choices=()))

    def _ask_service_question(self, state: CallState, service_code: str) -> Step:
        question = self.prompts.fixed(f"question.{service_code}")
        return self._ask(state, Phase.ASK_DETAIL, [question])

    def _on_detail(self, state: CallState, text: str) -> Step:
        """Any answer is kept for the dispatcher; a hazard in it raises urgency."""
        report = replace(state.report, detail=text)
        urgency = detect_urgency(text)
        if urgency is not None and report.urgency is None:
            report = replace(report, urgency=urgency)
        return self._next_question(replace(state, report=report))

    def _on_urgency(self, state: CallState, text: str) -> Step:
        urgency = detect_urgency(text)
        if urgency is None:
            return self._not_understood(state, self.prompts.fixed("reprompt_urgency"))
        report = replace(state.report, urgency=urgency)
        return self._next_question(replace(state, report=report))

    def _on_confirm(self, state: CallState, text: str) -> Step:
        answer = parse_yes_no(text)
        if answer is True:
            # "Yes, and it's really urgent": the caller overrides the default.
            urgency = detect_urgency(text)
            if urgency is not None:
                state = replace(state, report=replace(state.report, urgency=urgency))
            return self._create(state)
        # "No, it's at 414 Maple Avenue" corrects in one breath. The problem
        # itself is not replaced here: "no, it's urgent, a kid could fall in"
        # must not turn a pothole into a fallen tree. "The problem" is asked.
        filled, changed = self._fill(state, text, overwrite=True, category=False)
        if changed:
            return self._next_question(filled)
        if answer is False:
            return self._ask(
                state, Phase.ASK_CORRECTION, [self.prompts.fixed("ask_correction")]
            )
        return self._not_understood(state, self.prompts.fixed("ask_yes_no"))

    def _on_correction(self, state: CallState, text: str) -> Step:
        filled, changed = self._fill(state, text, overwrite=True)
        if changed and not _only_guessed_between_two(state, filled):
            return self._next_question(filled)
        part = which_part(text)
        if part is None:
            return self._not_understood(
                state, self.prompts.fixed("reprompt_correction")
            )
        state = replace(state, not_understood_count=0)
        match part:
            case Part.CATEGORY | Part.DESCRIPTION:
                report = replace(
                    state.report, service_code=None, description=None, detail=None
                )
                return self._ask(
                    replace(state, report=report),
                    Phase.ASK_CATEGORY,
                    [self.prompts.fixed("ask_category")],
                )
            case Part.LOCATION:
                report = replace(state.report, location=None, place_description=None)
                return self._ask(
                    replace(state, report=report),
                    Phase.ASK_ADDRESS,
                    [self.prompts.ask_address(self._spoken_name(state.report))],
                )
            case Part.URGENCY:
                return self._ask(
                    state, Phase.ASK_URGENCY, [self.prompts.fixed("ask_urgency")]
                )
            case _:
                assert_never(part)

    def _on_offer_repeat(
        self, state: CallState, text: str, intent: Intent | None
    ) -> Step:
        answer = parse_yes_no(text)
        wants_repeat = intent is Intent.REPEAT or answer is True
        case_number = state.case_number
        if wants_repeat and case_number and state.repeats < _MAX_REPEATS:
            state = replace(state, repeats=state.repeats + 1)
            return self._ask(
                state,
                Phase.OFFER_REPEAT,
                [
                    self.prompts.repeat_case_number(case_number),
                    self.prompts.fixed("offer_repeat"),
                ],
            )
        return self._end(state, self.prompts.fixed("goodbye"), None)

    def _on_offer_operator(self, state: CallState, text: str) -> Step:
        answer = parse_yes_no(text)
        if answer is True:
            return self._transfer(state, self.prompts.fixed("transfer"))
        if answer is False:
            return self._ask(
                state, Phase.ANYTHING_ELSE, [self.prompts.fixed("anything_else")]
            )
        # Not a yes or a no: maybe a report after all.
        return self._on_opening(replace(state, phase=Phase.ANYTHING_ELSE), text, None)

    def _on_spoken_case_number(self, state: CallState, text: str) -> Step:
        digits = spoken_digits(text) or ""
        if len(digits) >= _MIN_SPOKEN_CASE_DIGITS:
            return self._look_up(state, digits)
        return self._not_understood(state, self.prompts.fixed("ask_case_number"))

    # -- keypad, silence, results ---------------------------------------------

    def _on_key(self, state: CallState, digit: str) -> Step:
        state = replace(state, no_input_count=0)
        if state.phase is Phase.ADDRESS_FALLBACK:
            # Every key is part of a house number here, 0 included.
            if digit == "#":
                return self._on_keyed_house_number(state)
            if digit == "*":
                return replace(state, keyed_digits=""), []
            return replace(state, keyed_digits=state.keyed_digits + digit), []
        if state.phase is Phase.ASK_CASE_NUMBER:
            if digit == "#":
                if not state.keyed_digits:
                    return self._ask(
                        state, state.phase, [self.prompts.fixed("ask_case_number")]
                    )
                return self._look_up(state, state.keyed_digits)
            if digit == "*":
                return replace(state, keyed_digits=""), []
            return replace(state, keyed_digits=state.keyed_digits + digit), []
        if state.phase not in LISTENING_PHASES:
            return state, []
        if digit == "0":
            return self._transfer(state, self.prompts.fixed("transfer"))
        if digit == "1" and state.phase in (Phase.OPENING, Phase.ANYTHING_ELSE):
            return self._ask_case_number(state)
        if digit in _YES_NO_KEYS and _EXPECT[state.phase] is Expect.YES_NO:
            # A bad line can lose a spoken "no" three times; keys always get through.
            return self._on_utterance(state, _YES_NO_KEYS[digit])
        return state, []

    def _on_silence(self, state: CallState) -> Step:
        if state.phase not in LISTENING_PHASES:
            return state, []
        if state.phase is Phase.ASK_CASE_NUMBER and state.keyed_digits:
            # Callers often forget the pound key.
            return self._look_up(state, state.keyed_digits)
        if state.phase is Phase.ADDRESS_FALLBACK and state.keyed_digits:
            return self._on_keyed_house_number(state)
        if state.phase in (Phase.OFFER_REPEAT, Phase.ANYTHING_ELSE):
            return self._end(state, self.prompts.fixed("goodbye"), None)
        if state.phase is Phase.OFFER_TEXTS:
            return self._on_offer_texts(state, "")
        if state.phase is Phase.ASK_DETAIL:
            # The question is a courtesy to the dispatcher: silence skips it.
            report = replace(state.report, detail="")
            return self._next_question(replace(state, report=report))
        count = state.no_input_count + 1
        if count >= _MAX_NO_INPUT:
            return self._end(
                state,
                self.prompts.fixed("goodbye_no_input"),
                Outcome.NO_INPUT,
            )
        state = replace(state, no_input_count=count)
        nudge = "still_there" if count == 1 else "offer_keypad_or_operator"
        says = [self.prompts.fixed(nudge), *(Say(text=t) for t in state.last_prompts)]
        # Keep last_prompts as the question itself, not the nudge.
        return state, [*says, Listen(expect=_EXPECT[state.phase])]

    def _on_created(self, state: CallState, event: WorkOrderCreated) -> Step:
        if state.phase is not Phase.CREATING:
            return state, []
        state = replace(
            state,
            case_number=event.case_number,
            outcome=Outcome.WORK_ORDER_CREATED,
            not_understood_count=0,
        )
        announce = (
            self.prompts.case_joined if event.is_existing else self.prompts.case_created
        )
        created = announce(
            case_number=event.case_number, department_name=event.department_name
        )
        # A caller whose report joined an earlier case wants to hear when it is
        # fixed as much as the first caller did.
        if self._offer_texts:
            return self._ask(
                state, Phase.OFFER_TEXTS, [created, self.prompts.fixed("offer_texts")]
            )
        return self._ask(
            state, Phase.OFFER_REPEAT, [created, self.prompts.fixed("offer_repeat")]
        )

    def _on_offer_texts(self, state: CallState, text: str) -> Step:
        """A yes subscribes; anything else moves on: texts are a courtesy."""
        said: list[Action] = []
        if parse_yes_no(text) is True and state.case_number:
            said = [
                SubscribeToTexts(case_number=state.case_number),
                self.prompts.fixed("texts_yes"),
            ]
        state, asked = self._ask(
            state, Phase.OFFER_REPEAT, [self.prompts.fixed("offer_repeat")]
        )
        return state, [*said, *asked]

    def _on_case(self, state: CallState, event: CaseLookedUp) -> Step:
        if state.phase is not Phase.LOOKING_UP:
            return state, []
        if event.status is not None:
            status = event.status
            said = self.prompts.case_status(
                case_number=status.case_number,
                status=status.status,
                department_name=status.department_name,
                updated_at=status.updated_at,
            )
            state = replace(state, outcome=Outcome.STATUS_READ, not_understood_count=0)
            return self._ask(
                state, Phase.ANYTHING_ELSE, [said, self.prompts.fixed("anything_else")]
            )
        attempts = state.case_attempts + 1
        state = replace(state, case_attempts=attempts)
        if attempts >= _MAX_CASE_ATTEMPTS:
            return self._transfer(state, self.prompts.fixed("case_give_up"))
        retry = (
            self.prompts.case_not_found(event.case_number)
            if event.is_well_formed
            else self.prompts.fixed("case_malformed")
        )
        return self._ask(state, Phase.ASK_CASE_NUMBER, [retry])

    # -- helpers ---------------------------------------------------------------

    def _ask_case_number(self, state: CallState) -> Step:
        state = replace(state, keyed_digits="", not_understood_count=0)
        return self._ask(
            state, Phase.ASK_CASE_NUMBER, [self.prompts.fixed("ask_case_number")]
        )

    def _look_up(self, state: CallState, digits: str) -> Step:
        state = replace(state, phase=Phase.LOOKING_UP, keyed_digits="")
        return state, [LookUpCase(case_number=digits)]

    def _create(self, state: CallState) -> Step:
        report = state.report
        assert report.service_code is not None
        service = self._city.service(report.service_code)
        location = report.location
        description = report.description or service.spoken_name
        if service.question and report.detail:
            description = f"{description}\n{service.question} {report.detail}"
        urgency = report.urgency or service.default_urgency
        if location is None:
            draft = WorkOrderDraft(
                service_code=service.code,
                address=self.prompts.described_place(report.place_description or ""),
                house_number=None,
                street=None,
                cross_street=None,
                description=description,
                urgency=urgency,
            )
            return replace(state, phase=Phase.CREATING), [CreateWorkOrder(draft=draft)]
        draft = WorkOrderDraft(
            service_code=service.code,
            address=location.spoken,
            house_number=location.house_number,
            street=location.street.full_name,
            cross_street=location.cross_street.full_name
            if location.cross_street
            else None,
            description=description,
            urgency=urgency,
        )
        return replace(state, phase=Phase.CREATING), [CreateWorkOrder(draft=draft)]

    def _spoken_name(self, report: Report) -> str:
        if report.service_code is None:
            return "problem"
        return self._city.service(report.service_code).spoken_name

    def _fill(
        self, state: CallState, text: str, *, overwrite: bool, category: bool = True
    ) -> tuple[CallState, bool]:
        """Fill slots from one utterance; returns the state and whether it changed."""
        if not text:
            return state, False
        report = state.report
        choices = state.street_choices
        category_choices = state.category_choices
        updated = report
        wants_category = category and (overwrite or updated.service_code is None)
        pair = self._categories.contenders(text) if wants_category else None
        found = self._categories.match(text) if wants_category else None
        if pair is not None:
            # Two services fit about equally: ask rather than guess.
            found = None
            category_choices = (pair[0].code, pair[1].code)
            updated = replace(updated, service_code=None, description=text)
        if found is not None:
            code = found.service.code
            detail = updated.detail if code == updated.service_code else None
            updated = replace(
                updated, service_code=code, description=text, detail=detail
            )
        location = self._places.find(text)
        if location is not None and (overwrite or updated.location is None):
            updated = replace(updated, location=location, place_description=None)
            choices = tuple(self._places.alternatives(location, text))
        urgency = detect_urgency(text)
        if urgency is not None and (overwrite or updated.urgency is None):
            updated = replace(updated, urgency=urgency)
        filled = replace(
            state,
            report=updated,
            street_choices=choices,
            category_choices=category_choices,
        )
        return filled, updated != report or category_choices != state.category_choices

    def _next_question(
        self, state: CallState, *, accept_street_only: bool = False
    ) -> Step:
        """Ask for the first missing slot, or confirm when none is missing."""
        state = replace(
            state,
            not_understood_count=0,
            street_only_accepted=state.street_only_accepted or accept_street_only,
        )
        report = state.report
        if report.service_code is None and state.category_choices:
            return self._ask(
                state, Phase.CHOOSE_CATEGORY, [self._which_category(state)]
            )
        if report.service_code is None:
            return self._ask(
                state, Phase.ASK_CATEGORY, [self.prompts.fixed("ask_category")]
            )
        spoken_name = self._spoken_name(report)
        if report.location is not None and state.street_choices:
            names = [street.full_name for street in state.street_choices]
            return self._ask(
                state, Phase.CHOOSE_STREET, [self.prompts.did_you_mean(names)]
            )
        service = self._city.service(report.service_code)
        urgency = report.urgency or service.default_urgency
        if report.location is None and report.place_description is not None:
            if service.question and report.detail is None:
                return self._ask_service_question(state, service.code)
            confirm = self.prompts.confirm_described(
                spoken_name=spoken_name,
                description=report.place_description,
                urgency=urgency,
            )
            return self._ask(state, Phase.CONFIRM, [confirm])
        if report.location is None:
            return self._ask(
                state, Phase.ASK_ADDRESS, [self.prompts.ask_address(spoken_name)]
            )
        if _is_street_only(report.location) and not state.street_only_accepted:
            street = report.location.street.full_name
            return self._ask(
                state, Phase.ASK_ADDRESS, [self.prompts.ask_house_number(street)]
            )
        if service.question and report.detail is None:
            return self._ask_service_question(state, service.code)
        confirm = self.prompts.confirm(
            spoken_name=spoken_name,
            place=report.location.place,
            relation=report.location.relation,
            urgency=urgency,
        )
        return self._ask(state, Phase.CONFIRM, [confirm])


def _chosen_street(
    choices: tuple[Street, ...], found: AddressMatch | None, text: str
) -> Street | None:
    """Which of the offered streets the answer names: by street, or by suffix."""
    if found is not None and found.street in choices:
        return found.street
    said = set(words(text))
    for street in choices:
        if street.suffix.lower() in said:
            return street
    return None


def _is_street_only(location: AddressMatch) -> bool:
    return (
        location.house_number is None
        and location.cross_street is None
        and location.landmark is None
    )


def _only_guessed_between_two(before: CallState, after: CallState) -> bool:
    """Nothing filled but an "A, or B?" pair: after "What should I change?",
    a two-word mishearing ("They're red" for "The address") is no answer."""
    old, new = before.report, after.report
    return (
        bool(after.category_choices)
        and new.service_code is None
        and new.location == old.location
        and new.urgency == old.urgency
    )


def _complete_location(
    known: AddressMatch, found: AddressMatch | None, text: str
) -> AddressMatch | None:
    """Combine a street heard earlier with a number or cross street heard now."""
    if found is not None and not _is_street_only(found):
        return found
    if found is not None and found.street != known.street:
        return replace(known, cross_street=found.street)
    number = _BARE_NUMBER.search(normalize_numbers(text))
    if number is not None:
        return replace(known, house_number=number.group(1))
    return None
