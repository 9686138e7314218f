"""The Textual app: one mode per screen, the worker link running in a Textual worker."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from .link import LinkState, LinkUpdate, WorkerLink
from .messages import ConnectionChanged, LinkMessage, PauseChanged, link_message
from .previews.detect import DetectedMode
from .screens.compare import CompareScreen
from .screens.gallery import GalleryScreen
from .screens.generate import GenerateScreen
from .screens.help import HelpScreen
from .screens.models import ModelsScreen
from .screens.monitor import MonitorScreen
from .screens.queue import QueueScreen
from .startup import StartupError, WorkerOpener

if TYPE_CHECKING:
    from dgx_pixels_worker.client import WorkerClient


class PixelsApp(App[None]):
    TITLE = "dgx-pixels"
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "generate": GenerateScreen,
        "queue": QueueScreen,
        "gallery": GalleryScreen,
        "models": ModelsScreen,
        "monitor": MonitorScreen,
        "compare": CompareScreen,
        "help": HelpScreen,
    }
    DEFAULT_MODE = "generate"
    # Function keys switch screens: they can never be typed into a prompt by accident.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "switch_mode('help')", "Help"),
        Binding("f2", "switch_mode('generate')", "Generate"),
        Binding("f3", "switch_mode('queue')", "Queue"),
        Binding("f4", "switch_mode('gallery')", "Gallery"),
        Binding("f5", "switch_mode('models')", "Models"),
        Binding("f6", "switch_mode('monitor')", "Monitor"),
        Binding("f7", "switch_mode('compare')", "Compare"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    connection_line: reactive[tuple[str, str]] = reactive(("connecting", "connecting to the worker…"))

    def __init__(
        self,
        client: WorkerClient | None = None,
        *,
        opener: WorkerOpener | None = None,
        notice: str = "",
        preview_mode: DetectedMode | None = None,
    ) -> None:
        """Give a `client`, or an `opener` that makes one after the first frame (what `dgx-pixels` does)."""
        super().__init__()
        if (client is None) == (opener is None):
            raise ValueError("give a client or an opener")
        self.opener = opener
        self.preview_mode = preview_mode or DetectedMode("halfblock", "not detected")
        self.link = WorkerLink(client)
        self.notice = notice  # e.g. "started a local worker"
        self.paused: str | None = None  # why the worker's queue is paused, while it is
        self._last_connection: ConnectionChanged | None = None
        self.pending_image: str | None = None  # an image another screen asked the gallery to show
        self.startup_error = ""

    @property
    def client(self) -> WorkerClient:
        return self.link.client

    def on_mount(self) -> None:
        where = f"connecting to {self.link.client.address}…" if self.link.has_client else "reaching the worker…"
        self.connection_line = ("connecting", where)
        if self.notice:
            self.notify(self.notice, timeout=6)

    def on_ready(self) -> None:
        self.follow_worker()  # after the first frame: the client library is imported from here on

    @work(exclusive=True, group="link")
    async def follow_worker(self) -> None:
        client = None
        if self.opener is not None:
            try:
                opened = await self.opener.open()
            except StartupError as exc:
                self.startup_error = exc.message  # printed by the command once the terminal is restored
                self.exit(return_code=exc.exit_code)
                return
            client = opened.client
            if opened.notice:
                self.notify(opened.notice, timeout=6)
        await self.link.run(self.post_link_update, client)

    def post_link_update(self, update: LinkUpdate) -> None:
        """The app's edge: each update of the link becomes its Textual message."""
        self.post_message(link_message(update))

    @on(LinkMessage)
    def hand_to_screen(self, message: LinkMessage) -> None:
        if self.screen_stack:  # none while the app is closing
            self.screen.post_message(replace(message))

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self._last_connection = message
        self.connection_line = (message.state.value, self._describe(message))

    def on_pause_changed(self, message: PauseChanged) -> None:
        if message.reason == self.paused:
            return
        if message.reason:
            self.notify(message.reason, title="queue paused", severity="warning", timeout=30)
        elif self.paused:
            self.notify("the queue runs again", timeout=6)
        self.paused = message.reason
        if self._last_connection is not None:
            self.on_connection_changed(self._last_connection)

    def _describe(self, message: ConnectionChanged) -> str:
        if message.state is not LinkState.CONNECTED or message.hello is None:
            return f"⚠ {message.detail}; reconnecting…"
        hello = message.hello
        renderers = ", ".join(f"{b.name}{'' if b.healthy else ' (down)'}" for b in hello.backends)
        procedural = "  ·  no ComfyUI reachable: procedural sprites (offline, not AI)" if hello.procedural_only else ""
        paused = "  ·  ⏸ queue paused (f6 Monitor says why)" if self.paused else ""
        return f"● {message.detail}  ·  worker {hello.worker_version}  ·  {renderers}{paused}{procedural}"

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette lists every screen and every action of the screen shown, beside Textual's own."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action.startswith("switch_mode"):
                mode = binding.action.split("'")[1]
                yield SystemCommand(
                    f"Go to {binding.description}", f"key {binding.key}", partial(self.switch_mode, mode)
                )
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description:
                action = partial(self.run_action, binding.action, screen)
                yield SystemCommand(binding.description, f"{type(screen).__name__[:-6]} · key {binding.key}", action)

    def view_full_size(self, png: bytes, caption: str) -> None:
        """Suspend the app and draw the image straight to the terminal: sixel or kitty where the terminal has
        them, half-blocks elsewhere. Textual cannot composite those protocols, hence the suspension."""
        from PIL import Image

        from .previews.fullsize import FullSizeView

        try:
            with Image.open(io.BytesIO(png)) as opened:
                image = opened.convert("RGBA")
        except (OSError, ValueError, Image.DecompressionBombError):
            self.notify("this image cannot be shown: its data is not a readable picture", severity="warning")
            return
        _, _, background, foreground = self.screen.colors
        view = FullSizeView(
            image,
            self.preview_mode.mode,
            f"{caption} ({self.preview_mode.mode}) · press enter to return",
            background=background.rgb,
            foreground=foreground.rgb,
            color_system=self.console.color_system or "truecolor",
        )
        try:
            with self.suspend():
                view.run(sys.stdout, sys.stdin)
        except SuspendNotSupported:
            self.notify("the full-size view needs a real terminal", severity="warning")

    def open_image(self, image_id: str) -> None:
        self.pending_image = image_id
        self.switch_mode("gallery")

    async def on_unmount(self) -> None:
        if self.link.has_client:
            await self.link.client.close()
