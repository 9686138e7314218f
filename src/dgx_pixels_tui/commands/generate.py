"""`dgx-pixels generate` and `dgx-pixels demo`: queue work, show live progress, save the PNGs."""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column

from dgx_pixels_worker.client import AsyncClient, Event, EventStream, Snapshot, Stalled
from dgx_pixels_worker.protocol import WorkerError
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.settings.config import Settings

from ..arguments import check_out_folder, checked_request
from ..connection import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    dump,
    err,
    fail,
    print_json,
    run_client,
)
from ..link import generate_confirmed
from ..palette_lock import palette_to_send
from ..prompt_notes import unused_words_note
from ..size_text import parse_size
from ..terminal_format import step_text
from ..variation_params import source_to_send
from .status import procedural_why

GIVE_UP_SILENT_S = 60.0
COMPACT_AFTER = 8  # jobs followed with an overall bar: more than this, and only the busy ones get bars
DEMO_PROMPTS = ["knight in gold armour", "fire sword", "ice potion", "ruby gem", "green slime", "grass tile"]


def request_params(args: argparse.Namespace) -> dict[str, object]:
    width, height = parse_size(args.size)
    params: dict[str, object] = {
        "negative": args.negative,
        "model": args.model,
        "count": args.count,
        "seed": args.seed,
        "width": width,
        "height": height,
        "steps": args.steps,
        "cfg": args.cfg,
        "priority": args.priority,
        "tags": [t for t in args.tags.split(",") if t.strip()],
        "postprocess": postprocess_to_send(getattr(args, "post", None)),
        "frames": args.frames if args.frames != 1 else None,
        "motion": args.motion,
        "tile": args.tile or None,
        "strength": args.strength,
        **source_to_send(args.vary),
    }
    return {key: value for key, value in params.items() if value is not None}


def locked(params: dict[str, object], asked: str | None, settings: Settings) -> dict[str, object]:
    """`params` with the palette the images lock to (--palette, else [project] palette); CommandError (exit 2) for
    a palette file that cannot be read."""
    try:
        palette = palette_to_send(asked, settings.project.palette)
    except ValueError as exc:
        raise CommandError(str(exc), "invalid", {"field": "palette"}) from None
    return params if palette is None else {**params, "palette": palette}


def postprocess_to_send(post: str | None) -> object:
    """The --post steps as the worker gets them: a palette named by a file on this machine is read here and
    sent as its colours (the worker reads no file a request names). ValueError for a palette file that
    cannot be read."""
    if post is None:
        return None
    from dgx_pixels_worker.pixelart.pipeline_spec import with_local_palettes  # numpy: loaded only for --post

    return with_local_palettes(post)


def main(args: argparse.Namespace) -> int:
    try:
        params = request_params(args)
    except ValueError as exc:
        return fail(args, str(exc), EXIT_USAGE)
    prompt = args.prompt.strip()
    if not prompt and "init_image" not in params:
        return fail(args, "the prompt is empty; describe the sprite, e.g. 'red knight with a sword'", EXIT_USAGE)
    checked_request(m.GenerateRequest, typed_values(args), prompt=prompt or "-", **params)
    if not args.no_wait:
        check_out_folder(Path(args.out))

    async def body(client: AsyncClient, settings: Settings) -> int:
        with_palette = locked(params, args.palette, settings)
        asked = prompt or await source_prompt(client, str(params["init_image"]))
        return await generate_and_save(client, [(asked, with_palette)], Path(args.out), args.no_wait, args.json)

    return run_client(args, body)


async def source_prompt(client: AsyncClient, image_id: str) -> str:
    """The prompt a gallery image was made from, for variations of it asked without one."""
    try:
        prompt = (await client.image(image_id, include_bytes=False)).image.params.get("prompt")
    except WorkerError as exc:
        raise CommandError(
            f"--vary {image_id}: {exc.message}; give the image's full id", exc.code, exc.details
        ) from None
    if not isinstance(prompt, str) or not prompt.strip():
        raise CommandError(f"image {image_id} has no prompt to vary from; give one", "invalid", {"field": "prompt"})
    return prompt


def typed_values(args: argparse.Namespace) -> dict[str, str]:
    """What the user typed for each request field, to quote it back in an error."""
    typed = {"width": args.size, "height": args.size}
    for field in ("count", "seed", "steps", "cfg", "priority", "model", "frames", "motion", "strength"):
        typed[field] = getattr(args, field, None)
    return {field: str(value) for field, value in typed.items() if value is not None}


