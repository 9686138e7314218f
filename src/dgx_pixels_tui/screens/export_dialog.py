"""A small dialog asking where to export: the Bevy project and the category under assets/sprites."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label


@dataclass(frozen=True)
class ExportTarget:
    project: str
    category: str
    sheet: bool = False  # several images as one sprite sheet with its grid layout


class ExportDialog(ModalScreen[ExportTarget | None]):
    # enter exports from anywhere in the dialog, the sheet box included (space ticks it).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("enter", "submit", "Export", priority=True),
    ]

    def __init__(self, what: str, project: str, category: str, offer_sheet: bool = False) -> None:
        super().__init__()
        self.what, self.project, self.category, self.offer_sheet = what, project, category, offer_sheet

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label(f"Export {self.what} to a Bevy project")
            yield Label("Project folder (where Cargo.toml is)")
            yield Input(self.project, placeholder="~/games/my-game", id="export-project")
            yield Label("Category (a folder under assets/sprites)")
            yield Input(self.category, placeholder="characters", id="export-category")
            if self.offer_sheet:
                yield Checkbox("as one sprite sheet (with its TextureAtlasLayout grid)", id="export-sheet")
            yield Label("tab moves · space ticks · enter exports · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#export-project" if not self.project else "#export-category", Input).focus()

    def action_submit(self) -> None:
        project = self.query_one("#export-project", Input).value.strip()
        if not project:
            self.query_one("#export-project", Input).focus()
            self.notify("name the Bevy project's folder first", severity="warning")
            return
        sheet = self.offer_sheet and self.query_one("#export-sheet", Checkbox).value
        self.dismiss(ExportTarget(project, self.query_one("#export-category", Input).value.strip() or "misc", sheet))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
