"""A small dialog for a game variant of a gallery image: the same sprite recoloured onto a palette's ramp (enemy
variants, team colours), mirrored, or both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select, Static

from .form_dialog import FormDialog

MIRRORS = [("left-right", "x"), ("top-bottom", "y")]


@dataclass(frozen=True)
class VariantRequest:
    recolor_to: str | None  # a palette of the worker's library
    mirror: str | None  # "x" or "y"

    def describe(self) -> str:
        parts = [f"recoloured to {self.recolor_to}"] if self.recolor_to else []
        parts += [f"mirrored {name}" for name, axis in MIRRORS if axis == self.mirror]
        return " and ".join(parts)


class VariantDialog(FormDialog[VariantRequest | None]):
    DEFAULT_CSS = """
    #variant-make { margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("ctrl+s", "submit", "Make it", priority=True),
    ]

    def __init__(self, what: str, palettes: list[str]) -> None:
        super().__init__()
        self.what, self.palettes = what, palettes

    def compose(self) -> ComposeResult:
        with Vertical(id="variant-dialog", classes="form-dialog"):
            yield Label(f"Variant of {self.what}")
            yield Label("the sprite made again with its own seed, then", classes="hint")
            with Horizontal(id="variant-choices", classes="form-row"):
                with Vertical():
                    yield Label("Recolour onto")
                    yield Select([(name, name) for name in self.palettes], prompt="its own colours", id="recolor")
                with Vertical():
                    yield Label("Mirror")
                    yield Select(MIRRORS, prompt="not mirrored", id="mirror")
            yield Static("", id="variant-error", classes="form-error", markup=False)
            yield Button("Make it  (ctrl+s)", variant="primary", id="variant-make")
            yield Label("tab moves · enter opens a list and picks · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#recolor", Select).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        recolor, mirror = self.query_one("#recolor", Select).value, self.query_one("#mirror", Select).value
        chosen = VariantRequest(
            None if recolor is Select.NULL else str(recolor), None if mirror is Select.NULL else str(mirror)
        )
        if chosen.recolor_to is None and chosen.mirror is None:
            self.refuse("pick a palette to recolour onto, a mirror, or both")
            return
        self.dismiss(chosen)
