"""Help: every key, read from the bindings themselves so it cannot go stale."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from .base import PixelsScreen


def key_table(title: str, bindings: list[Binding]) -> str:
    rows = [f"| `{b.key}` | {b.description or b.action} |" for b in bindings if b.show or b.description]
    return f"### {title}\n\n| key | does |\n|---|---|\n" + "\n".join(rows) + "\n"


class HelpScreen(PixelsScreen):
    def compose_body(self) -> ComposeResult:
        from textual.widgets import (
            Markdown,  # markdown-it costs 20 ms: loaded when help is first shown
        )

        from ..app import PixelsApp

        sections = [key_table("Everywhere", [_binding(b) for b in PixelsApp.BINDINGS])]
        for name, screen in PixelsApp.MODES.items():
            own = [_binding(b) for b in getattr(screen, "BINDINGS", [])]
            if own:
                sections.append(key_table(name.capitalize(), own))
        intro = (
            "# dgx-pixels keys\n\nFunction keys switch screens from anywhere, even while typing a prompt. "
            "`ctrl+p` opens the command palette, which lists every action.\n\n"
        )
        with VerticalScroll(id="help-scroll"):  # scrolls inside; the connection bar and footer stay put
            yield Markdown(intro + "\n".join(sections), id="help")


def _binding(entry: Binding | tuple[str, ...]) -> Binding:
    if isinstance(entry, Binding):
        return entry
    key, action, *description = entry  # Textual's (key, action) or (key, action, description)
    return Binding(key, action, description[0] if description else "")
