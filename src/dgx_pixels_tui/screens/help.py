"""Help: every key, read from the bindings themselves so it cannot go stale; one line per key, named as the key
cap says (`+ or =`, `/`, `ctrl+g`), not as Textual names it (`plus,equals_sign`). Escape goes back."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.widgets import Static

from .base import PixelsScreen

# Keys Textual gives every screen, worth knowing; its other built-ins (copying text) are left out.
FOCUS_KEYS = [
    Binding("tab", "app.focus_next", "Next field"),
    Binding("shift+tab", "app.focus_previous", "Previous field"),
    Binding("ctrl+p", "command_palette", "Command palette: every action of every screen"),
]


def key_name(keys: str) -> str:
    """`plus,equals_sign` as `+ or =`, `ctrl+g` as `ctrl+g`, `slash` as `/`."""
    names = []
    for key in keys.split(","):
        *modifiers, last = key.strip().split("+")
        names.append("+".join([*modifiers, format_key(last)]))
    return " or ".join(names)


def key_rows(bindings: list[Binding]) -> list[tuple[str, str]]:
    return [(key_name(b.key), b.description or b.action) for b in bindings if b.description]


def key_table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(min_width=14, style="bold")
    table.add_column()
    table.title = Text(title, style="bold underline")
    table.title_justify = "left"
    for key, does in rows:
        table.add_row(key, does)
    return table


class HelpScreen(PixelsScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(title, [(key, what it does)]) for every screen, from the bindings each screen class declares."""
        from ..app import PixelsApp

        everywhere = [_binding(b) for b in PixelsApp.BINDINGS]
        sections = [("Everywhere", key_rows(everywhere + FOCUS_KEYS))]
        for name, screen in PixelsApp.MODES.items():
            own = [_binding(b) for b in vars(screen).get("BINDINGS", [])]  # not the keys every screen inherits
            if own:
                sections.append((name.capitalize(), key_rows(own)))
        return sections

    @property
    def text(self) -> str:
        """The keys as plain lines, `key  does`."""
        return "\n".join(f"{key}  {does}" for _, rows in self.sections() for key, does in rows)

    def compose_body(self) -> ComposeResult:
        intro = Text.from_markup(
            "[b]dgx-pixels keys[/b]  ·  function keys switch screens from anywhere, even while typing a prompt; "
            "escape goes back.\n"
        )
        with VerticalScroll(id="help-scroll"):  # scrolls inside; the connection bar and footer stay put
            yield Static(intro, id="help-intro")
            for title, rows in self.sections():
                yield Static(key_table(title, rows), classes="help-keys")

    def action_back(self) -> None:
        self.pixels.go_back()


def _binding(entry: BindingType) -> Binding:
    if isinstance(entry, Binding):
        return entry
    key, action, *description = entry  # Textual's (key, action) or (key, action, description)
    return Binding(key, action, description[0] if description else "")
