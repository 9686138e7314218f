"""Pipeline figures: 1,000 queued 32x32 procedural jobs end to end, and the worker's own overhead per job.

Overhead per job = the time between two consecutive completions minus the time spent inside the backend,
over the jobs that finish after every submission has been answered (the queue is then saturated and
nothing else competes). It covers picking, the store, PNG encoding, file writes and events.

    python bench/pipeline.py [--json] [--jobs N]
"""

from __future__ import annotations

import argparse
import itertools
import time

from dgx_pixels_worker import event_loop
from dgx_pixels_worker.client import Event
from dgx_pixels_worker.protocol import messages as m

from _harness import median, percentile, report, start_worker

CONFIG = """
[worker]
heartbeat_s = 1.0
[procedural]
step_delay_s = 0.0
"""


async def measure(count: int) -> dict[str, float]:
    worker = start_worker(CONFIG)
    try:
        async with worker.client() as client:
            stream = client.events()
            await anext(stream)
            began = time.perf_counter()
            ids = []
            for n in range(count):
                job = await client.generate(f"knight {n % 17}", seed=n, width=32, height=32)
                ids.append(job.id)
            submitted, submitted_wall = time.perf_counter(), time.time()
            remaining, finished = set(ids), {}
            async for item in stream:
                if isinstance(item, Event) and item.topic in m.TERMINAL_EVENTS and item.body.job.id in remaining:
                    remaining.discard(item.body.job.id)
                    finished[item.body.job.id] = item.body.job
                    if not remaining:
                        break
            done = time.perf_counter()
            await stream.aclose()
        jobs = sorted(finished.values(), key=lambda j: j.finished_at)
        failed = sum(j.state is not m.JobState.COMPLETED for j in jobs)
        overheads = [
            (b.finished_at - a.finished_at) * 1000 - b.backend_ms
            for a, b in itertools.pairwise(jobs)
            if a.finished_at >= submitted_wall
        ]
        backend = [j.backend_ms for j in jobs]
        return {
            "jobs": float(count),
            "failed": float(failed),
            "jobs_per_s": count / (done - began),
            "submit_per_s": count / (submitted - began),
            "backend_p50_ms": median(backend),
            "overhead_p50_ms": median(overheads) if overheads else float("nan"),
            "overhead_p90_ms": percentile(overheads, 90) if overheads else float("nan"),
            "overhead_samples": float(len(overheads)),
        }
    finally:
        worker.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args()
    figures = event_loop.run(measure(args.jobs))
    report("bench/pipeline.py", figures, {"overhead_p50_ms": "target <= 2", "failed": "target 0"}, args.json)


if __name__ == "__main__":
    main()
