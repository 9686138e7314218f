"""`dgx-pixels queue [--watch]`: the queue as a table, once or live."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import AsyncIterator

from rich.console import Group
from rich.live import Live
from rich.text import Text

from dgx_pixels_worker.client import AsyncClient, Event, Snapshot, Stalled
from dgx_pixels_worker.client.queue_mirror import QueueMirror
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_OK, dump, print_json, run_client
from ..terminal_format import console, job_table, step_text


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
            return EXIT_OK
        if not sys.stdout.isatty():
            return await watch_lines(stream, mirror, args.limit)
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


PROGRESS_LINE_S = 1.0  # a running job's progress line is printed at most this often when piped


async def watch_lines(stream: AsyncIterator[Snapshot | Stalled | Event], mirror: QueueMirror, limit: int) -> int:
    """`queue --watch` into a pipe or file: plain lines, each written out at once. The queue as a table (at most
    `limit` rows) on connecting and on each resynchronisation, then a line whenever a job changes state, and a
    running job's progress at most once a second."""
    shown: dict[str, tuple[str, float]] = {}  # job id -> (state, when its line was printed)
    out = console()
    async for item in stream:
        changed_id = mirror.apply(item)
        if isinstance(item, Stalled):
            print(f"{_clock()} no word from the worker for {item.silent_s:.0f}s+", flush=True)
            continue
        if isinstance(item, Snapshot):
            jobs = mirror.ordered()
            print(f"{_clock()} queue ({item.reason}): {len(jobs)} job(s)", flush=True)
            if jobs:
                out.print(job_table(jobs[:limit]), soft_wrap=True)
            sys.stdout.flush()
            shown = {job.id: (job.state.value, time.monotonic()) for job in jobs}
            continue
        job = mirror.jobs.get(changed_id) if changed_id else None
        if job is None:
            continue
        state, printed_at = shown.get(job.id, ("", 0.0))
        if job.state.value != state or (
            job.state.value == "running" and time.monotonic() - printed_at >= PROGRESS_LINE_S
        ):
            print(f"{_clock()} {_job_line(job)}", flush=True)
            shown[job.id] = (job.state.value, time.monotonic())
    return EXIT_OK


def _job_line(job: m.JobInfo) -> str:
    if job.state.value == "running":
        where = step_text(job.image_index, job.count, job.step, job.total, job.stage) if job.total else "started"
        detail = f"{job.progress * 100:.0f}% {where}"
    elif job.state.value == "failed" and job.error:
        detail = job.error.message
    else:
        detail = f"{len(job.images)} image(s)" if job.state.terminal else ""
    prompt = " ".join(job.prompt.split())[:60]
    return f"{job.id} {job.state.value} {detail} · {job.model} {job.width}x{job.height} · {prompt}".replace("  ", " ")


def _clock() -> str:
    return time.strftime("%H:%M:%S")
