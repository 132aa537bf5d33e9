"""Another city is another directory: the same machine, no code change."""

from __future__ import annotations

from pathlib import Path

from dialog.actions import CreateWorkOrder, Say
from dialog.events import CallStarted, Utterance
from dialog.machine import Dialog
from dialog.state import CallState
from nlu.city import load_city

RIVERTON = Path(__file__).resolve().parents[1] / "cities" / "riverton"


def test_riverton_caller_reports_in_riverton_words() -> None:
    dialog = Dialog(load_city(RIVERTON))
    state, actions = dialog.step(CallState(), CallStarted())
    greeting = " ".join(a.text for a in actions if isinstance(a, Say))
    assert greeting.startswith("Thank you for calling Riverton town services. Tell")

    state, actions = dialog.step(
        state,
        Utterance(text="The boat launch is broken at 12 Harmon Road.", confidence=0.9),
    )
    said = " ".join(a.text for a in actions if isinstance(a, Say))
    assert (
        said == "A damaged boat ramp at 12 Harmon Road, normal urgency. Is that right?"
    )

    state, actions = dialog.step(state, Utterance(text="Yes.", confidence=0.9))
    [create] = [a for a in actions if isinstance(a, CreateWorkOrder)]
    assert create.draft.service_code == "BOATRAMP"
    assert create.draft.street == "Harmon Road"


def test_riverton_reprompt_uses_its_own_example_address() -> None:
    dialog = Dialog(load_city(RIVERTON))
    state, _ = dialog.step(CallState(), CallStarted())
    state, _ = dialog.step(
        state, Utterance(text="There's goose mess all over the path.", confidence=0.9)
    )
    _, actions = dialog.step(state, Utterance(text="blorp fnord", confidence=0.3))
    said = " ".join(a.text for a in actions if isinstance(a, Say))
    assert "for example, 18 Kestrel Way" in said


def test_riverton_asks_its_own_service_question_at_its_landmark() -> None:
    dialog = Dialog(load_city(RIVERTON))
    state, _ = dialog.step(CallState(), CallStarted())
    state, actions = dialog.step(
        state,
        Utterance(text="The trail washed out behind the old mill.", confidence=0.9),
    )
    said = " ".join(a.text for a in actions if isinstance(a, Say))
    assert said == "Can people still walk past it?"
    state, actions = dialog.step(state, Utterance(text="Barely.", confidence=0.9))
    said = " ".join(a.text for a in actions if isinstance(a, Say))
    assert "behind the Old Mill, 12 Millrace Lane" in said
