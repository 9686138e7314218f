"""A blocking face on AsyncClient for scripts and one-shot commands: same methods, no `await`."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from .aio import AsyncClient


class BlockingClient:
    def __init__(self, client: AsyncClient):
        self._loop = asyncio.new_event_loop()
        self._client = client

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        def blocking(*args: Any, **kwargs: Any) -> Any:
            return self._loop.run_until_complete(attr(*args, **kwargs))

        return blocking

    def run(self, function: Callable[[AsyncClient], Any]) -> Any:
        """Run an async function of the client to completion, e.g. one that reads events."""
        return self._loop.run_until_complete(function(self._client))

    def close(self) -> None:
        self._loop.run_until_complete(self._client.close())
        self._loop.close()

    def __enter__(self) -> BlockingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
