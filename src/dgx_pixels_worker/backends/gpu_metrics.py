"""GPU figures for `status`: NVML where it loads, each ComfyUI server's /system_stats otherwise.

On a DGX Spark (GB10) the GPU shares the system's memory and NVML's memory queries fail; the figures shown
are then the system's unified memory, and say so.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..protocol.messages import GpuInfo

log = logging.getLogger(__name__)
UNIFIED_NOTE = "unified memory shared with the CPU (NVML reports no GPU memory here): system figures shown"


class NvmlReader:
    """Reads local GPUs through NVML; `available` is False on machines without an NVIDIA driver."""

    def __init__(self) -> None:
        self.available = False
        try:
            import pynvml

            pynvml.nvmlInit()
            self._nvml = pynvml
            self.available = True
        except Exception as exc:  # no package, no driver, no device: all mean "no local NVML"
            log.debug("NVML not available: %s", exc)

    def read(self) -> list[GpuInfo]:
        if not self.available:
            return []
        nvml = self._nvml
        gpus = []
        for index in range(nvml.nvmlDeviceGetCount()):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            name = nvml.nvmlDeviceGetName(handle)
            name = name.decode() if isinstance(name, bytes) else str(name)
            try:
                utilization: float | None = float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu)
            except nvml.NVMLError:
                utilization = None
            try:
                memory = nvml.nvmlDeviceGetMemoryInfo(handle)
                used, total, unified, note = int(memory.used), int(memory.total), False, ""
            except nvml.NVMLError:
                used, total = system_memory()
                unified, note = True, UNIFIED_NOTE
            gpus.append(
                GpuInfo(
                    name=name,
                    source="nvml",
                    utilization=utilization,
                    memory_used=used,
                    memory_total=total,
                    unified_memory=unified,
                    note=note,
                )
            )
        return gpus


def from_system_stats(server: str, stats: dict[str, Any]) -> list[GpuInfo]:
    """A ComfyUI server's devices; on a CPU-only server vram is the RAM, which it also says."""
    gpus = []
    for device in stats.get("devices", []):
        total, free = int(device.get("vram_total") or 0), int(device.get("vram_free") or 0)
        cpu = device.get("type") == "cpu"
        gpus.append(
            GpuInfo(
                name=str(device.get("name", "?")),
                source=f"comfyui:{server}",
                utilization=None,
                memory_used=max(0, total - free),
                memory_total=total,
                unified_memory=cpu,
                note="CPU device: memory is system RAM" if cpu else "",
            )
        )
    return gpus


def system_memory(meminfo: Path = Path("/proc/meminfo")) -> tuple[int, int]:
    """(used, total) bytes of system memory."""
    fields = {}
    for line in meminfo.read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = int(value.split()[0]) * 1024
    total = fields.get("MemTotal", 0)
    return total - fields.get("MemAvailable", total), total
