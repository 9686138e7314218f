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
from textual.widget import AwaitMount

from .link import LinkState, LinkUpdate, WorkerLink
from .messages import ConnectionChanged, LinkMessage, PauseChanged, StatusArrived, link_message
from .previews.detect import DetectedMode
from .screens.compare import CompareScreen
from .screens.gallery import GalleryScreen
from .screens.generate import GenerateScreen
from .screens.help import HelpScreen
from .screens.models import ModelsScreen
from .screens.monitor import MonitorScreen
from .screens.queue import QueueScreen
from .screens.train import TrainScreen
from .startup import StartupError, WorkerOpener
from .widgets.connection_bar import SEP

if TYPE_CHECKING:
    from dgx_pixels_worker.client import WorkerClient
    from dgx_pixels_worker.protocol import messages as m
    from dgx_pixels_worker.settings.config import LintSettings


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
        "train": TrainScreen,
        "help": HelpScreen,
    }
    DEFAULT_MODE = "generate"
    # Function keys switch screens: they can never be typed into a prompt by accident. The top line lists them
    # (widgets/screen_tabs.py), which leaves the footer to the keys of the screen shown.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "switch_mode('help')", "Help", show=False),
        Binding("f2", "switch_mode('generate')", "Generate", show=False),
        Binding("f3", "switch_mode('queue')", "Queue", show=False),
        Binding("f4", "switch_mode('gallery')", "Gallery", show=False),
        Binding("f5", "switch_mode('models')", "Models", show=False),
        Binding("f6", "switch_mode('monitor')", "Monitor", show=False),
        Binding("f7", "switch_mode('compare')", "Compare", show=False),
        Binding("f8", "switch_mode('train')", "Train", show=False),
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
        palette: str | list[str] | None = None,
    ) -> None:
        """Give a `client`, or an `opener` that makes one after the first frame (what `dgx-pixels` does)."""
        super().__init__()
        if (client is None) == (opener is None):
            raise ValueError("give a client or an opener")
        self.opener = opener
        self.palette = palette  # every generation and comparison locks to it ([project] palette); None: no lock
        self.lint_limits: LintSettings | None = None  # [lint] thresholds, once the settings are read; None: defaults
        self.preview_mode = preview_mode or DetectedMode("halfblock", "not detected")
        self.link = WorkerLink(client)
        self.notice = notice  # e.g. "started a local worker"
        self.paused: str | None = None  # why the worker's queue is paused, while it is
        self._last_connection: ConnectionChanged | None = None
        self.backends: list[m.BackendInfo] | None = None  # from the newest status event; None: as hello said
        self.procedural_only: bool | None = None
        self.pending_image: str | None = None  # an image another screen asked the gallery to show
        self.pending_comparisons: list[m.ComparisonInfo] = []  # comparisons another screen asked Compare to judge
        self.previous_mode = self.DEFAULT_MODE  # where escape on Help goes back to
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
            self.palette = opened.palette
            self.lint_limits = opened.lint
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
        if self._last_connection is None or message.hello is not self._last_connection.hello:
            self.backends = self.procedural_only = None  # a new greeting: its backends are the newest word
        self._last_connection = message
        self.connection_line = (message.state.value, self._describe(message))

    def on_status_arrived(self, message: StatusArrived) -> None:
        """The worker's periodic status says which backends are up: the top line follows it."""
        self.backends = list(message.status.backends)
        self.procedural_only = message.status.procedural_only
        if self._last_connection is not None:
            self.on_connection_changed(self._last_connection)

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
        """The connection first, then what needs the user's eye, then details: the bar drops parts from the end
        when the terminal is narrow (widgets/connection_bar.py)."""
        if message.state is not LinkState.CONNECTED or message.hello is None:
            return f"⚠ {message.detail}; reconnecting…"
        hello = message.hello
        backends = hello.backends if self.backends is None else self.backends
        procedural_only = hello.procedural_only if self.procedural_only is None else self.procedural_only
        parts = [f"● {message.detail}"]
        if procedural_only:
            parts.append("no ComfyUI reachable: procedural sprites (offline, not AI)")
        down = [b.name for b in backends if not b.healthy]
        if down and not procedural_only:
            parts.append(f"⚠ {', '.join(down)} down (f6 Monitor)")
        if self.paused:
            parts.append("⏸ queue paused (f6 Monitor says why)")
        parts.append(", ".join(f"{b.name} {'✓' if b.healthy else '✗ down'}" for b in backends))
        parts.append(f"worker {hello.worker_version}")
        return SEP.join(parts)

    def switch_mode(self, mode: str) -> AwaitMount:
        if mode != self.current_mode:
            self.previous_mode = self.current_mode
        return super().switch_mode(mode)

    def go_back(self) -> None:
        """To the screen shown before this one (Help's escape)."""
        self.switch_mode(self.previous_mode if self.previous_mode != self.current_mode else self.DEFAULT_MODE)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette lists every screen and every screen's actions, the shown screen's first; an action of
        another screen switches to it, then runs there."""
        from .screens.help import key_name

        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action.startswith("switch_mode"):
                mode = binding.action.split("'")[1]
                yield SystemCommand(
                    f"Go to {binding.description}", f"key {binding.key}", partial(self.switch_mode, mode)
                )
        modes = sorted(self.MODES.items(), key=lambda item: not isinstance(screen, item[1]))  # type: ignore[arg-type]
        for mode, screen_class in modes:
            here = isinstance(screen, screen_class)  # type: ignore[arg-type]
            for binding in vars(screen_class).get("BINDINGS", []):
                if isinstance(binding, Binding) and binding.description:
                    where = mode.capitalize() + ("" if here else f" (goes to {mode.capitalize()})")
                    action = (
                        partial(self.run_action, binding.action, screen)
                        if here
                        else partial(self._run_on, mode, binding.action)
                    )
                    yield SystemCommand(binding.description, f"{where} · key {key_name(binding.key)}", action)

    async def _run_on(self, mode: str, action: str) -> None:
        await self.switch_mode(mode)
        await self.run_action(action, self.screen)

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

    def judge(self, comparisons: list[m.ComparisonInfo]) -> None:
        """Judge these comparisons on the Compare screen, one after another (an evaluation's)."""
        self.pending_comparisons = list(comparisons)
        if isinstance(self.screen, CompareScreen):
            self.screen.judge_pending()
        else:
            self.switch_mode("compare")

    def open_image(self, image_id: str) -> None:
        self.pending_image = image_id
        self.switch_mode("gallery")

    async def on_unmount(self) -> None:
        if self.link.has_client:
            await self.link.client.close()
