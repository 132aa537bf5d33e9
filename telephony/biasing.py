"""What the recognizer is told to expect in each dialog state, from the city's words."""

from __future__ import annotations

from collections.abc import Mapping

from dialog.actions import Expect
from nlu.city import City

# Whisper reads at most 224 prompt tokens; a street name costs about 3.
_MAX_STREETS = 40
_MAX_SERVICES = 20


def build_bias_prompts(city: City) -> Mapping[Expect, str | None]:
    """One initial prompt per expectation, built once at start-up.

    Urgency and digits get none, and yes/no only the question it answers: a
    prompt full of names pushes whisper to write names for a short "yes"
    (measured: "Yes, that's right" became "The FFRIES").
    """
    # Measured on the audio fixtures with base: a comma-separated street list
    # fixed addresses ("1,420 L3" -> "1420 Elm Street"); every catalog name in
    # the prompt pulled words toward them ("pothole" -> "parked cars"), so the
    # city gives a few short hint words instead; a bare list without commas
    # sent whisper into loops ("C'mon C'mon ...").
    # On the noisy phone eval set (base, beam 5) the street list is what finds
    # addresses: hint words alone found 19 of 43, with the streets 26. Bare names
    # without suffixes ("Main, 5th, Park", 76 of them) found 22; streets first,
    # 51 streets, or the example address at the end moved it by one, i.e. noise.
    hints = city.recognizer_hints or tuple(
        s.spoken_name for s in city.services[:_MAX_SERVICES]
    )
    services = ", ".join(hints) + "."
    streets = ", ".join(s.full_name for s in city.streets[:_MAX_STREETS]) + "."
    return {
        Expect.OPENING: f"{services} {streets}",
        Expect.CATEGORY: services,
        Expect.ADDRESS: streets,
        Expect.DESCRIPTION: services,
        # "Low, normal, urgent." made whisper drop "It's urgent" (measured).
        Expect.URGENCY: None,
        Expect.CORRECTION: "The problem, the address, the urgency.",
        # A lone "Yes." or "No." is too short for whisper to place: with no
        # prompt it wrote "Here.", "Hello", "Note." The question it answers
        # fixed that. On 44 yes/no answers in four espeak voices, the yes/no
        # read right: no prompt 36, "Is that right?" 43, "Yes. No." 42 (but it
        # dropped the "Yes" of "Yes, and it's really urgent").
        Expect.YES_NO: "Is that right?",
        # The same for the closing question: with the opening prompt of
        # services and streets, "No, thank you." was heard as "Oh, thank you."
        # and "No." as "Hello." (task-success calls, 2026-11-27).
        Expect.ANYTHING_ELSE: "Is there anything else I can help you with?",
        Expect.DIGITS: None,
    }
