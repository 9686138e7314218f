"""A small dialog asking where to export: the Bevy project and the category under assets/sprites.

It starts on the project folder, with the cursor after the remembered one (typing adds to it; nothing is
selected to be replaced); tabbing to the category selects it, so typing there names another. A folder that is
not a Bevy project, or a category that leaves assets/sprites, is said inside the dialog, which stays open to be
fixed; so are images that fail the quality checks, exported only once "export them anyway" is ticked. It sits
at the top of the screen, and notifications shown when it opens are cleared off it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Static

from ..bevy_export import BevyExportError, check_target
from .form_dialog import FormDialog

SHOWN_FAILING = 2


@dataclass(frozen=True)
class ExportTarget:
    project: str
    category: str
    sheet: bool = False  # several images as one sprite sheet with its grid layout


ANIMATION_NOTE = "an animation goes with its layout (the frame indices of each animation), a GIF and an APNG"


class ExportDialog(FormDialog[ExportTarget | None]):
    # enter exports from anywhere in the dialog, the sheet box included (space ticks it).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel"),
        Binding("enter", "submit", "Export", priority=True),
    ]

    def __init__(
        self,
        what: str,
        project: str,
        category: str,
        offer_sheet: bool = False,
        failing: Mapping[str, str] | None = None,
        animated: bool = False,
    ) -> None:
        super().__init__()
        self.what, self.project, self.category, self.offer_sheet = what, project, category, offer_sheet
        self.failing = dict(failing or {})  # image id: the checks it fails, briefly ([lint])
        self.animated = animated  # an animation is among the images: say what goes with it

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog", classes="form-dialog"):
            yield Label(f"Export {self.what} to a Bevy project")
            yield Label("Project folder (where Cargo.toml is)")
            yield Input(self.project, placeholder="~/games/my-game", id="export-project", select_on_focus=False)
            yield Label("Category (a folder under assets/sprites)")
            # Tabbing to the category selects it, so typing names another (the folder, above, is kept whole).
            yield Input(self.category, placeholder="characters", id="export-category")
            if self.offer_sheet:
                yield Checkbox("as one sprite sheet (with its TextureAtlasLayout grid)", id="export-sheet")
            if self.animated:
                yield Static(ANIMATION_NOTE, id="export-animation", classes="hint", markup=False)
            if self.failing:
                yield Static(self._failing_text(), id="export-failing", markup=False)
                yield Checkbox("export them anyway", id="export-anyway")
            yield Static("", id="export-error", classes="form-error", markup=False)
            yield Label("tab moves · space ticks · enter exports · escape cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#export-project", Input).focus()

    def _failing_text(self) -> str:
        """One line per failing image, at most SHOWN_FAILING of them, so the dialog fits 24 rows."""
        lines = [f"✗ {image_id}: {checks}" for image_id, checks in list(self.failing.items())[:SHOWN_FAILING]]
        if len(self.failing) > SHOWN_FAILING:
            lines.append(f"… and {len(self.failing) - SHOWN_FAILING} more (dgx-pixels images says why)")
        verb = "fails" if len(self.failing) == 1 else "fail"
        return f"{len(self.failing)} of these {verb} the quality checks ([lint]):\n" + "\n".join(lines)

    def action_submit(self) -> None:
        project = self.query_one("#export-project", Input).value.strip()
        category = self.query_one("#export-category", Input).value.strip() or "misc"
        if not project:
            self.refuse("name the Bevy project's folder first (the one with Cargo.toml)", "#export-project")
            return
        try:
            check_target(Path(project), category)
        except BevyExportError as exc:
            field = "#export-project" if "Cargo.toml" in str(exc) else "#export-category"
            self.refuse(str(exc), field)
            return
        if self.failing and not self.query_one("#export-anyway", Checkbox).value:
            self.refuse("some images fail the quality checks: tick 'export them anyway', or escape", "#export-anyway")
            return
        sheet = self.offer_sheet and self.query_one("#export-sheet", Checkbox).value
        self.dismiss(ExportTarget(project, category, sheet))
