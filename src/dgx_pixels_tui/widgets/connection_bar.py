"""The always-visible line saying whether the worker is reachable and what renders the sprites."""

from __future__ import annotations

from textual.widgets import Static


class ConnectionBar(Static):
    DEFAULT_CSS = """
    ConnectionBar { height: 1; padding: 0 1; background: $panel; }
    ConnectionBar.-lost { background: $error 40%; }
    ConnectionBar.-connecting { background: $warning 30%; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "connection_line", self._show)

    def _show(self, line: tuple[str, str]) -> None:
        state, text = line
        self.set_classes(f"-{state}")
        self.update(text)
