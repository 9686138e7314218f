"""GET /system_stats for a --cpu server: the device is the CPU and its 'VRAM' is system RAM, in bytes."""

from __future__ import annotations

import os
import sys

from .options import DoubleOptions


def _memory_bytes() -> tuple[int, int]:
    fields = {}
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            name, _, rest = line.partition(":")
            fields[name] = int(rest.split()[0]) * 1024
    return fields["MemTotal"], fields.get("MemAvailable", fields["MemFree"])


def system_stats(options: DoubleOptions) -> dict:
    ram_total, ram_free = _memory_bytes()
    argv = ["main.py", "--cpu", "--listen", options.host, "--port", str(options.port)]
    if options.preview_method != "none":
        argv += ["--preview-method", options.preview_method]
    return {
        "system": {
            "os": os.name,
            "ram_total": ram_total,
            "ram_free": ram_free,
            "comfyui_version": options.comfyui_version,
            "required_frontend_version": "1.27.10",
            "installed_templates_version": "0.1.95",
            "required_templates_version": "0.1.95",
            "python_version": sys.version,
            "pytorch_version": "2.13.0+cpu",
            "embedded_python": False,
            "argv": argv,
        },
        "devices": [
            {
                "name": "cpu",
                "type": "cpu",
                "index": None,
                "vram_total": ram_total,
                "vram_free": ram_free,
                "torch_vram_total": ram_total,
                "torch_vram_free": ram_free,
            }
        ],
    }
