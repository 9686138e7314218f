"""GPU figures from NVML, including a GB10 whose memory queries fail, and from ComfyUI's /system_stats."""

import sys
import types

from dgx_pixels_worker.backends.gpu_metrics import NvmlReader, from_system_stats, system_memory


def fake_nvml(memory_fails: bool) -> types.ModuleType:
    nvml = types.ModuleType("pynvml")

    class NVMLError(Exception):
        pass

    nvml.NVMLError = NVMLError
    nvml.nvmlInit = lambda: None
    nvml.nvmlDeviceGetCount = lambda: 1
    nvml.nvmlDeviceGetHandleByIndex = lambda i: object()
    nvml.nvmlDeviceGetName = lambda h: b"NVIDIA GB10"
    nvml.nvmlDeviceGetUtilizationRates = lambda h: types.SimpleNamespace(gpu=87)

    def memory(handle):
        if memory_fails:
            raise NVMLError("Not Supported")
        return types.SimpleNamespace(used=3 * 2**30, total=24 * 2**30)

    nvml.nvmlDeviceGetMemoryInfo = memory
    return nvml


def test_gb10_reports_unified_system_memory_and_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(memory_fails=True))
    [gpu] = NvmlReader().read()
    _, total = system_memory()
    assert (gpu.name, gpu.utilization, gpu.unified_memory, gpu.memory_total) == ("NVIDIA GB10", 87.0, True, total)
    assert "unified memory" in gpu.note and 0 < gpu.memory_used <= total


def test_a_discrete_gpu_reports_its_own_memory(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(memory_fails=False))
    [gpu] = NvmlReader().read()
    assert (gpu.memory_used, gpu.memory_total, gpu.unified_memory, gpu.note) == (3 * 2**30, 24 * 2**30, False, "")


def test_without_nvml_there_is_nothing_local(monkeypatch):
    broken = types.ModuleType("pynvml")

    def no_driver():
        raise OSError("libnvidia-ml.so.1: cannot open shared object file")

    broken.nvmlInit = no_driver
    monkeypatch.setitem(sys.modules, "pynvml", broken)
    reader = NvmlReader()
    assert not reader.available and reader.read() == []


def test_comfyui_system_stats_devices():
    stats = {
        "devices": [
            {"name": "cuda:0 NVIDIA RTX 4090", "type": "cuda", "vram_total": 100, "vram_free": 40},
            {"name": "cpu", "type": "cpu", "vram_total": 50, "vram_free": 10},
        ]
    }
    gpu, cpu = from_system_stats("gpu1", stats)
    assert (gpu.source, gpu.memory_used, gpu.memory_total, gpu.unified_memory) == ("comfyui:gpu1", 60, 100, False)
    assert cpu.unified_memory and "system RAM" in cpu.note
