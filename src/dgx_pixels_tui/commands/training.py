"""`dgx-pixels train start|list|show|evaluate`: a LoRA trained through ComfyUI from a dataset, its provenance, and
blind comparisons against its base (docs/training.md)."""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dgx_pixels_worker.client import AsyncClient, Event, EventStream, Snapshot, Stalled
from dgx_pixels_worker.protocol import ErrorCode, WorkerError, new_id
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CommandError, dump, err, print_json, run_client
from ..terminal_format import console, duration
from ..training_folder import LocalImage, read_captions, read_folder
from ..training_view import NO_STEPS, problem_advice, size_text, training_progress, verdict_text

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
GIVE_UP_SILENT_S = 60.0
TICK_S = 1.0


# ---------------------------------------------------------------- start


def start(args: argparse.Namespace) -> int:
    if not NAME.match(args.name) or len(args.name) > 48:
        raise CommandError(
            f"{args.name!r}: a preset name is 1-48 lowercase letters, digits, '.', '_' and '-', starting with a "
            "letter or digit, e.g. knights-v1",
            "invalid",
            {"field": "name"},
            EXIT_USAGE,
        )
    if not args.base and not args.like:
        raise CommandError(
            "which checkpoint to train on: give --base PRESET, or --like NAME to train again as NAME was",
            "invalid",
            {"field": "base"},
            EXIT_USAGE,
        )
    captions = captions_given(args.captions)
    local = local_images(args.folder, captions)
    if not (local or args.like or args.images or args.query is not None or args.winners is not None):
        raise CommandError(
            "no dataset: give --folder DIR, --images ID ..., --query TEXT or --winners TAG", "invalid", {}, EXIT_USAGE
        )

    async def body(client: AsyncClient, settings: Settings) -> int:
        like = await one_trained(client, args.like) if args.like else None
        base = args.base or (like.base if like is not None else "")
        await check_base(client, base)
        items: list[dict[str, Any]] = []
        if like is not None:
            items = [{"image": e.image, "caption": e.caption} for e in like.dataset]
        items += [{"image": image, "caption": captions.get(image)} for image in args.images]
        items += await upload_all(client, local, args.json)
        dataset = await client.dataset(items, query=args.query, winners=args.winners)
        if dataset.problems:
            if not args.json:
                console().print(dataset_table(dataset))
            raise CommandError(problem_advice(dataset.problems), "invalid", {"problems": dataset.problems}, EXIT_USAGE)
        stream = client.events() if args.wait else None
        try:
            if stream is not None:
                await anext(stream)  # subscribed before the job exists: no event of it is missed
            job = await client.train(
                args.name,
                base,
                images=[{"image": e.image, "caption": e.caption} for e in dataset.items],
                steps=args.steps or (like.steps if like is not None else None),
                rank=args.rank or (like.rank if like is not None else None),
                learning_rate=args.lr or (like.learning_rate if like is not None else None),
                seed=args.seed if args.seed is not None or like is None else like.seed,
                size=args.size or (like.size if like is not None else None),
                priority=args.priority,
                request_id=new_id(),
            )
            if stream is None:
                if args.json:
                    print_json({"job": dump(job)})
                else:
                    print(job.id)
                    err(f"training {args.name} on {len(dataset.items)} images: watch it with `dgx-pixels queue`")
                return EXIT_OK
            job = await follow_training(client, stream, job, Console(stderr=True))
        finally:
            if stream is not None:
                await stream.aclose()
        return await training_ended(client, job, args.json)

    return run_client(args, body)


def captions_given(path: str | None) -> dict[str, str]:
    try:
        return read_captions(Path(path)) if path else {}
    except ValueError as exc:
        raise CommandError(f"--captions: {exc}", "invalid", {"field": "captions"}, EXIT_USAGE) from None


