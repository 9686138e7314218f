"""`dgx-pixels build`: make a game's assets from its manifest, or say what is missing or stale (docs/build.md).

Deciding loads neither the client library nor Pillow: they load only when there is work, so a build with
nothing to do, and `--check` in CI, answer at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from ..build.manifest import Manifest, ManifestError
from ..build.plan import Plan, Status, plan_build
from ..exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CommandError, report


def main(args: argparse.Namespace) -> int:
    as_json = bool(args.json)
    try:
        plan = plan_build(Path(args.file), Path(args.bevy) if args.bevy else None, args.assets, args.force)
    except ManifestError as exc:
        return report(CommandError(str(exc), "invalid", {"manifest": args.file}, EXIT_USAGE), as_json)
    if args.check:
        return check(plan, as_json)
    if args.dry_run:
        return dry_run(plan, as_json)
    with one_build(plan.manifest):
        if args.keep_edits:
            return keep_edits(plan, as_json)
        return make(args, plan)


def check(plan: Plan, as_json: bool) -> int:
    stale = plan.stale()
    if stale:
        raise CommandError(
            f"{len(stale)} of {plan.total} asset(s) in {plan.manifest.path} are missing or stale: "
            f"{'; '.join(f'{name}: {why}' for name, why in stale.items())}. Run `dgx-pixels build` to make them",
            "stale",
            {"assets": stale},
            EXIT_FAILED,
        )
    _say(as_json, {"up_to_date": plan.up_to_date}, f"{plan.up_to_date} asset(s) up to date")
    return EXIT_OK


def dry_run(plan: Plan, as_json: bool) -> int:
    if as_json:
        entries = [
            {"name": d.asset.name, "status": d.status.value, "detail": d.detail, "make": d.to_make}
            for d in plan.decisions
        ]
        _print_json({"assets": entries, "remove": plan.removed})
        return EXIT_OK
    for decision in plan.decisions:
        if decision.status is not Status.UP_TO_DATE:
            print(f"{'make' if decision.to_make else 'keep'} {decision.text()}")
    for name in plan.removed:
        print(f"remove {name}: no longer in the manifest; its files go")
    print(plan.counts())
    return EXIT_OK


def keep_edits(plan: Plan, as_json: bool) -> int:
    kept = [d.asset.name for d in plan.edited]
    for name in kept:
        plan.lock.keep_files(name, plan.manifest.bevy)
    if kept:
        plan.lock.save()
    _say(as_json, {"kept": kept}, f"kept the edited files of {', '.join(kept)}" if kept else "no edited files")
    return EXIT_OK


def make(args: argparse.Namespace, plan: Plan) -> int:
    for decision in plan.edited:
        print(f"dgx-pixels: left alone: {decision.text()}", file=sys.stderr)
    removed = retire(plan)
    if not plan.to_make:
        data = {"made": {}, "removed": removed, "up_to_date": plan.up_to_date}
        _say(args.json, data, "nothing to do: all up to date" if not removed else "nothing to make")
        return EXIT_OK
    return run(args, plan, removed)


def retire(plan: Plan) -> dict[str, list[str]]:
    """Take the assets removed from the manifest out of the game and the lock; says what went."""
    if not plan.removed:
        return {}
    from ..build.landing import retire as retire_one  # Pillow loads with the export module

    gone = {name: [str(path) for path in retire_one(plan.manifest, name, plan.lock)] for name in plan.removed}
    for name, paths in gone.items():
        print(
            f"dgx-pixels: removed {name} (no longer in the manifest): {', '.join(paths) or 'no file'}", file=sys.stderr
        )
    return gone


def run(args: argparse.Namespace, plan: Plan, removed: dict[str, list[str]]) -> int:
    """Make the assets through the worker."""
    from rich.console import Console

    from dgx_pixels_worker.client import AsyncClient

    from ..bevy_export import BevyExportError, check_target
    from ..build.runner import run_build
    from ..connection import print_json, run_client

    manifest, lock = plan.manifest, plan.lock
    try:
        check_target(manifest.bevy, "misc")
    except BevyExportError as exc:
        raise CommandError(f"{exc}, or set [project] bevy in {manifest.path}", "invalid", {}, EXIT_USAGE) from None

    async def body(client: AsyncClient, settings: object) -> int:
        console = Console(stderr=True)
        try:
            result = await run_build(client, manifest, plan.to_make, lock, console, force=args.force)
        except asyncio.CancelledError:
            console.print(interrupted_text(sorted(lock.queued)), markup=False, highlight=False, soft_wrap=True)
            raise
        for name, why in result.failed.items():
            console.print(f"{name}: {why}", style="red", markup=False, highlight=False, soft_wrap=True)
        if args.json:
            print_json(
                {
                    "made": {name: [str(p) for p in paths] for name, paths in result.made.items()},
                    "failed": result.failed,
                    "taken_up": result.taken_up,
                    "removed": removed,
                    "up_to_date": plan.up_to_date,
                    **({"error": failure(result.failed), "exit": EXIT_FAILED} if result.failed else {}),
                }
            )
        else:
            for paths in result.made.values():
                print("\n".join(str(path) for path in paths if path.name != "manifest.json"))
            made = f"made {len(result.made)}, failed {len(result.failed)}, {plan.up_to_date} up to date"
            print(made, file=sys.stderr)
        return EXIT_FAILED if result.failed else EXIT_OK

    return run_client(args, body)


def interrupted_text(queued: list[str]) -> str:
    return (
        f"interrupted: what landed stays; the jobs still queued ({', '.join(queued) or 'none'}) keep running on "
        "the worker, and `dgx-pixels build` again takes them up"
    )


def failure(failed: dict[str, str]) -> dict[str, object]:
    message = f"{len(failed)} asset(s) could not be made: " + "; ".join(f"{k}: {v}" for k, v in failed.items())
    return {"code": "build_failed", "message": message, "details": {"assets": failed}}


@contextlib.contextmanager
def one_build(manifest: Manifest) -> Iterator[None]:
    """Hold the manifest for this build: a second build of it at the same time is refused, not interleaved."""
    with manifest.path.open("rb") as held:
        try:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(
                f"another build of {manifest.path} is running; wait for it to finish", "busy", {}, EXIT_FAILED
            ) from None
        yield


def _say(as_json: bool, data: dict[str, object], text: str) -> None:
    if as_json:
        _print_json(data)
    else:
        print(text)


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2))
