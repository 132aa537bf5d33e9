"""A call to the dialog machine as a script: say, key, and read what it did."""

from __future__ import annotations

from dialog.actions import Action, Expect, Listen, Say
from dialog.events import CallStarted, Event, KeyPress, Utterance
from dialog.machine import Dialog
from dialog.state import CallState, Phase


class Conversation:
    """Feeds events to the machine and keeps what it did."""

    def __init__(self, dialog: Dialog) -> None:
        self.dialog = dialog
        self.state = CallState()
        self.actions: list[Action] = []
        self.send(CallStarted())

    def send(self, event: Event) -> list[Action]:
        self.state, self.actions = self.dialog.step(self.state, event)
        return self.actions

    def say(self, text: str) -> list[Action]:
        return self.send(Utterance(text=text, confidence=0.9))

    def keys(self, digits: str) -> list[Action]:
        actions: list[Action] = []
        for digit in digits:
            actions = self.send(KeyPress(digit=digit))
        return actions

    def phase(self) -> Phase:
        # A call, not an attribute, so type checkers do not narrow it between steps.
        return self.state.phase

    @property
    def spoken(self) -> str:
        return " ".join(a.text for a in self.actions if isinstance(a, Say))

    @property
    def expect(self) -> Expect | None:
        listens = [a for a in self.actions if isinstance(a, Listen)]
        return listens[-1].expect if listens else None
