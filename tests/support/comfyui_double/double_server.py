"""Everything one simulated server holds in memory, wired together (ComfyUI's PromptServer + worker state)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .controls import RuntimeControls
from .directories import ServerDirectories
from .executor import PromptExecutor
from .loaded_models import LoadedModels
from .node_catalog import build_node_catalog
from .node_types import NodeDef
from .options import DoubleOptions
from .prompt_queue import PromptQueue
from .server_stats import ServerStats
from .websocket_hub import SocketHub

MAX_UPLOAD_SIZE = 100 * 1024 * 1024  # --max-upload-size 100 (MB)


def server_features() -> dict:
    return {"supports_preview_metadata": True, "max_upload_size": MAX_UPLOAD_SIZE}


@dataclass
class DoubleServer:
    options: DoubleOptions
    dirs: ServerDirectories
    catalog: dict[str, NodeDef]
    controls: RuntimeControls
    models: LoadedModels
    hub: SocketHub
    queue: PromptQueue
    executor: PromptExecutor
    stats: ServerStats = field(default_factory=ServerStats)
    number: int = 0  # POST /prompt counter; also advances for rejected prompts

    @classmethod
    def create(cls, options: DoubleOptions) -> DoubleServer:
        base = options.base_dir or Path(tempfile.mkdtemp(prefix="comfyui-double-"))
        dirs = ServerDirectories.prepare(options, base)
        catalog = build_node_catalog(dirs, training=options.training_nodes)
        controls = RuntimeControls(step_time=options.step_time, load_time=options.load_time)
        models = LoadedModels(controls)
        hub = SocketHub()
        queue = PromptQueue(on_update=lambda: hub.send_sync("status", {"status": queue_info(queue)}))
        executor = PromptExecutor(
            catalog,
            hub,
            dirs,
            controls,
            models,
            options.previews_enabled,
            per_prompt_preview_method=options.per_prompt_preview_method,
        )
        return cls(options, dirs, catalog, controls, models, hub, queue, executor)

    def queue_info(self) -> dict:
        return queue_info(self.queue)


def queue_info(queue: PromptQueue) -> dict:
    return {"exec_info": {"queue_remaining": queue.get_tasks_remaining()}}
