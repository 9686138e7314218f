"""Which checkpoint is in memory, what loading one costs, and how often the model had to change."""

from __future__ import annotations

import asyncio

from .controls import RuntimeControls


class LoadedModels:
    def __init__(self, controls: RuntimeControls):
        self.controls = controls
        self.last_checkpoint: str | None = None
        self.loads = 0
        self.switches = 0

    async def load_checkpoint(self, name: str) -> None:
        """Runs whenever CheckpointLoaderSimple actually executes (its output was not cached): a disk load."""
        self.loads += 1
        if self.last_checkpoint is not None and name != self.last_checkpoint:
            self.switches += 1
        self.last_checkpoint = name
        if self.controls.load_time > 0:
            await asyncio.sleep(self.controls.load_time)
