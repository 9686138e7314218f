"""A small dialog for "vary this": the prompt (the image's own, to edit), how many variations, and how far they
move from the image. Numbers out of range are said inside the dialog, which stays open to be fixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from .form_dialog import FormDialog

DEFAULT_COUNT = 4
DEFAULT_STRENGTH = 0.5  # the worker's own default: the image's shape and colours kept, its details changed
MOST = 16  # variations one dialog asks for


@dataclass(frozen=True)
class VaryRequest:
    prompt: str
    count: int
    strength: float


class VaryDialog(FormDialog[VaryRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("enter", "submit", "Vary", priority=True),
    ]

    def __init__(self, what: str, prompt: str, count: int = DEFAULT_COUNT, strength: float = DEFAULT_STRENGTH):
        super().__init__()
        self.what, self.prompt, self.count, self.strength = what, prompt, count, strength

    def compose(self) -> ComposeResult:
        with Vertical(id="vary-dialog", classes="form-dialog"):
            yield Label(f"Vary {self.what}")
            yield Label("Prompt (the image's own; change it to steer the variations)")
            yield Input(self.prompt, id="vary-prompt", select_on_focus=False)
            with Horizontal(id="vary-numbers", classes="form-row"):
                with Vertical():
                    yield Label(f"How many (1..{MOST})")
                    yield Input(str(self.count), id="vary-count", type="integer")
                with Vertical():
                    yield Label("Strength (0..1: how far)")
                    yield Input(f"{self.strength:g}", id="vary-strength", type="number")
            yield Static("", id="vary-error", classes="form-error", markup=False)
            yield Label("tab moves · enter queues them · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#vary-count", Input).focus()

    def action_submit(self) -> None:
        prompt = self.query_one("#vary-prompt", Input).value.strip()
        count_text = self.query_one("#vary-count", Input).value.strip()
        strength_text = self.query_one("#vary-strength", Input).value.strip()
        if not prompt:
            self.refuse("describe the sprite: the variations need a prompt", "#vary-prompt")
            return
        if not count_text.isdigit() or not 1 <= int(count_text) <= MOST:
            self.refuse(f"how many: a whole number from 1 to {MOST}", "#vary-count")
            return
        try:
            strength = float(strength_text)
        except ValueError:
            strength = -1.0
        if not 0 < strength <= 1:
            self.refuse("strength: more than 0 and at most 1 (0.2 stays close, 1 moves furthest)", "#vary-strength")
            return
        self.dismiss(VaryRequest(prompt, int(count_text), strength))
