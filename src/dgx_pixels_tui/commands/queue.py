"""`dgx-pixels queue [--watch]`: the queue as a table, once or live."""

from __future__ import annotations

import argparse
import json

from rich.console import Group
from rich.live import Live
from rich.text import Text

from dgx_pixels_worker.client import AsyncClient, Snapshot, Stalled
from dgx_pixels_worker.client.queue_mirror import QueueMirror
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_OK, dump, print_json, run_client
from ..terminal_format import console, job_table


def main(args: argparse.Namespace) -> int:
    async def once(client: AsyncClient, settings: Settings) -> int:
        reply = await client.jobs(limit=args.limit)
        if args.json:
            print_json({"seq": reply.seq, "epoch": reply.epoch, "jobs": [dump(job) for job in reply.jobs]})
        elif not reply.jobs:
            print("the queue is empty; `dgx-pixels generate PROMPT` adds a job")
        else:
            console().print(job_table(reply.jobs))
        return EXIT_OK

    async def watch(client: AsyncClient, settings: Settings) -> int:
        mirror = QueueMirror()
        note = ""
        stream = client.events()
        if args.json:
            async for item in stream:  # one JSON object per line: snapshots and events
                if isinstance(item, Snapshot):
                    line = {"snapshot": item.reason, "seq": item.seq, "jobs": [dump(j) for j in item.jobs]}
                elif isinstance(item, Stalled):
                    line = {"stalled_s": item.silent_s}
                else:
                    line = {"topic": item.topic, "seq": item.seq, "body": dump(item.body)}
                print(json.dumps(line), flush=True)
        with Live(console=console(), auto_refresh=False) as live:
            async for item in stream:
                if isinstance(item, Stalled):
                    note = f"[yellow]no word from the worker for {item.silent_s:.0f}s+; showing the last known queue[/]"
                elif isinstance(item, Snapshot) or note:
                    note = (
                        ""
                        if not isinstance(item, Snapshot) or item.reason == "connected"
                        else f"resynchronised ({item.reason})"
                    )
                mirror.apply(item)
                live.update(Group(job_table(mirror.ordered()[: args.limit]), Text.from_markup(note)), refresh=True)
        return EXIT_OK

    return run_client(args, watch if args.watch else once)
