"""What a simulated node may touch while it runs; built by the executor for each node execution."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .binary_frames import PreviewImage
from .controls import RuntimeControls
from .directories import ServerDirectories
from .loaded_models import LoadedModels

ProgressHook = Callable[[int, int, "PreviewImage | None"], Awaitable[None]]


@dataclass
class NodeContext:
    prompt_id: str
    node_id: str
    dirs: ServerDirectories
    controls: RuntimeControls
    models: LoadedModels
    previews_enabled: bool
    report_progress: ProgressHook  # ComfyUI's progress-bar hook: interrupt check, progress_state, progress, previews
    send_progress_text: Callable[[str, str], None]
    hidden: dict[str, Any] = field(default_factory=dict)  # V3 hidden inputs (unique_id, prompt, ...)

    async def work(self, seconds: float) -> None:
        """Spend `seconds` computing; a stalled server computes nothing until the stall is cleared."""
        await self.controls.wait_while_stalled()
        if seconds > 0:
            await asyncio.sleep(seconds)


def model_not_found(folder: str, filename: str) -> FileNotFoundError:
    return FileNotFoundError(f"Model in folder '{folder}' with filename '{filename}' not found.")