def demo(args: argparse.Namespace) -> int:
    check_out_folder(Path(args.out))

    async def body(client: AsyncClient, settings: Settings) -> int:
        hello = await client.hello()
        if hello.procedural_only:
            err(procedural_why(hello.backends))
        work: list[tuple[str, dict[str, object]]] = [
            (prompt, {"seed": 7 + n, "width": 48, "height": 48}) for n, prompt in enumerate(DEMO_PROMPTS)
        ]
        return await generate_and_save(client, work, Path(args.out), no_wait=False, as_json=args.json)

    return run_client(args, body)


async def generate_and_save(
    client: AsyncClient, work: list[tuple[str, dict[str, object]]], out: Path, no_wait: bool, as_json: bool
) -> int:
    if no_wait:
        jobs = [await queue_generate(client, prompt, params) for prompt, params in work]
        if as_json:
            print_json({"jobs": [dump(job) for job in jobs]})
        else:
            for job in jobs:
                print(job.id)
        return EXIT_OK
    stream = client.events()
    await anext(stream)  # subscribe and take the first snapshot before submitting, so no event is missed
    queued: dict[str, m.JobInfo] = {}
    for prompt, params in work:
        job = await queue_generate(client, prompt, params)
        queued[job.id] = job
    console = Console(stderr=True)
    try:
        finished = await follow_jobs(client, stream, queued, console)
    finally:
        await stream.aclose()
    status, saved, problems = EXIT_OK, {}, []
    lint: dict[str, object] = {}  # each saved image's quality figures, for --json
    for job in finished.values():
        if job.state is m.JobState.COMPLETED:
            saved[job.id] = await _save_images(client, job, out, lint)
        else:
            status = EXIT_FAILED
            if job.error:
                problems.append(f"job {job.id} failed: {job.error.message}")
            else:
                kept = f"; its {len(job.images)} finished image(s) stay in the worker" if job.images else ""
                problems.append(f"job {job.id} was {job.state.value}{kept}")
    for problem in problems:
        err(problem)
    if as_json:
        result: dict[str, object] = {
            "jobs": [dump(job) for job in finished.values()],
            "files": {k: [str(p) for p in v] for k, v in saved.items()},
            "lint": lint,
        }
        if problems:
            unfinished = [job.id for job in finished.values() if job.state is not m.JobState.COMPLETED]
            result["error"] = {"code": "job_failed", "message": "; ".join(problems), "details": {"jobs": unfinished}}
            result["exit"] = status
        print_json(result)
    else:
        for paths in saved.values():
            for path in paths:
                print(path)
    return status


