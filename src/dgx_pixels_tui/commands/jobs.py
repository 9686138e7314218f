"""`dgx-pixels cancel JOB` and `dgx-pixels retry JOB`: acting on one job of the queue."""

from __future__ import annotations

import argparse
import asyncio
import time

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_OK, dump, print_json, run_client

CONFIRM_S = 10.0


def cancel(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        job = await client.cancel(args.job)
        deadline = time.monotonic() + CONFIRM_S
        while not job.state.terminal and time.monotonic() < deadline:  # a running job stops at its next step
            await asyncio.sleep(0.05)
            job = await client.job(job.id)
        if args.json:
            print_json(dump(job))
        elif job.state.terminal:
            print(f"{job.id} {job.state.value}" + (f" ({len(job.images)} image(s) kept)" if job.images else ""))
        else:
            print(f"{job.id} is stopping; `dgx-pixels queue` shows when it has")
        return EXIT_OK

    return run_client(args, body, spawn=False)


def retry(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        job = await client.retry(args.job)
        if args.json:
            print_json(dump(job))
        else:
            print(f"{job.id} queued (retry of {job.retry_of})")
        return EXIT_OK

    return run_client(args, body, spawn=False)
