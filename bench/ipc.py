"""IPC figures: ping round trip through the client library, with the default CurveZMQ security and, in the
same run, with security off; event throughput to one subscriber; idle RSS.

python bench/ipc.py [--json] [--pings N] [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from dgx_pixels_worker import event_loop
from dgx_pixels_worker.client import Event, Snapshot

from _harness import median, percentile, report, rss_mb, start_worker

CONFIG = """
[worker]
heartbeat_s = 1.0
test_events = true
"""


async def ping_times(client, count: int) -> list[float]:
    for _ in range(200):
        await client.ping()
    times = []
    for _ in range(count):
        began = time.perf_counter()
        await client.ping()
        times.append((time.perf_counter() - began) * 1e6)
    return times


async def event_rate(client, count: int, burst: int = 2000) -> tuple[float, int]:
    """Events per second one subscriber receives through the library's stream, and the number of gaps seen.

    The worker queues at most 2,048 events per subscriber (docs/security.md, Bounds), so they go out in bursts
    that fit, each sent once the last one has arrived: the figure is the delivery rate, not the overflow."""
    stream = client.events()
    await anext(stream)
    await asyncio.sleep(0.3)  # let the subscription reach the worker
    received, gaps, first = 0, 0, None
    while received < count:
        size = min(burst, count - received)
        request = asyncio.create_task(client.request("test_events", {"count": size}, timeout=120))
        got = 0
        async for item in stream:
            if isinstance(item, Snapshot):
                gaps += 1
                break  # events were lost: this burst will not complete
            if isinstance(item, Event) and item.topic == "worker.test":
                first = first or time.perf_counter()
                got += 1
                if got == size:
                    break
        received += got
        await request
    elapsed = time.perf_counter() - first
    await stream.aclose()
    return received / elapsed, gaps


async def alternating_pings(secure, plain, count: int, rounds: int = 10) -> tuple[list[float], list[float]]:
    """Pings to both workers in turns, so both see the same machine load."""
    secure_times: list[float] = []
    plain_times: list[float] = []
    for _ in range(rounds):
        secure_times += await ping_times(secure, count // rounds)
        plain_times += await ping_times(plain, count // rounds)
    return secure_times, plain_times


async def measure(pings: int, events: int) -> dict[str, float]:
    worker = start_worker(CONFIG)
    plain_worker = start_worker(CONFIG + '[security]\ncurve = "off"\n')
    try:
        await asyncio.sleep(2.0)
        idle = rss_mb(worker.process.pid)
        async with worker.client() as client, plain_worker.client(secure=False) as plain:
            times, plain_times = await alternating_pings(client, plain, pings)
            rate, gaps = await event_rate(client, events)
        return {
            "ping_p50_us": median(times),
            "ping_p99_us": percentile(times, 99),
            "ping_p50_plain_us": median(plain_times),
            "security_cost_ratio": median(times) / median(plain_times),
            "events_per_s": rate,
            "event_gaps": float(gaps),
            "idle_rss_mb": idle,
        }
    finally:
        worker.terminate()
        plain_worker.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--pings", type=int, default=5000)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    figures = event_loop.run(measure(args.pings, args.events))
    report(
        "bench/ipc.py",
        figures,
        {
            "ping_p50_us": "target <= 250",
            "ping_p99_us": "target <= 1000",
            "ping_p50_plain_us": "the same worker with [security] curve = off",
            "security_cost_ratio": "target <= 1.3",
            "events_per_s": "target >= 20000",
            "event_gaps": "target 0",
            "idle_rss_mb": "target <= 80",
        },
        args.json,
    )


if __name__ == "__main__":
    main()
