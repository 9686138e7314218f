"""What every screen shares: the screens' tabs and the connection bar on top, the key footer below (compact, the
screen's own keys), and redrawing when shown.

Screens react to the worker link with handlers of the messages in messages.py (`on_queue_changed`, ...); the app
hands each message to the screen shown only."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.screen import Screen

from dgx_pixels_worker.protocol import WorkerError

from ..widgets.connection_bar import ConnectionBar
from ..widgets.fitted_footer import FittedFooter
from ..widgets.screen_tabs import ScreenTabs

if TYPE_CHECKING:
    from ..app import PixelsApp


PREVIEW_PX = 512  # images for on-screen previews come no larger: a 1024 px PNG is megabytes over SSH


class PixelsScreen(Screen[None]):
    TITLE = "dgx-pixels"

    @property
    def pixels(self) -> PixelsApp:
        # Every screen of this package runs inside PixelsApp; Textual types `app` as the base class.
        return cast("PixelsApp", self.app)

    def compose(self) -> ComposeResult:
        yield ScreenTabs(id="tabs")
        yield ConnectionBar(id="connection")
        yield from self.compose_body()
        yield FittedFooter(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        self.refresh_from_link()

    async def preview_png(self, image_id: str) -> bytes | None:
        """An image shrunk for an on-screen preview, or None when the worker cannot give it."""
        try:
            return (await self.pixels.client.image(image_id, max_px=PREVIEW_PX)).png
        except WorkerError:
            return None

    def refresh_from_link(self) -> None:
        """Redraw from the link's current knowledge (the screen was hidden while things changed)."""
