"""What every screen shares: the connection bar on top, the key footer below, and link updates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from dgx_pixels_worker.protocol import WorkerError

from ..link import LinkUpdate
from ..messages import LinkUpdated
from ..widgets.connection_bar import ConnectionBar

if TYPE_CHECKING:
    from ..app import PixelsApp


PREVIEW_PX = 512  # images for on-screen previews come no larger: a 1024 px PNG is megabytes over SSH


class PixelsScreen(Screen[None]):
    TITLE = "dgx-pixels"

    @property
    def pixels(self) -> PixelsApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield ConnectionBar(id="connection")
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_link_updated(self, message: LinkUpdated) -> None:
        self.link_update(message.update)

    def link_update(self, update: LinkUpdate) -> None:
        """Screens override this to react to the worker; it runs only while the screen is shown."""

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
