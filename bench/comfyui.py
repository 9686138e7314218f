"""ComfyUI figures against the test double: how busy one server is kept, what a second server adds, how many
checkpoint switches a mixed queue costs, and how long a preview takes from server to client.

    python bench/comfyui.py [--json] [--jobs 100]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from dgx_pixels_worker import event_loop
from dgx_pixels_worker.client import Event
from dgx_pixels_worker.protocol import messages as m

from _harness import percentile, report

from tests.support.comfyui_double.process import ComfyUIDouble
from tests.support.worker_process import WorkerProcess

PROMPT_S = 0.2  # each prompt samples STEPS steps of STEP_S: the fixed 200 ms per prompt
STEPS, STEP_S = 4, 0.05
CHECKPOINTS = ["ckpt-a.safetensors", "ckpt-b.safetensors", "ckpt-c.safetensors"]


def worker_config(doubles: list[ComfyUIDouble], models_dir: Path | None = None) -> str:
    text = "[worker]\nheartbeat_s = 1.0\nprogress_interval_s = 0.0\npreview_interval_s = 0.0\n"
    if models_dir:
        text += f'models_dirs = ["{models_dir}"]\n'
    for n, double in enumerate(doubles, start=1):
        text += f'\n[[backends]]\nname = "gpu{n}"\nurl = "{double.url}"\nhealth_interval_s = 0.5\n'
    return text


def presets_dir(root: Path) -> Path:
    directory = root / "models"
    directory.mkdir(parents=True, exist_ok=True)
    for checkpoint in CHECKPOINTS:
        name = checkpoint.split(".")[0]
        (directory / f"{name}.toml").write_text(f'checkpoint = "{checkpoint}"\n[defaults]\nwidth = 64\nheight = 64\n')
    return directory


class Rig:
    """N doubles and one worker driving them, all real processes on loopback."""

    def __init__(self, servers: int, *, previews: bool = False, models_dir: bool = False):
        self.root = Path(tempfile.mkdtemp(prefix="dgx-bench-comfy-"))
        self.doubles = [
            ComfyUIDouble(
                self.root / f"gpu{n}",
                step_time=STEP_S,
                checkpoints=["sd_xl_base_1.0.safetensors", *CHECKPOINTS],
                preview_method="latent2rgb" if previews else "none",
            ).start()
            for n in range(1, servers + 1)
        ]
        config = worker_config(self.doubles, presets_dir(self.root) if models_dir else None)
        self.worker = WorkerProcess(self.root / "worker", config=config).start()

    def close(self) -> None:
        self.worker.terminate()
        for double in self.doubles:
            double.kill()


async def wait_usable(client, models: list[str]) -> None:
    while True:
        usable = {x.name for x in await client.models() if x.available}
        if usable >= set(models):
            return
        await asyncio.sleep(0.1)


async def run_jobs(rig: Rig, models: list[str], count: int, *, stall: bool = False, previews: bool = False):
    """Submit `count` jobs cycling over `models`; return (wall seconds, jobs, preview arrival times by job)."""
    async with rig.worker.client() as client:
        await wait_usable(client, models)
        stream = client.events(previews=previews)
        await anext(stream)
        for double in rig.doubles if stall else []:
            double.control(stall=True)
        began = time.perf_counter()
        ids = [
            (
                await client.generate(
                    f"sprite {n}",
                    model=models[n % len(models)],
                    width=64,
                    height=64,
                    steps=20 if previews else STEPS,
                    seed=n,
                )
            ).id
            for n in range(count)
        ]
        for double in rig.doubles if stall else []:
            double.control(stall=False)
        remaining, jobs, arrivals = set(ids), {}, {}
        async for item in stream:
            if not isinstance(item, Event):
                continue
            if item.topic == "preview":
                arrivals.setdefault(item.body.job_id, []).append(time.time())
            elif item.topic in m.TERMINAL_EVENTS and item.body.job.id in remaining:
                remaining.discard(item.body.job.id)
                jobs[item.body.job.id] = item.body.job
                if not remaining:
                    break
        wall = time.perf_counter() - began
        failed = [j for j in jobs.values() if j.state is not m.JobState.COMPLETED]
        if failed:
            raise RuntimeError(f"{len(failed)} job(s) failed, e.g. {failed[0].error}")
        prompt_ids = {
            j.id: (await client.image(j.images[0], include_bytes=False)).image.params["prompt_id"]
            for j in jobs.values()
        }
        await stream.aclose()
    return wall, jobs, arrivals, prompt_ids


async def busy_and_speedup(count: int) -> dict[str, float]:
    one = Rig(1)
    try:
        wall_one, *_ = await run_jobs(one, ["sdxl-base"], count)
        runs = one.doubles[0].stats()["runs"]
        span = max(r["finished"] for r in runs) - min(r["started"] for r in runs)
        busy = one.doubles[0].stats()["busy_seconds"] / span
    finally:
        one.close()
    two = Rig(2)
    try:
        wall_two, *_ = await run_jobs(two, ["sdxl-base"], count)
    finally:
        two.close()
    return {
        "busy_ratio": busy,
        "one_server_s": wall_one,
        "two_server_s": wall_two,
        "two_server_speedup": wall_one / wall_two,
    }


async def switches() -> dict[str, float]:
    models = [c.split(".")[0] for c in CHECKPOINTS]
    figures = {}
    for servers in (1, 2):
        rig = Rig(servers, models_dir=True)
        try:
            await run_jobs(rig, models, 36, stall=True)
            figures[f"switches_{servers}_servers"] = max(d.stats()["checkpoint_switches"] for d in rig.doubles)
        finally:
            rig.close()
    figures["switches_per_server"] = max(figures.values())
    return figures


async def preview_latency() -> dict[str, float]:
    rig = Rig(1, previews=True)
    try:
        _, _, arrivals, prompt_ids = await run_jobs(rig, ["sdxl-base"], 10, previews=True)
        sent: dict[str, list[float]] = {}
        for prompt_id, at in rig.doubles[0].stats()["preview_sent_at"]:
            sent.setdefault(prompt_id, []).append(at)
    finally:
        rig.close()
    latencies = []
    for job_id, received in arrivals.items():
        for left, arrived in zip(sent.get(prompt_ids[job_id], []), received, strict=False):  # previews may be lost
            latencies.append((arrived - left) * 1000)
    return {
        "preview_p50_ms": percentile(latencies, 50),
        "preview_p95_ms": percentile(latencies, 95),
        "preview_samples": float(len(latencies)),
    }


async def measure(count: int) -> dict[str, float]:
    figures = await busy_and_speedup(count)
    figures.update(await switches())
    figures.update(await preview_latency())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--jobs", type=int, default=100)
    args = parser.parse_args()
    figures = event_loop.run(measure(args.jobs))
    report(
        "bench/comfyui.py",
        figures,
        {
            "busy_ratio": "target >= 0.97",
            "two_server_speedup": "target >= 1.9",
            "switches_per_server": "target <= 3",
            "preview_p95_ms": "target <= 20",
        },
        args.json,
    )


if __name__ == "__main__":
    main()
