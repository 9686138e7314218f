"""What the TUI does once its first frame is on screen: load the settings, reach or start a worker, make a client.

Plain Python, no Textual. The slow parts (settings, probing, spawning) run in a thread so the app keeps
drawing; the client is made on the app's event loop, which its sockets belong to.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .palette_lock import palette_to_send

if TYPE_CHECKING:
    from dgx_pixels_worker.client import WorkerClient
    from dgx_pixels_worker.settings.config import LintSettings, Settings


@dataclass(frozen=True)
class Opened:
    client: WorkerClient
    notice: str  # e.g. "started a local worker at ..."; empty when there is nothing to tell
    palette: str | list[str] | None = None  # what every generation locks to ([project] palette), read from its file
    lint: LintSettings | None = None  # the thresholds of the quality checks ([lint])


class StartupError(Exception):
    """The TUI cannot start: `message` says what to do, `exit_code` is the command's exit status."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class WorkerOpener:
    """Opens the connection the command-line arguments ask for."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    async def open(self) -> Opened:
        from dgx_pixels_worker.client import AsyncClient

        settings, address, notice = await asyncio.to_thread(self._reach_worker)
        try:
            palette = palette_to_send(None, settings.project.palette)
        except ValueError as exc:
            palette, notice = None, f"{notice} {exc}; images are not locked to a palette".strip()
        client = AsyncClient.from_settings(settings, address, name="dgx-pixels-tui")
        return Opened(client, notice, palette, settings.lint)

    def _reach_worker(self) -> tuple[Settings, str, str]:
        from dgx_pixels_worker.client.spawn import SpawnError
        from dgx_pixels_worker.protocol import WorkerError
        from dgx_pixels_worker.settings.config import ConfigError

        from .connection import ensure_worker, load
        from .exit_codes import EXIT_UNREACHABLE, EXIT_USAGE

        try:
            settings = load(self.args)
        except ConfigError as exc:
            raise StartupError(str(exc), EXIT_USAGE) from exc
        notices: list[str] = []
        if settings.security.enabled:
            from dgx_pixels_worker.access.keys import CLIENT, KeyProblem, key_pair, key_paths

            keys_dir = settings.security.resolved_keys_dir()
            try:
                if key_pair(keys_dir, CLIENT)[1]:
                    notices.append(f"made your key pair; your public key is {key_paths(keys_dir, CLIENT)[0]}.")
            except KeyProblem as exc:
                raise StartupError(str(exc), EXIT_USAGE) from exc
        try:
            address = ensure_worker(self.args, settings, report=notices.append)
        except (SpawnError, WorkerError) as exc:
            raise StartupError(str(exc.message if isinstance(exc, WorkerError) else exc), EXIT_UNREACHABLE) from exc
        return settings, address, " ".join(notices)
