"""The conversation as a script: events in, actions out, no audio, no Twilio."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cities import EXAMPLE_CITY_DIR
from dialog.actions import (
    CreateWorkOrder,
    Expect,
    Hangup,
    LookUpCase,
    Transfer,
)
from dialog.events import (
    CaseLookedUp,
    CaseStatus,
    Silence,
    WorkOrderCreated,
)
from dialog.events import Hangup as CallerHungUp
from dialog.machine import Dialog
from dialog.state import Outcome, Phase
from nlu.city import Urgency, load_city
from tests.dialog.conversation import Conversation


@pytest.fixture(scope="module")
def dialog() -> Dialog:
    return Dialog(load_city(EXAMPLE_CITY_DIR))


def test_greeting_offers_report_and_keypad(dialog: Dialog) -> None:
    call = Conversation(dialog)
    assert "report" in call.spoken
    assert "press 1" in call.spoken
    assert call.expect is Expect.OPENING


def test_one_sentence_fills_category_and_address(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a big pothole in front of 1420 Elm Street.")
    assert call.phase() is Phase.CONFIRM
    assert call.spoken == "A pothole at 1420 Elm Street, normal urgency. Is that right?"
    assert call.expect is Expect.YES_NO


def test_confirmed_report_creates_routed_work_order_and_reads_number(
    dialog: Dialog,
) -> None:
    call = Conversation(dialog)
    call.say("There's a big pothole in front of 1420 Elm Street.")
    actions = call.say("Yes, that's right.")
    [create] = [a for a in actions if isinstance(a, CreateWorkOrder)]
    assert create.draft.service_code == "REQPOTHL"
    assert create.draft.address == "1420 Elm Street"
    assert create.draft.house_number == "1420"
    assert create.draft.urgency is Urgency.NORMAL
    assert "pothole" in create.draft.description
    call.send(WorkOrderCreated(case_number="1000015", department_name="Public Works"))
    assert "1 0 0 0 0 1 5" in call.spoken
    assert "Public Works" in call.spoken
    assert "repeat" in call.spoken
    call.say("Yes please.")
    assert "1 0 0 0 0 1 5" in call.spoken
    actions = call.say("No, thank you.")
    assert isinstance(actions[-1], Hangup)
    assert "Goodbye" in call.spoken
    assert call.state.outcome is Outcome.WORK_ORDER_CREATED


def test_missing_slots_are_asked_one_at_a_time(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("I need to report a streetlight that is out.")
    assert call.phase() is Phase.ASK_ADDRESS
    assert "Where is the streetlight out" in call.spoken
    assert call.expect is Expect.ADDRESS
    call.say("412 Maple Avenue.")
    assert call.phase() is Phase.CONFIRM
    assert "streetlight out at 412 Maple Avenue" in call.spoken


def test_address_first_then_category(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("I'm calling about 27 Chestnut Street.")
    assert call.phase() is Phase.ASK_CATEGORY
    call.say("Somebody sprayed graffiti all over the wall.")
    assert call.phase() is Phase.CONFIRM
    assert "27 Chestnut Street" in call.spoken


def test_no_at_confirmation_re_asks_only_the_named_slot(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("I need to report a streetlight that is out.")
    call.say("412 Maple Avenue.")
    call.say("No.")
    assert call.phase() is Phase.ASK_CORRECTION
    call.say("The urgency.")
    assert call.phase() is Phase.ASK_URGENCY
    call.say("It's urgent, it's really dangerous.")
    assert call.phase() is Phase.CONFIRM
    assert "streetlight out at 412 Maple Avenue, high urgency" in call.spoken
    [create] = [a for a in call.say("Yes.") if isinstance(a, CreateWorkOrder)]
    assert create.draft.urgency is Urgency.HIGH
    assert create.draft.address == "412 Maple Avenue"


def test_correction_in_the_same_breath_as_no(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole at 1420 Elm Street.")
    call.say("No, it's at 1422 Elm Street.")
    assert call.phase() is Phase.CONFIRM
    assert "1422 Elm Street" in call.spoken


def test_street_without_number_asks_for_number_or_cross_street(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole on Elm Street.")
    assert call.phase() is Phase.ASK_ADDRESS
    assert "house number on Elm Street" in call.spoken
    call.say("Fourteen twenty.")
    assert "1420 Elm Street" in call.spoken


def test_intersection_is_a_location(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole at the corner of Main Street and Oak Avenue.")
    assert call.phase() is Phase.CONFIRM
    assert "Main Street and Oak Avenue" in call.spoken


def test_garbled_utterance_gets_reprompt_that_says_what_is_expected(
    dialog: Dialog,
) -> None:
    call = Conversation(dialog)
    call.say("I need to report a streetlight that is out.")
    call.say("blorp fnord zzz")
    assert call.phase() is Phase.ASK_ADDRESS
    assert "Please say the street address, for example, 200 Main Street." in call.spoken
    assert call.spoken.startswith("Sorry, I didn't catch that.")


def test_third_unusable_answer_goes_to_a_person(dialog: Dialog) -> None:
    call = Conversation(dialog)
    for _ in range(2):
        call.say("blorp fnord zzz")
        assert call.phase() is Phase.OPENING
    actions = call.say("blorp fnord zzz")
    assert isinstance(actions[-1], Transfer)
    assert call.state.outcome is Outcome.TRANSFERRED


def test_empty_recognition_counts_as_not_understood(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("")
    assert "didn't catch" in call.spoken


@pytest.mark.parametrize(
    "text",
    [
        "I smell gas in my kitchen.",
        "There's a fire in the building next door!",
        "A man is lying on the sidewalk and he's not breathing.",
        "There was a car crash and someone is hurt.",
    ],
)
def test_emergency_says_911_and_creates_nothing(dialog: Dialog, text: str) -> None:
    call = Conversation(dialog)
    actions = call.say(text)
    assert "9 1 1" in call.spoken
    assert isinstance(actions[-1], Hangup)
    assert not any(isinstance(a, CreateWorkOrder) for a in actions)
    assert call.state.outcome is Outcome.EMERGENCY


def test_emergency_mid_report_still_wins(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("I need to report a streetlight that is out.")
    actions = call.say("Oh no, someone just got hit by a car and is bleeding.")
    assert isinstance(actions[-1], Hangup)
    assert call.state.outcome is Outcome.EMERGENCY


@pytest.mark.parametrize("text", ["Operator.", "Can I talk to a real person?"])
def test_operator_request_transfers(dialog: Dialog, text: str) -> None:
    call = Conversation(dialog)
    actions = call.say(text)
    assert isinstance(actions[-1], Transfer)
    assert call.state.outcome is Outcome.TRANSFERRED


def test_pressing_zero_transfers(dialog: Dialog) -> None:
    call = Conversation(dialog)
    actions = call.keys("0")
    assert isinstance(actions[-1], Transfer)


def test_status_by_keypad(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.keys("1")
    assert "enter your case number" in call.spoken
    assert call.expect is Expect.DIGITS
    assert call.keys("100001") == []
    actions = call.keys("5#")
    assert actions == [LookUpCase(case_number="1000015")]
    updated = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    call.send(
        CaseLookedUp(
            case_number="1000015",
            is_well_formed=True,
            status=CaseStatus(
                case_number="1000015",
                status="in_progress",
                department_name="Public Works",
                service_name="Pothole",
                updated_at=updated,
            ),
        )
    )
    assert "in progress" in call.spoken
    assert "Public Works" in call.spoken
    assert "November 27th" in call.spoken
    assert call.state.outcome is Outcome.STATUS_READ
    actions = call.say("No, that's all.")
    assert isinstance(actions[-1], Hangup)


def test_status_by_voice_request(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("I want to check on my case.")
    assert call.phase() is Phase.ASK_CASE_NUMBER


def test_wrong_case_number_gets_polite_retries_then_a_person(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.keys("1")
    call.keys("1234567#")
    call.send(CaseLookedUp(case_number="1234567", is_well_formed=False, status=None))
    assert "doesn't look right" in call.spoken
    assert call.phase() is Phase.ASK_CASE_NUMBER
    call.keys("1000015#")
    call.send(CaseLookedUp(case_number="1000015", is_well_formed=True, status=None))
    assert "couldn't find case 1 0 0 0 0 1 5" in call.spoken
    call.keys("1000023#")
    actions = call.send(
        CaseLookedUp(case_number="1000023", is_well_formed=True, status=None)
    )
    assert isinstance(actions[-1], Transfer)


def test_star_clears_keyed_digits(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.keys("1")
    call.keys("999*")
    assert call.keys("1000015#") == [LookUpCase(case_number="1000015")]


def test_silence_reprompts_then_offers_keypad_then_says_goodbye(
    dialog: Dialog,
) -> None:
    call = Conversation(dialog)
    call.send(Silence())
    assert "Are you still there?" in call.spoken
    assert call.expect is Expect.OPENING
    call.send(Silence())
    assert "press 0" in call.spoken
    actions = call.send(Silence())
    assert isinstance(actions[-1], Hangup)
    assert "Goodbye" in call.spoken
    assert call.state.outcome is Outcome.NO_INPUT


def test_speech_resets_the_silence_count(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.send(Silence())
    call.send(Silence())
    call.say("I need to report a streetlight that is out.")
    call.send(Silence())
    assert "Are you still there?" in call.spoken
    assert call.phase() is Phase.ASK_ADDRESS


def test_hang_up_mid_report_is_abandoned(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("I need to report a streetlight that is out.")
    assert call.send(CallerHungUp()) == []
    assert call.state.outcome is Outcome.ABANDONED
    assert call.phase() is Phase.ENDED
    assert call.say("412 Maple Avenue") == []


def test_repeat_request_says_the_question_again(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("I need to report a streetlight that is out.")
    first = call.spoken
    call.say("Sorry, can you say that again?")
    assert call.spoken == first


def test_report_that_joins_an_open_case_says_so(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a big pothole in front of 1420 Elm Street.")
    call.say("Yes.")
    call.send(
        WorkOrderCreated(
            case_number="1000015", department_name="Public Works", is_existing=True
        )
    )
    assert call.spoken.startswith(
        "That's already been reported, as case 1 0 0 0 0 1 5, with Public Works. "
        "I've added your report to it."
    )
    assert call.state.outcome is Outcome.WORK_ORDER_CREATED


def test_street_name_with_several_suffixes_is_asked_back(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole at 300 Lincoln.")
    assert call.phase() is Phase.CHOOSE_STREET
    assert call.spoken == "Did you mean Lincoln Avenue, or Lincoln Plaza?"
    call.say("Lincoln Plaza.")
    assert call.phase() is Phase.CONFIRM
    assert "pothole at 300 Lincoln Plaza" in call.spoken


def test_street_choice_by_suffix_alone(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole at 300 Lincoln.")
    call.say("The plaza.")
    assert "300 Lincoln Plaza" in call.spoken


def test_unclear_street_choice_keeps_the_best_guess_after_asking_twice(
    dialog: Dialog,
) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole at 300 Lincoln.")
    call.say("Hmm, I'm not sure.")
    assert call.phase() is Phase.CHOOSE_STREET
    call.say("I don't know.")
    assert call.phase() is Phase.CONFIRM
    assert "300 Lincoln Avenue" in call.spoken


def test_chosen_street_is_not_asked_again_for_its_number(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole on Lincoln.")
    call.say("Avenue.")
    assert "house number on Lincoln Avenue" in call.spoken
    call.say("Three hundred.")
    assert call.phase() is Phase.CONFIRM
    assert "300 Lincoln Avenue" in call.spoken


def test_question_the_faq_covers_is_answered(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("What are your office hours?")
    assert call.phase() is Phase.ANYTHING_ELSE
    assert call.spoken.endswith("Is there anything else I can help you with?")
    assert call.state.outcome is Outcome.FAQ_ANSWERED
    actions = call.say("No, that's all, thanks.")
    assert isinstance(actions[-1], Hangup)


@pytest.mark.parametrize(
    "closing", ["Oh, thank you.", "Hello, that's all, thanks.", "That's it, bye."]
)
def test_served_caller_who_only_says_thanks_hears_goodbye(
    dialog: Dialog, closing: str
) -> None:
    # Whisper hears the "No" of "No, thank you." as "Oh" or "Hello"; the thanks
    # alone closes the call, and the answered question stays the outcome.
    call = Conversation(dialog)
    call.say("What are your office hours?")
    actions = call.say(closing)
    assert isinstance(actions[-1], Hangup)
    assert call.state.outcome is Outcome.FAQ_ANSWERED


def test_mumbles_after_anything_else_end_the_call_without_a_person(
    dialog: Dialog,
) -> None:
    call = Conversation(dialog)
    call.say("What are your office hours?")
    call.say("Oh")
    assert "If not, just say no." in call.spoken
    actions = call.say("Hmm")
    assert isinstance(actions[-1], Hangup)
    assert not any(isinstance(a, Transfer) for a in call.actions)
    assert call.state.outcome is Outcome.FAQ_ANSWERED


def test_question_the_faq_does_not_cover_offers_a_person(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("Why is the sky blue?")
    assert call.phase() is Phase.OFFER_OPERATOR
    assert "someone who can help" in call.spoken
    actions = call.say("Yes please.")
    assert isinstance(actions[-1], Transfer)


def test_report_asked_as_a_question_is_still_a_report(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("Can you send someone to fix the pothole at 1420 Elm Street?")
    assert call.phase() is Phase.CONFIRM
    assert "A pothole at 1420 Elm Street" in call.spoken


@pytest.mark.parametrize(
    ("answer", "urgency"),
    [
        ("Yes, and it's really urgent, someone could get hurt.", Urgency.HIGH),
        ("Yes. No rush though.", Urgency.LOW),
        ("Yes.", Urgency.NORMAL),
    ],
)
def test_caller_can_override_urgency_while_confirming(
    dialog: Dialog, answer: str, urgency: Urgency
) -> None:
    call = Conversation(dialog)
    call.say("There's a big pothole in front of 1420 Elm Street.")
    [create] = [a for a in call.say(answer) if isinstance(a, CreateWorkOrder)]
    assert create.draft.urgency is urgency


def test_no_its_urgent_at_confirmation_changes_only_the_urgency(dialog: Dialog) -> None:
    call = Conversation(dialog)
    call.say("There's a big pothole in front of 1420 Elm Street.")
    call.say("No, it's urgent, a kid could fall in.")
    assert call.phase() is Phase.CONFIRM
    assert call.spoken == "A pothole at 1420 Elm Street, high urgency. Is that right?"


def test_keys_answer_the_read_back_when_words_do_not_get_through(
    dialog: Dialog,
) -> None:
    call = Conversation(dialog)
    call.say("There's a pothole at 1420 Elm Street.")
    call.say("Oh")
    assert "press 1 for yes, or 2 for no" in call.spoken
    call.keys("2")
    assert call.phase() is Phase.ASK_CORRECTION
    call.say("The address.")
    call.say("412 Maple Avenue.")
    call.keys("1")
    assert any(isinstance(a, CreateWorkOrder) for a in call.actions)


def test_a_guess_between_two_services_is_no_answer_to_what_to_change(
    dialog: Dialog,
) -> None:
    # "The address." misheard as "They're red." once made the agent ask
    # "Is that a loud construction site, or a broken traffic signal?"
    call = Conversation(dialog)
    call.say("There's a pothole at 1420 Elm Street.")
    call.say("No.")
    call.say("They're red.")
    assert call.phase() is Phase.ASK_CORRECTION
    assert call.spoken.endswith("Please say the problem, the address, or the urgency.")
    call.say("412 Maple Avenue.")
    assert call.phase() is Phase.CONFIRM
    assert "A pothole at 412 Maple Avenue" in call.spoken


@pytest.mark.parametrize(
    ("offer", "answer", "joined"),
    [
        (True, "Yes please.", False),
        (True, "No.", False),
        (True, "Yes.", True),
        (False, "", False),
    ],
)
def test_text_updates_are_offered_only_where_texts_can_be_sent(
    offer: bool, answer: str, joined: bool
) -> None:
    from dialog.actions import SubscribeToTexts
    from dialog.events import WorkOrderCreated

    call = Conversation(Dialog(load_city(EXAMPLE_CITY_DIR), offer_texts=offer))
    call.say("There's a pothole at 1420 Elm Street.")
    call.say("Yes.")
    call.send(
        WorkOrderCreated(
            case_number="1000015", department_name="Public Works", is_existing=joined
        )
    )
    if joined:
        assert "already been reported" in call.spoken, call.spoken
    if not offer:
        assert call.phase() is Phase.OFFER_REPEAT
        assert "text message" not in call.spoken
        return
    assert call.phase() is Phase.OFFER_TEXTS
    actions = call.say(answer)
    subscribed = [a for a in actions if isinstance(a, SubscribeToTexts)]
    assert [a.case_number for a in subscribed] == (
        ["1000015"] if answer.startswith("Yes") else []
    )
    assert call.phase() is Phase.OFFER_REPEAT
