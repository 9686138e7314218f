"""The always-visible line saying whether the worker is reachable and what renders the sprites.

The line is parts joined by SEP, the most important first (the connection, then warnings, then details); on a
narrow terminal the bar drops parts from the end, then shortens the first ("● connected to ADDR" becomes
"● connected"), so a warning such as "no ComfyUI reachable" stays in sight at 80 columns."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

SEP = "  ·  "


def fit(text: str, width: int) -> str:
    """The longest form of `text` that fits `width` cells (the last resort is cut by the terminal)."""
    parts = text.split(SEP)
    while len(parts) > 2 and cell_len(SEP.join(parts)) > width:
        parts.pop()
    if cell_len(SEP.join(parts)) > width and " to " in parts[0]:
        parts[0] = parts[0].split(" to ", 1)[0]
    if len(parts) > 1 and cell_len(SEP.join(parts)) > width:
        parts.pop()
    return SEP.join(parts)


class ConnectionBar(Widget):
    DEFAULT_CSS = """
    ConnectionBar { height: 1; padding: 0 1; background: $panel; }
    ConnectionBar.-lost { background: $error 40%; }
    ConnectionBar.-connecting { background: $warning 30%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""

    def on_mount(self) -> None:
        self.watch(self.app, "connection_line", self._show)

    def _show(self, line: tuple[str, str]) -> None:
        state, self.text = line
        self.set_classes(f"-{state}")
        self.refresh()

    def render(self) -> Text:
        return Text(fit(self.text, self.content_size.width), no_wrap=True, overflow="ellipsis")