def local_images(folder: str | None, captions: dict[str, str]) -> list[LocalImage]:
    if not folder:
        return []
    try:
        return read_folder(Path(folder), m.MAX_DATASET, captions)
    except ValueError as exc:
        raise CommandError(f"--folder: {exc}", "invalid", {"field": "folder"}, EXIT_USAGE) from None


async def check_base(client: AsyncClient, base: str) -> None:
    """Refuse, before anything is sent, a base that cannot train: unknown, or not a ComfyUI preset."""
    models = await client.models()
    trainable = [model.name for model in models if model.kind == "comfyui" and model.available]
    choice = (", ".join(trainable) if trainable else "none is usable now: no ComfyUI server is reachable") + (
        " (see `dgx-pixels models`)"
    )
    found = next((model for model in models if model.name == base), None)
    if found is None:
        raise CommandError(f"--base {base}: no such preset; the ComfyUI presets: {choice}", "unknown_model")
    if found.kind != "comfyui":
        raise CommandError(
            f"--base {base}: a {found.kind} style has no checkpoint to train a LoRA on; choose a ComfyUI preset: "
            f"{choice}",
            "invalid",
            {"field": "base"},
        )


async def upload_all(client: AsyncClient, local: list[LocalImage], quiet: bool) -> list[dict[str, Any]]:
    items = []
    for number, image in enumerate(local, 1):
        try:
            reply = await client.upload(image.data)
        except WorkerError as exc:
            raise CommandError(f"{image.path}: {exc.message}", str(exc.code), exc.details) from None
        items.append({"image": reply.image, "caption": image.caption})
        if not quiet and (number == len(local) or number % 10 == 0):
            err(f"sent {number}/{len(local)} images")
    return items


def dataset_table(dataset: m.DatasetReply) -> Table:
    table = Table(title=f"Dataset · {len(dataset.items)} image(s)", title_justify="left")
    for column in ("image", "size", "caption", "problem"):
        table.add_column(column, overflow="fold")
    for entry in dataset.items:
        table.add_row(entry.image, size_text(entry), entry.caption, f"[red]{entry.problem}[/]" if entry.problem else "")
    return table


async def follow_training(client: AsyncClient, stream: EventStream, job: m.JobInfo, out: Console) -> m.JobInfo:
    """The job's stage and time on one live line (the stage changes also as lines of their own) until it ends."""
    out.print(f"{job.id}: training {job.training.name if job.training else ''} · {NO_STEPS}", highlight=False)
    silent_since: float | None = None
    said = ""
    with out.status(training_progress(job, time.time())) as status:

        async def tick() -> None:
            while True:
                status.update(f"{job.id} {training_progress(job, time.time())}")
                await asyncio.sleep(TICK_S)

        ticker = asyncio.ensure_future(tick())
        try:
            while not job.state.terminal:
                item = await anext(stream)
                if isinstance(item, Stalled):
                    if item.answering:
                        out.print(item.advice, style="yellow", markup=False, highlight=False, soft_wrap=True)
                        continue
                    silent_since = silent_since or time.monotonic() - item.silent_s
                    if time.monotonic() - silent_since > GIVE_UP_SILENT_S:
                        raise CommandError(
                            f"the worker stopped answering; job {job.id} stays queued and resumes when it is back "
                            "(`dgx-pixels queue`)",
                            "timeout",
                            {"job": job.id},
                        )
                    continue
                silent_since = None
                if isinstance(item, Snapshot):
                    job = await client.job(job.id)
                elif isinstance(item, Event) and isinstance(item.body, m.JobEvent) and item.body.job.id == job.id:
                    job = item.body.job
                elif isinstance(item, Event) and isinstance(item.body, m.JobProgress) and item.body.job_id == job.id:
                    job = job.model_copy(update={"stage": item.body.stage})
                elif isinstance(item, Event) and isinstance(item.body, m.JobStarted) and item.body.job_id == job.id:
                    job = await client.job(job.id)
                line = f"{job.state.value}: {job.stage}" if job.stage else job.state.value
                if line != said:
                    said = line
                    running = job.backend and job.state is m.JobState.RUNNING
                    where = f" on {job.backend}" if running and f" {job.backend}" not in line else ""
                    out.print(f"{job.id} {line}{where}", highlight=False)
        finally:
            ticker.cancel()
    return job


