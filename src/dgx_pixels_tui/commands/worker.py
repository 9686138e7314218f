"""`dgx-pixels worker` (run the daemon) and `dgx-pixels worker stop`."""

from __future__ import annotations

import argparse
import asyncio
import time

from dgx_pixels_worker import daemon
from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.client.spawn import listening
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_FAILED, EXIT_OK, CommandError, fail, print_json, run_client

STOP_WAIT_S = 30.0


def main(args: argparse.Namespace) -> int:
    if args.action == "run":
        if args.json:
            return fail(args, "--json is for `dgx-pixels worker stop`; the worker itself logs plain lines")
        return daemon.run(args)
    return stop(args)


def stop(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        if not listening(client.address):
            if args.json:
                print_json({"stopped": False, "address": client.address, "pid": None})
            else:
                print(f"no worker is running at {client.address}")
            return EXIT_OK
        status = await client.status()
        await client.shutdown("dgx-pixels worker stop")
        deadline = time.monotonic() + STOP_WAIT_S
        while listening(client.address):
            if time.monotonic() > deadline:
                raise CommandError(
                    f"the worker (pid {status.pid}) is still finishing its jobs; it stops when they are done",
                    "still_running",
                    {"pid": status.pid},
                    EXIT_FAILED,
                )
            await asyncio.sleep(0.1)
        if args.json:
            print_json({"stopped": True, "address": client.address, "pid": status.pid})
        else:
            print(f"worker stopped (pid {status.pid})")
        return EXIT_OK

    return run_client(args, body, spawn=False)
