"""The top line: every screen with its function key, the one shown marked; a click switches too.

The screens' keys live here rather than in the footer, so that the footer has room for the keys of the screen
shown, also at 80 columns (eight screens take 72 cells with each key joined to its name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.binding import Binding

TITLE = "dgx-pixels"


def tabs(bindings: list[Binding], current: str, width: int) -> Content:
    """`f1 Help  f2 Generate  …` with the current mode reversed; the title and wider gaps only where they fit."""
    entries = [(b.key, b.description, b.action.split("'")[1]) for b in bindings if b.action.startswith("switch_mode")]
    # The last resort (eight screens at 80 columns) joins each key to its name: the key's colour still parts them.
    for gap, title, joint in (("  ", f"{TITLE}  │  ", " "), ("  ", "", " "), (" ", "", " "), (" ", "", "")):
        needed = len(title) + sum(len(key) + len(joint) + len(name) for key, name, _ in entries)
        if needed + len(gap) * (len(entries) - 1) <= width:
            break
    parts = [Content.styled(title, "bold")] if title else []
    for i, (key, name, mode) in enumerate(entries):
        style = "reverse bold" if mode == current else ""
        label = Content.assemble((key, "$accent" if mode != current else ""), joint, name)
        parts.append(label.stylize(f"{style} @click=app.switch_mode('{mode}')".strip()))
        if i < len(entries) - 1:
            parts.append(Content(gap))
    return Content.assemble(*parts)


class ScreenTabs(Widget):
    DEFAULT_CSS = """
    ScreenTabs { height: 1; padding: 0 1; background: $panel-darken-1; }
    """

    def render(self) -> Content:
        from ..app import PixelsApp  # the app module imports the screens, which import this

        modes = {screen: mode for mode, screen in PixelsApp.MODES.items()}
        current = modes.get(type(self.screen), "")
        bindings = [b for b in PixelsApp.BINDINGS if not isinstance(b, tuple)]
        return tabs(bindings, current, self.content_size.width)