async def follow_jobs(
    client: AsyncClient,
    stream: EventStream,
    jobs: dict[str, m.JobInfo],
    console: Console,
    labels: dict[str, str] | None = None,
    on_terminal: Callable[[m.JobInfo], Awaitable[None]] | None = None,
    overall: str | None = None,
) -> dict[str, m.JobInfo]:
    """Show one progress bar per job until each has its terminal event; CommandError if the worker went silent.
    `labels` names a job's bar (default: its id and prompt); `on_terminal` is awaited as each job ends. With
    `overall`, a bar of that name counts the jobs done; past COMPACT_AFTER jobs, a job's own bar shows only
    from its first news until it completes."""
    # On a narrow terminal the detail gives way (cut with an ellipsis), never the name or the bar.
    columns = (
        TextColumn("{task.description}", table_column=Column(no_wrap=True)),
        BarColumn(bar_width=max(10, min(40, console.width // 4))),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[detail]}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")),
        TimeElapsedColumn(),
    )
    silent_since: float | None = None
    with Progress(*columns, console=console, transient=False) as bars:
        label = labels or {job.id: f"{job.id} {job.prompt[:28]}" for job in jobs.values()}
        total = bars.add_task(overall, total=len(jobs), detail="") if overall else None
        compact = total is not None and len(jobs) > COMPACT_AFTER
        tasks: dict[str, TaskID] = {
            job.id: bars.add_task(label[job.id], total=1.0, detail="queued", visible=not compact)
            for job in jobs.values()
        }
        pending = set(jobs)
        while pending:
            item = await anext(stream)
            if isinstance(item, Stalled) and item.answering:  # said once; polled snapshots follow
                console.print(item.advice, style="yellow", markup=False, highlight=False, soft_wrap=True)
                continue
            if isinstance(item, Stalled):
                silent_since = silent_since or time.monotonic() - item.silent_s
                console.print(
                    f"[yellow]no word from the worker for {time.monotonic() - silent_since:.0f}s; waiting…[/]"
                )
                if time.monotonic() - silent_since > GIVE_UP_SILENT_S:
                    raise CommandError(
                        f"the worker stopped answering; job(s) {', '.join(sorted(pending))} stay queued and resume "
                        "when it is back (`dgx-pixels queue`)",
                        "timeout",
                        {"jobs": sorted(pending)},
                    )
                continue
            silent_since = None
            updates: list[m.JobInfo] = []
            if isinstance(item, Snapshot):
                for job_id in list(pending):
                    try:
                        updates.append(await client.job(job_id))
                    except WorkerError:
                        continue
            elif isinstance(item, Event):
                body = item.body
                if isinstance(body, m.JobEvent) and body.job.id in pending:
                    updates.append(body.job)
                    if body.job.state is m.JobState.QUEUED and body.job.attempts:
                        detail = f"back in the queue after attempt {body.job.attempts}"
                        bars.update(tasks[body.job.id], detail=detail, visible=True)
                elif isinstance(body, m.JobProgress) and body.job_id in pending:
                    detail = step_text(body.image_index, jobs[body.job_id].count, body.step, body.total, body.stage)
                    bars.update(tasks[body.job_id], completed=body.progress, detail=detail, visible=True)
                elif isinstance(body, m.JobStarted) and body.job_id in pending:
                    bars.update(tasks[body.job_id], detail=f"started on {body.backend}", visible=True)
            for job in updates:
                jobs[job.id] = job
                if job.state.terminal:
                    pending.discard(job.id)
                    bars.update(tasks[job.id], completed=job.progress, detail=job.state.value)
                    if total is not None:
                        bars.advance(total)
                    if compact and job.state is m.JobState.COMPLETED:
                        bars.update(tasks[job.id], visible=False)
                    if on_terminal is not None:
                        await on_terminal(job)
                elif job.state is m.JobState.RUNNING and isinstance(item, Snapshot):  # asked for, not told
                    detail = step_text(job.image_index, job.count, job.step, job.total, job.stage)
                    bars.update(tasks[job.id], completed=job.progress, detail=detail, visible=True)
    return jobs


async def _save_images(client: AsyncClient, job: m.JobInfo, out: Path, lint: dict[str, object]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a one-shot command: nothing else runs on its loop)
    paths = []
    slug = prompt_slug(job.prompt)
    for image_id in job.images:
        reply = await client.image(image_id)
        assert reply.png is not None
        path = free_path(out / f"{slug}-{reply.image.seed}.png")
        path.write_bytes(reply.png)
        paths.append(path)
        lint[image_id] = reply.image.lint.model_dump() if reply.image.lint else None
        if reply.image.params.get("postprocess_warning"):  # e.g. no pixel grid found: the raw render was kept
            err(f"{image_id}: {reply.image.params['postprocess_warning']}")
    return paths


def prompt_slug(prompt: str) -> str:
    """The start of a file name from a prompt: lowercase letters and digits joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", prompt.lower()).strip("-")[:40] or "sprite"


def free_path(path: Path) -> Path:
    """`path`, or `name-1.png`, `name-2.png`, ... when it exists: never overwrite the user's files."""
    candidate, n = path, 0
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


async def queue_generate(
    client: AsyncClient, prompt: str, params: dict[str, object], label: str = "", own_words: str | None = None
) -> m.JobInfo:
    """Queue one job; an answer that is late is asked for again with the same request id, so never twice.
    Words of the prompt the procedural generator cannot draw are named (with `own_words`, only those the user
    wrote there: a template's words are not theirs to change), after `label` or else the job's id."""

    def unconfirmed(tries: int) -> None:
        err(f"the worker has not confirmed the job yet; asking again with the same request ({tries})")

    job = await generate_confirmed(client, prompt, params, unconfirmed)
    words = job.unused_words
    if own_words is not None:
        own = set(re.findall(r"[a-z0-9]+", own_words.lower()))
        words = [word for word in words if word in own]
    if note := unused_words_note(words):
        err(f"{label or job.id} {note}; see docs/procedural.md")
    return job
