"""`dgx-pixels worker` (run the daemon) and `dgx-pixels worker stop`."""

from __future__ import annotations

import argparse
import asyncio
import time

from dgx_pixels_worker import daemon
from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.client.spawn import listening
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_FAILED, EXIT_OK, err, run_client

STOP_WAIT_S = 30.0


def main(args: argparse.Namespace) -> int:
    if args.action == "run":
        return daemon.run(args)
    return stop(args)


def stop(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        if not listening(client.address):
            print(f"no worker is running at {client.address}")
            return EXIT_OK
        status = await client.status()
        await client.shutdown("dgx-pixels worker stop")
        deadline = time.monotonic() + STOP_WAIT_S
        while listening(client.address):
            if time.monotonic() > deadline:
                err(f"the worker (pid {status.pid}) is still finishing its jobs; it stops when they are done")
                return EXIT_FAILED
            await asyncio.sleep(0.1)
        print(f"worker stopped (pid {status.pid})")
        return EXIT_OK

    return run_client(args, body, spawn=False)
