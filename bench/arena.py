"""Arena figures: the leaderboard over 100,000 votes, and what a 3-model comparison costs in wall time on one
ComfyUI server and on three (the test double, with a real worker driving it).

  leaderboard_s            bench/arena_leaderboard.py's figure: 100,000 votes among 20 presets to the finished
                           leaderboard with 200 bootstrap rounds (median of 5).
  generation_s_<model>     one warm generation of each model alone (checkpoint already loaded), median of 3.
  one_server_s             wall time of a 3-model comparison on one server, from `compare` to the last panel's
                           image; one_server_budget_s = the sum of the three generations plus one checkpoint load
                           per model, one_server_ratio = one_server_s / one_server_budget_s (target <= ~1.1);
                           one_server_switches = checkpoint switches the double counted during it (target <= 3).
  three_server_s           the same comparison with three servers; three_server_budget_s = the slowest single
                           generation plus one load; three_server_ratio = three_server_s / three_server_budget_s.

Each prompt is STEPS steps of STEP_S on the double, and a checkpoint load costs LOAD_S.

    python bench/arena.py [--json] [--skip-leaderboard]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from arena_leaderboard import measure_leaderboard
from comfyui import CHECKPOINTS, Rig, wait_usable

from dgx_pixels_worker import event_loop

from _harness import median, report

STEPS, STEP_S, LOAD_S = 8, 0.05, 0.3
MODELS = [c.split(".")[0] for c in CHECKPOINTS]


async def compare_once(client, prompt: str) -> float:
    began = time.perf_counter()
    comparison = await client.compare(prompt, MODELS, seed=1, width=64, height=64, steps=STEPS, use_cache=False)
    while not comparison.state.terminal:
        await asyncio.sleep(0.01)
        comparison = await client.comparison(comparison.id)
    if comparison.state.value != "completed":
        raise RuntimeError(f"comparison {comparison.id} ended {comparison.state.value}")
    return time.perf_counter() - began


async def generate_once(client, model: str, seed: int) -> float:
    began = time.perf_counter()
    job = await client.generate(f"warm {model}", model=model, width=64, height=64, steps=STEPS, seed=seed)
    while not job.state.terminal:
        await asyncio.sleep(0.01)
        job = await client.job(job.id)
    return time.perf_counter() - began


def timed_rig(servers: int) -> Rig:
    """`servers` doubles at STEP_S per step and LOAD_S per checkpoint load, and a worker driving them."""
    rig = Rig(servers, models_dir=True)
    for double in rig.doubles:
        double.control(step_time=STEP_S, load_time=LOAD_S)
    return rig


async def comparisons() -> dict[str, float]:
    figures: dict[str, float] = {}
    rig = timed_rig(1)
    try:
        async with rig.worker.client() as client:
            await wait_usable(client, MODELS)
            for model in MODELS:
                await generate_once(client, model, 0)  # load it
                figures[f"generation_s_{model}"] = median([await generate_once(client, model, n) for n in (1, 2, 3)])
            before = rig.doubles[0].stats()["checkpoint_switches"]
            figures["one_server_s"] = await compare_once(client, "three models, one server")
            figures["one_server_switches"] = float(rig.doubles[0].stats()["checkpoint_switches"] - before)
    finally:
        rig.close()
    singles = [figures[f"generation_s_{model}"] for model in MODELS]
    figures["one_server_budget_s"] = sum(singles) + LOAD_S * len(MODELS)
    figures["one_server_ratio"] = figures["one_server_s"] / figures["one_server_budget_s"]
    rig = timed_rig(3)
    try:
        async with rig.worker.client() as client:
            await wait_usable(client, MODELS)
            figures["three_server_s"] = await compare_once(client, "three models, three servers")
    finally:
        rig.close()
    figures["three_server_budget_s"] = max(singles) + LOAD_S
    figures["three_server_ratio"] = figures["three_server_s"] / figures["three_server_budget_s"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-leaderboard", action="store_true")
    args = parser.parse_args()
    figures = {} if args.skip_leaderboard else {"leaderboard_s": measure_leaderboard()["leaderboard_s"]}
    figures.update(event_loop.run(comparisons()))
    report(
        "bench/arena.py",
        figures,
        {
            "leaderboard_s": "target <= 1",
            "one_server_ratio": "close to 1",
            "one_server_switches": "target <= 3",
            "three_server_ratio": "close to 1",
        },
        args.json,
    )


if __name__ == "__main__":
    main()
