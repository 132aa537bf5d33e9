"""Where the problem is: landmarks, "across from", and the address fallback."""

from __future__ import annotations

import pytest

from cities import EXAMPLE_CITY_DIR
from dialog.actions import CreateWorkOrder, Expect, Transfer
from dialog.events import Silence
from dialog.machine import Dialog
from dialog.state import Phase
from nlu.city import load_city
from tests.dialog.conversation import Conversation


@pytest.fixture(scope="module")
def dialog() -> Dialog:
    return Dialog(load_city(EXAMPLE_CITY_DIR))


def _created(call: Conversation) -> CreateWorkOrder:
    [create] = [a for a in call.actions if isinstance(a, CreateWorkOrder)]
    return create


def test_landmark_is_confirmed_and_filed_with_its_address(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's graffiti all over the wall behind city hall.")
    assert call.phase() is Phase.CONFIRM
    assert call.spoken == (
        "A graffiti report behind City Hall, 100 Washington Street, low urgency. "
        "Is that right?"
    )
    call.say("Yes.")
    draft = _created(call).draft
    assert draft.address == "behind City Hall, 100 Washington Street"
    assert (draft.house_number, draft.street) == ("100", "Washington Street")


def test_across_from_is_read_back_instead_of_at(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole across the street from 200 Main Street.")
    assert call.phase() is Phase.CONFIRM
    assert "pothole across from 200 Main Street" in call.spoken
    call.say("Yes.")
    assert _created(call).draft.address == "across from 200 Main Street"


def test_landmark_answers_where_question(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("I want to report a pothole.")
    assert call.phase() is Phase.ASK_ADDRESS
    call.say("It's right outside the train station.")
    assert call.phase() is Phase.CONFIRM
    assert "Union Station, Railroad Avenue and Lake Street" in call.spoken


def _two_unusable_addresses(dialog: Dialog) -> Conversation:
    call = Conversation(dialog)
    call.say("I want to report a pothole.")
    call.say("blorp fnord")
    assert call.phase() is Phase.ASK_ADDRESS
    call.say("zzzt krrk")
    return call


def test_second_unusable_address_offers_keypad_or_description(dialog: Dialog) -> None:
    call = _two_unusable_addresses(dialog)
    assert call.phase() is Phase.ADDRESS_FALLBACK
    assert "type it on the keypad" in call.spoken
    assert "describe the place" in call.spoken
    assert call.expect is Expect.ADDRESS


def test_keyed_house_number_then_street_fills_the_address(dialog: Dialog) -> None:
    call = _two_unusable_addresses(dialog)
    call.keys("1020#")
    assert call.phase() is Phase.ASK_STREET_FOR_NUMBER
    assert call.spoken == "Number 1 0 2 0. On which street?"
    call.say("Elm Street.")
    assert call.phase() is Phase.CONFIRM
    assert "pothole at 1020 Elm Street" in call.spoken
    call.say("Yes.")
    draft = _created(call).draft
    assert (draft.house_number, draft.street) == ("1020", "Elm Street")


def test_a_phone_number_keyed_as_house_number_is_asked_again(dialog: Dialog) -> None:
    call = _two_unusable_addresses(dialog)
    call.keys("6175550123#")
    assert call.phase() is Phase.ADDRESS_FALLBACK
    assert call.spoken.endswith("Or, tell me what's near the place.")
    call.keys("1020#")
    assert call.phase() is Phase.ASK_STREET_FOR_NUMBER


def test_keyed_number_completes_a_street_heard_earlier(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole on Elm Street.")
    assert call.phase() is Phase.ASK_ADDRESS  # the house number
    call.say("blorp")
    # The street alone is accepted rather than asking a third time.
    assert call.phase() is Phase.CONFIRM


def test_keyed_number_without_pound_is_taken_after_silence(dialog: Dialog) -> None:
    call = _two_unusable_addresses(dialog)
    call.keys("45")
    call.send(Silence())
    assert call.phase() is Phase.ASK_STREET_FOR_NUMBER
    assert "4 5" in call.spoken


def test_described_place_is_filed_for_the_dispatcher(dialog: Dialog) -> None:
    call = _two_unusable_addresses(dialog)
    call.say("it's on the dirt road behind the old red barn past the bridge")
    assert call.phase() is Phase.CONFIRM
    assert "I'll pass on your words" in call.spoken
    assert "old red barn" in call.spoken
    call.say("Yes.")
    draft = _created(call).draft
    assert draft.street is None and draft.house_number is None
    assert draft.address == (
        "Described by the caller: "
        "it's on the dirt road behind the old red barn past the bridge"
    )


@pytest.mark.parametrize("unsure", ["I'm not sure, sorry.", "I don't really know."])
def test_not_knowing_is_not_a_description_of_the_place(
    dialog: Dialog, unsure: str
) -> None:
    # A caller who cannot say where it is, nor describe it, needs a person.
    call = _two_unusable_addresses(dialog)
    call.say(unsure)
    assert any(isinstance(a, Transfer) for a in call.actions)
    assert "pass on your words" not in call.spoken


def test_third_unusable_answer_goes_to_a_person(dialog: Dialog) -> None:
    call = _two_unusable_addresses(dialog)
    call.say("hmm okay")
    assert any(isinstance(a, Transfer) for a in call.actions)
    assert call.phase() is Phase.ENDED


def test_address_said_at_the_fallback_is_still_understood(dialog: Dialog) -> None:
    call = _two_unusable_addresses(dialog)
    call.say("88 Washington Street")
    assert call.phase() is Phase.CONFIRM
    assert "88 Washington Street" in call.spoken


def test_correcting_the_address_replaces_a_description(dialog: Dialog) -> None:
    call = _two_unusable_addresses(dialog)
    call.say("behind the old red barn past the bridge")
    call.say("No.")
    call.say("The address.")
    assert call.phase() is Phase.ASK_ADDRESS
    call.say("412 Maple Avenue")
    call.say("Yes.")
    draft = _created(call).draft
    assert draft.address == "412 Maple Avenue"


def test_service_question_is_asked_once_and_its_answer_filed(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a car parked in front of the hydrant at 300 Oak Street.")
    assert call.phase() is Phase.ASK_DETAIL
    assert call.spoken == "Is the car blocking a driveway, a hydrant, or the street?"
    assert call.expect is Expect.DESCRIPTION
    call.say("The hydrant, and half the driveway too.")
    assert call.phase() is Phase.CONFIRM
    call.say("Yes.")
    draft = _created(call).draft
    assert draft.description.endswith(
        "Is the car blocking a driveway, a hydrant, or the street? "
        "The hydrant, and half the driveway too."
    )


def test_hazard_in_the_answer_raises_urgency(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("A tree came down at 45 Elm Street.")
    assert call.phase() is Phase.ASK_DETAIL
    call.say("It's lying on the power lines and they're sparking.")
    assert call.phase() is Phase.CONFIRM
    assert "high urgency" in call.spoken


def test_silence_skips_the_service_question(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a dead raccoon at 45 Elm Street.")
    assert call.phase() is Phase.ASK_DETAIL
    call.send(Silence())
    assert call.phase() is Phase.CONFIRM
    call.say("Yes.")
    assert "?" not in _created(call).draft.description


def test_two_close_services_are_asked_between(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("The light for the cars is broken at Main Street and Oak Avenue.")
    assert call.phase() is Phase.CHOOSE_CATEGORY
    assert call.spoken == "Is that a broken traffic signal, or a streetlight out?"
    assert call.expect is Expect.CATEGORY
    call.say("The traffic signal.")
    assert call.phase() is Phase.ASK_DETAIL  # the traffic signal's own question
    call.say("They're all dark.")
    assert "A broken traffic signal at Main Street and Oak Avenue" in call.spoken


@pytest.mark.parametrize(
    ("answer", "service_code"),
    [
        ("the streetlight", "STRLGTOUT"),
        ("the second one", "STRLGTOUT"),
        ("the first", "TFCSGNINSP"),
        ("it's the traffic one", "TFCSGNINSP"),
    ],
)
def test_answer_picks_one_of_the_two(
    dialog: Dialog, answer: str, service_code: str
) -> None:
    call = Conversation(dialog)
    call.say("The light for the cars is broken at Main Street and Oak Avenue.")
    call.say(answer)
    assert call.state.report.service_code == service_code


def test_neither_asks_for_the_problem_afresh(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("The light for the cars is broken at Main Street and Oak Avenue.")
    call.say("No, neither.")
    assert call.phase() is Phase.ASK_CATEGORY


def test_street_alone_once_accepted_is_not_asked_about_again(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("A tree came down on Jackson Drive.")
    assert "house number on Jackson Drive" in call.spoken
    call.say("It's blocking the whole road.")
    # Not a number: the street alone will do, and the tree's question comes next.
    assert call.phase() is Phase.ASK_DETAIL
    call.say("Yes, across both lanes.")
    assert call.phase() is Phase.CONFIRM
    assert "A fallen tree at Jackson Drive, high urgency" in call.spoken


def test_address_given_for_the_problem_is_kept(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("It's really urgent.")
    assert call.phase() is Phase.ASK_CATEGORY
    call.say("412 Maple Avenue.")
    assert call.phase() is Phase.ASK_CATEGORY
    assert call.spoken == "Thank you. And what is the problem there?"
    call.say("The streetlight is out.")
    assert call.phase() is Phase.CONFIRM
    assert "streetlight out at 412 Maple Avenue, high urgency" in call.spoken


@pytest.mark.parametrize("answer", ["45th.", "Forty five.", "Number 45."])
def test_house_number_asked_for_is_taken_as_heard(dialog: Dialog, answer: str) -> None:
    call = Conversation(dialog)
    call.say("I keep seeing rats in the alley on Maple Street.")
    assert "house number on Maple Street" in call.spoken
    call.say(answer)
    assert call.phase() is Phase.CONFIRM
    assert "at 45 Maple Street," in call.spoken
