"""Shared by the benchmarks: a real worker on free loopback ports, percentiles, and printing figures."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.worker_process import WorkerProcess  # noqa: E402


def start_worker(config: str, env: dict[str, str] | None = None) -> WorkerProcess:
    root = Path(tempfile.mkdtemp(prefix="dgx-bench-"))
    return WorkerProcess(root, config=config, env=env).start()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def report(title: str, figures: dict[str, float], targets: dict[str, str], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures))
        return
    print(title)
    width = max(map(len, figures))
    for key, value in figures.items():
        target = targets.get(key, "")
        print(f"  {key:<{width}}  {value:>12.3f}  {target}")
