"""The server's way to the worker: the address from the usual settings, a local worker started when none listens
(as other commands do), and one client for every tool call. Nothing here writes to stdout, the MCP transport."""

from __future__ import annotations

import argparse
import sys

import anyio.to_thread

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.settings.config import ConfigError, Settings

from ..connection import ensure_worker, load
from .results import ToolFailure

CLIENT_NAME = "dgx-pixels-mcp"


def note(message: str) -> None:
    """A line for whoever reads the server's log (the assistant's MCP log): stderr, never stdout."""
    print(f"dgx-pixels mcp: {message}", file=sys.stderr, flush=True)


class WorkerAccess:
    """Reaches the worker lazily: the server starts without it, and a worker that is down fails only the tool
    call that needs it (WorkerError saying how to start one); the next call tries again. So does a configuration
    that cannot be read: each call says what is wrong with it until it is fixed, with no restart."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self._settings: Settings | None = None
        self._client: AsyncClient | None = None
        self._key_noted = False

    @property
    def settings(self) -> Settings:
        """The settings, read on first use; ToolFailure saying what to fix when they cannot be."""
        if self._settings is None:
            try:
                self._settings = load(self.args)
            except ConfigError as exc:
                raise ToolFailure(f"{exc}; the next call reads the configuration again") from None
        return self._settings

    async def client(self) -> AsyncClient:
        # Asked on every call, so a worker that stopped meanwhile is started again (when spawning is allowed).
        address = await anyio.to_thread.run_sync(ensure_worker, self.args, self.settings, note)
        if self._client is None:
            self._client = AsyncClient.from_settings(self.settings, address, name=CLIENT_NAME)
            if getattr(self.args, "timeout", None):
                self._client.timeout = self.args.timeout
        self._note_new_key()
        return self._client

    def _note_new_key(self) -> None:
        """Say once that the first request made this machine's key pair, and where its public half is."""
        credentials = self._client.credentials if self._client is not None else None
        if credentials is not None and credentials.created is not None and not self._key_noted:
            self._key_noted = True
            note(f"made your key pair; your public key is {credentials.created}")

    async def close(self) -> None:
        if self._client is None:
            return
        self._note_new_key()
        await self._client.close()
        self._client = None