async def training_ended(client: AsyncClient, job: m.JobInfo, as_json: bool) -> int:
    name = job.training.name if job.training else ""
    if job.state is not m.JobState.COMPLETED:
        why = job.error.message if job.error else f"it was {job.state.value}"
        failure = {"code": "job_failed", "message": f"training {name} ({job.id}) failed: {why}"}
        err(failure["message"])
        if as_json:
            print_json({"job": dump(job), "error": {**failure, "details": {"job": job.id}}, "exit": EXIT_FAILED})
        return EXIT_FAILED
    trained = await client.trained(name)
    data_dir = (await client.status()).data_dir
    if as_json:
        print_json({"job": dump(job), "trained": [dump(info) for info in trained], "data_dir": data_dir})
        return EXIT_OK
    for info in trained:
        took = f" in {duration(job.finished_at - job.started_at)}" if job.finished_at and job.started_at else ""
        print(f"preset {info.name}: {info.base} + LoRA {info.lora} (on {info.server}){took}")
        print(f"LoRA file: {Path(data_dir) / info.file}")
        if info.loss_png:
            print(f"loss curve: {Path(data_dir) / info.loss_png}")
        print(f"next: `dgx-pixels train evaluate {info.name} --wait`, then vote")
    return EXIT_OK


# ---------------------------------------------------------------- list and show


def list_trained(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        trained = await client.trained()
        if args.json:
            print_json({"trained": [dump(info) for info in trained]})
            return EXIT_OK
        if not trained:
            print("no preset trained yet: `dgx-pixels train start NAME --base PRESET --folder DIR`")
            return EXIT_OK
        table = Table(title="Trained presets", title_justify="left")
        for column in ("name", "base", "images", "steps", "rank", "created", "vs base"):
            table.add_column(column, justify="right" if column in ("images", "steps", "rank") else "left")
        for info in trained:
            table.add_row(
                info.name,
                info.base,
                str(len(info.dataset)),
                str(info.steps),
                str(info.rank),
                time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created_at)),
                verdict_text(info.evaluation),
            )
        console().print(table)
        return EXIT_OK

    return run_client(args, body)


async def one_trained(client: AsyncClient, name: str, loss_curve: bool = False) -> m.TrainedInfo:
    found = [info for info in await client.trained(name, loss_curve) if info.name == name]
    if not found:
        known = ", ".join(info.name for info in await client.trained()) or "none yet"
        raise CommandError(
            f"no trained preset {name!r} (trained here: {known}); see `dgx-pixels train list`", "unknown_model"
        )
    return found[0]


