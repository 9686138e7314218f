"""A ComfyUI double with the SDXL base checkpoint and the pixel-art LoRA, and a real worker driving it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.support.comfyui_double.process import ComfyUIDouble
from tests.support.worker_process import WorkerProcess

BASE = "sd_xl_base_1.0.safetensors"
PIXEL_LORA = "pixel-art-xl.safetensors"


def rig_config(url: str, extra: str = "") -> str:
    return (
        "[worker]\nheartbeat_s = 0.2\nprogress_interval_s = 0.0\npreview_interval_s = 0.0\nshutdown_grace_s = 0.2\n"
        f'\n[[backends]]\nname = "gpu1"\nurl = "{url}"\nslots = 2\nhealth_interval_s = 0.3\n{extra}'
    )


@contextlib.contextmanager
def comfyui_rig(root: Path, backend_extra: str = "", **double: Any) -> Iterator[tuple[ComfyUIDouble, WorkerProcess]]:
    """(the double, the worker); both killed on the way out. `backend_extra`: more lines of its [[backends]];
    `double`: options of the double (e.g. an older server's)."""
    gpu = ComfyUIDouble(root / "gpu1", checkpoints=[BASE], loras=[PIXEL_LORA], step_time=0.01, **double).start()
    worker = None
    try:
        worker = WorkerProcess(root / "worker", config=rig_config(gpu.url, backend_extra)).start()
        yield gpu, worker
    finally:
        if worker is not None:
            worker.kill()
        gpu.kill()
