"""`dgx-pixels status`: the worker's health, queue, throughput, backends and GPUs."""

from __future__ import annotations

import argparse

from rich.markup import escape

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_OK, dump, print_json, run_client
from ..terminal_format import console, duration


def status(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        reply = await client.status()
        if args.json:
            print_json(dump(reply))
            return EXIT_OK
        out = console()
        out.print(
            f"[bold]worker[/] {reply.worker_version} at {client.address}, pid {reply.pid}, "
            f"up {duration(reply.uptime_s)}"
        )
        out.print(f"data     {reply.data_dir}")
        q = reply.queue
        out.print(
            f"queue    {q['running']} running, {q['queued']} queued; "
            f"{q['completed']} completed, {q['failed']} failed, {q['cancelled']} cancelled in all"
        )
        if reply.paused:
            out.print(f"[bold yellow]paused[/]   {escape(reply.paused.message)}", highlight=False)
        t = reply.throughput
        out.print(f"last min {t.jobs_per_min:.0f} jobs, {t.images_per_min:.0f} images")
        for backend in reply.backends:
            health = "[green]healthy[/]" if backend.healthy else "[red]down[/]"
            out.print(
                f"backend  {backend.name} ({backend.kind}) {health} {backend.running}/{backend.slots} busy  "
                f"{backend.detail}"
            )
        for gpu in reply.gpus:
            busy = f"{gpu.utilization:.0f}% busy, " if gpu.utilization is not None else ""
            memory = f"{gpu.memory_used / 2**30:.1f}/{gpu.memory_total / 2**30:.1f} GiB"
            kind = " unified memory" if gpu.unified_memory else ""
            out.print(
                f"gpu      {gpu.name} ({gpu.source}): {busy}{memory}{kind}"
                + (f" [dim]({gpu.note})[/]" if gpu.note else "")
            )
        if reply.procedural_only:
            out.print(f"[yellow]{escape(procedural_why(reply.backends))}[/]")
        return EXIT_OK

    return run_client(args, body)


def procedural_why(backends: list[m.BackendInfo]) -> str:
    """Why sprites come from the procedural generator: no ComfyUI server in use, or the ones in use are down."""
    down = [backend for backend in backends if backend.kind == "comfyui" and not backend.healthy]
    if not down:
        return (
            "no ComfyUI server in use: sprites come from the procedural generator (offline, not AI); "
            "`dgx-pixels models` says why each preset cannot run"
        )
    servers = "; ".join(f"{backend.name} is down ({backend.detail})" for backend in down)
    return f"ComfyUI {servers}: sprites come from the procedural generator (offline, not AI) until one is back"