def show(args: argparse.Namespace) -> int:
    target = Path(args.loss_curve).expanduser() if args.loss_curve else None
    if target is not None and (target.is_dir() or not target.parent.is_dir()):
        raise CommandError(
            f"--loss-curve {args.loss_curve}: give a file name in an existing folder", "invalid", {}, EXIT_USAGE
        )

    async def body(client: AsyncClient, settings: Settings) -> int:
        info = await one_trained(client, args.name, loss_curve=target is not None)
        if target is not None:
            if info.loss_curve is None:
                raise CommandError(f"{info.name} has no loss curve (a one-step training draws none)", "invalid")
            try:
                target.write_bytes(info.loss_curve)
            except OSError as exc:
                raise CommandError(f"cannot write {target}: {exc.strerror}", "invalid", {}, EXIT_USAGE) from None
            err(f"loss curve written to {target}")
            info = info.model_copy(update={"loss_curve": None})  # the file has it; the JSON keeps to the record
        if args.json:
            print_json(dump(info))
            return EXIT_OK
        data_dir = Path((await client.status()).data_dir)
        lines = [
            f"preset     {info.name}: {info.base} ({info.checkpoint}) + LoRA {info.lora}",
            f"trained    on {info.server} by {info.user}, "
            f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(info.created_at))}, in {duration(info.duration_s)} "
            f"(job {info.job_id})",
            f"parameters steps {info.steps} · rank {info.rank} · learning rate {info.learning_rate:g} · "
            f"seed {info.seed} · size {info.size}x{info.size}",
            f"LoRA file  {data_dir / info.file} ({info.bytes / 2**20:.1f} MB, sha256 {info.sha256[:16]}…)",
            f"loss curve {data_dir / info.loss_png}" if info.loss_png else "loss curve –",
            f"vs base    {verdict_text(info.evaluation)}",
        ]
        print("\n".join(lines))
        table = Table(title=f"Dataset · {len(info.dataset)} image(s)", title_justify="left")
        for column in ("image", "size", "caption"):
            table.add_column(column, overflow="fold")
        for entry in info.dataset:
            table.add_row(entry.image, size_text(entry), entry.caption)
        console().print(table)
        return EXIT_OK

    return run_client(args, body)


# ---------------------------------------------------------------- evaluate


def evaluate(args: argparse.Namespace) -> int:
    prompts = [prompt.strip() for prompt in args.prompt]
    if any(not prompt for prompt in prompts):
        raise CommandError("--prompt is empty; describe a sprite, e.g. --prompt 'red knight'", "invalid", {})

    async def body(client: AsyncClient, settings: Settings) -> int:
        try:
            comparisons = await client.evaluate(args.name, prompts, args.rounds, args.seed)
        except WorkerError as exc:
            if exc.code == ErrorCode.UNKNOWN_MODEL:
                raise CommandError(f"{exc.message}; see `dgx-pixels train list`", str(exc.code), exc.details) from None
            raise
        if args.wait:
            comparisons = await rendered(client, comparisons)
        failed = [c.id for c in comparisons if c.state is m.JobState.FAILED]
        if args.json:
            result: dict[str, Any] = {"comparisons": [dump(c) for c in comparisons]}
            if failed:
                message = f"comparison(s) {', '.join(failed)} failed to render"
                result |= {"error": {"code": "job_failed", "message": message, "details": {"comparisons": failed}}}
                result["exit"] = EXIT_FAILED
            print_json(result)
        else:
            for comparison in comparisons:
                print(f"{comparison.id}  {comparison.state.value:<9} seed {comparison.seed}  {comparison.prompt}")
            ready = next((c for c in comparisons if c.state is m.JobState.COMPLETED), None)
            example = ready or (comparisons[0] if comparisons else None)
            if example is not None:
                print(
                    f"vote blind on each (panels 1-{len(example.panels)}, the models hidden): "
                    f"`dgx-pixels vote {example.id} 1`, or in the TUI: o on the Compare screen (F7) shows each; "
                    "then `dgx-pixels train list` says whether it beats its base"
                )
        if failed:
            err(f"comparison(s) {', '.join(failed)} failed to render; `dgx-pixels queue` says why")
            return EXIT_FAILED
        return EXIT_OK

    return run_client(args, body)


async def rendered(client: AsyncClient, comparisons: list[m.ComparisonInfo]) -> list[m.ComparisonInfo]:
    """The comparisons once every panel has ended; the count of those done on stderr as they finish."""
    waiting = {c.id: c for c in comparisons}
    done: dict[str, m.ComparisonInfo] = {}
    said = -1
    while waiting:
        for comparison_id in list(waiting):
            fresh = await client.comparison(comparison_id)
            if fresh.state.terminal:
                del waiting[comparison_id]
                done[comparison_id] = fresh
        if len(done) != said:
            said = len(done)
            err(f"{said}/{len(comparisons)} comparisons rendered")
        if waiting:
            await asyncio.sleep(TICK_S)
    return [done[c.id] for c in comparisons]
