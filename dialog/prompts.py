"""Every sentence the agent says, in one file so wording is reviewed in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dialog.actions import Say
from nlu.city import City, Urgency


@dataclass(frozen=True, slots=True, kw_only=True)
class CityWords:
    """The city's own words that prompts use; taken from its directory."""

    agency: str  # "City services"
    greeting: str  # "Thank you for calling Example City 311."
    example_address: str  # "200 Main Street"
    example_problem: str  # what residents call a common problem: "pothole"
    questions: dict[str, str]  # service code -> the question asked for it

    @classmethod
    def from_city(cls, city: City) -> CityWords:
        # Hint words are what residents say ("pothole"), catalog names are not.
        names = list(city.recognizer_hints) or [s.spoken_name for s in city.services]
        return cls(
            agency=city.agency,
            greeting=city.greeting,
            example_address=city.example_address,
            example_problem=names[0],
            questions={s.code: s.question for s in city.services if s.question},
        )


class Prompts:
    """Builds the agent's sentences; fixed ones carry a key so audio is cached."""

    def __init__(self, words: CityWords) -> None:
        self._words = words
        first = f"{_article(words.example_problem).lower()} {words.example_problem}"
        # Short sentences and commas before "press": the phone voice and the
        # recognizer both do better with them (measured in the prompt WER test).
        self._fixed = {
            "greeting": (
                f"{words.greeting} Tell me what problem you'd like to report. "
                "Or, to check on a case you already have, press 1."
            ),
            "ask_category": "What is the problem you would like to report?",
            "ask_category_there": "Thank you. And what is the problem there?",
            "sorry": "Sorry, I didn't catch that.",
            "reprompt_category": f"Please tell me the problem, for example, {first}.",
            "reprompt_opening": (
                f"Please tell me the problem, for example, {first}. "
                "Or, to check on a case, press 1."
            ),
            "reprompt_address": (
                f"Please say the street address, for example, {words.example_address}."
            ),
            "address_fallback": (
                "I'm having trouble with the address. "
                "If you know the house number, type it on the keypad, "
                "then press pound. Or, describe the place in your own words, "
                "and I'll pass them on to a dispatcher."
            ),
            "reprompt_address_fallback": (
                "Please type the house number, then press pound. "
                "Or, tell me what's near the place."
            ),
            "ask_yes_no": "Please say yes, or no. Or press 1 for yes, or 2 for no.",
            "ask_correction": (
                "What should I change? The problem, the address, or the urgency?"
            ),
            "reprompt_correction": (
                "Please say the problem, the address, or the urgency."
            ),
            "ask_urgency": "Is it urgent? Please say low, normal, or urgent.",
            "reprompt_urgency": "Please say low, normal, or urgent.",
            "ask_case_number": (
                "Please enter your case number on the keypad, then press pound."
            ),
            "case_malformed": (
                "That case number doesn't look right. "
                "Please enter it again, then press pound."
            ),
            "case_give_up": (
                "I'm sorry, I couldn't find that case. "
                "Let me connect you with someone who can help."
            ),
            "offer_repeat": "Would you like me to repeat the case number?",
            "offer_texts": "Would you like a text message when this is fixed?",
            "texts_yes": "Okay. You'll get a text when it changes.",
            "anything_else": "Is there anything else I can help you with?",
            "reprompt_anything_else": (
                "If there's something else, tell me now. If not, just say no."
            ),
            "offer_operator": (
                "I'm sorry, I don't have an answer to that. "
                "Would you like me to connect you with someone who can help?"
            ),
            "what_else": (
                "Tell me the problem you'd like to report. "
                "Or, to check on a case, press 1."
            ),
            "still_there": "Are you still there?",
            "offer_keypad_or_operator": (
                "You can also press 1 to check on a case, "
                "or press 0 to talk to a person."
            ),
            "goodbye": "Thank you for calling. Goodbye.",
            "goodbye_no_input": (
                "I haven't heard anything, so I'm ending the call. Goodbye."
            ),
            "emergency": (
                "This sounds like an emergency. Please hang up and dial 9 1 1 now."
            ),
            "transfer": "Please hold while I connect you to someone who can help.",
            "technical_problem": (
                "I'm sorry, something went wrong on my side. "
                "Let me connect you with someone who can help."
            ),
            "cannot_understand": (
                "I'm sorry, I'm having trouble understanding. "
                "Let me connect you with someone who can help."
            ),
        }

        # Each service's question is fixed text too, so its audio is cached.
        self._fixed |= {f"question.{code}": q for code, q in words.questions.items()}

    def fixed(self, key: str) -> Say:
        return Say(text=self._fixed[key], key=key)

    def all_fixed(self) -> dict[str, str]:
        """Every prompt without slot values: rendered once at start-up."""
        return dict(self._fixed)

    # Prompts with slot values: rendered per turn, never cached.

    def ask_address(self, spoken_name: str) -> Say:
        return Say(
            text=(
                f"Where is the {spoken_name}? Please say the street address, "
                "or the nearest intersection."
            )
        )

    def which_category(self, spoken_names: list[str]) -> Say:
        options = [f"{_article(n).lower()} {n}" for n in spoken_names]
        return Say(text=f"Is that {', '.join(options[:-1])}, or {options[-1]}?")

    def did_you_mean(self, streets: list[str]) -> Say:
        options = ", ".join(streets[:-1]) + f", or {streets[-1]}"
        return Say(text=f"Did you mean {options}?")

    def ask_house_number(self, street: str) -> Say:
        return Say(
            text=f"What is the house number on {street}, or the nearest cross street?"
        )

    def confirm(
        self,
        *,
        spoken_name: str,
        place: str,
        urgency: Urgency,
        relation: str | None = None,
    ) -> Say:
        where = f"{relation or 'at'} {place}"
        return Say(
            text=f"{_article(spoken_name)} {spoken_name} {where}, "
            f"{urgency.value} urgency. Is that right?"
        )

    def ask_street_for(self, house_number: str) -> Say:
        return Say(text=f"Number {spell_digits(house_number)}. On which street?")

    def confirm_described(
        self, *, spoken_name: str, description: str, urgency: Urgency
    ) -> Say:
        return Say(
            text=f"{_article(spoken_name)} {spoken_name}, {urgency.value} urgency. "
            f"For the place, I'll pass on your words: {description}. Is that right?"
        )

    def described_place(self, description: str) -> str:
        """A work order's address when the caller could only describe the place."""
        return f"Described by the caller: {description}"

    def case_created(self, *, case_number: str, department_name: str) -> Say:
        return Say(
            text=f"Thank you. I've sent your report to {department_name}. "
            f"Your case number is {spell_digits(case_number)}."
        )

    def case_joined(self, *, case_number: str, department_name: str) -> Say:
        return Say(
            text=f"That's already been reported, as case {spell_digits(case_number)}, "
            f"with {department_name}. I've added your report to it."
        )

    def repeat_case_number(self, case_number: str) -> Say:
        return Say(text=f"Your case number is {spell_digits(case_number)}.")

    def case_not_found(self, case_number: str) -> Say:
        return Say(
            text=f"I couldn't find case {spell_digits(case_number)}. "
            "Please enter it again, then press pound."
        )

    def case_status(
        self,
        *,
        case_number: str,
        status: str,
        department_name: str,
        updated_at: datetime,
    ) -> Say:
        phrase = _STATUS_PHRASES.get(status, status.replace("_", " "))
        return Say(
            text=f"Case {spell_digits(case_number)} is {phrase}, "
            f"with {department_name}. It was last updated on {spoken_date(updated_at)}."
        )


_STATUS_PHRASES = {
    "received": "received, and waiting to be scheduled",
    "in_progress": "in progress",
    "resolved": "resolved",
    "closed": "closed",
    "referred": "referred to another agency",
}


def _article(phrase: str) -> str:
    return "An" if phrase[:1].lower() in "aeiou" else "A"


def spell_digits(digits: str) -> str:
    """Digits separated by spaces, so the voice reads them one at a time."""
    return " ".join(digits)


def spoken_date(moment: datetime) -> str:
    day = moment.day
    suffix = (
        "th"
        if 11 <= day % 100 <= 13
        else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    )
    return f"{moment:%B} {day}{suffix}"
