"""`dgx-pixels build`: make a game's assets from its manifest, or say what is missing or stale (docs/build.md)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import sys
from collections.abc import Iterator
from pathlib import Path

from ..build.lock import Lock
from ..build.manifest import Asset, Manifest, ManifestError
from ..build.plan import Decision, Status, plan_build
from ..exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CommandError, report


def main(args: argparse.Namespace) -> int:
    as_json = bool(args.json)
    try:
        manifest, lock, decisions = plan_build(
            Path(args.file), Path(args.bevy) if args.bevy else None, args.assets, args.force
        )
    except ManifestError as exc:
        return report(CommandError(str(exc), "invalid", {"manifest": args.file}, EXIT_USAGE), as_json)
    if args.check:
        return check(decisions, manifest, as_json)
    if args.dry_run:
        return dry_run(decisions, as_json)
    with one_build(manifest):
        if args.keep_edits:
            return keep_edits(decisions, lock, manifest, as_json)
        return make(args, manifest, lock, decisions)


def check(decisions: list[Decision], manifest: Manifest, as_json: bool) -> int:
    stale = [d for d in decisions if d.status is not Status.UP_TO_DATE]
    if stale:
        lines = "; ".join(d.text() for d in stale)
        raise CommandError(
            f"{len(stale)} of {len(decisions)} asset(s) in {manifest.path} are missing or stale: {lines}. "
            "Run `dgx-pixels build` to make them",
            "stale",
            {"assets": {d.asset.name: d.status.value for d in stale}},
            EXIT_FAILED,
        )
    _say(as_json, {"up_to_date": len(decisions)}, f"{len(decisions)} asset(s) up to date")
    return EXIT_OK


def dry_run(decisions: list[Decision], as_json: bool) -> int:
    if as_json:
        _print_json({"assets": [_entry(d) for d in decisions]})
        return EXIT_OK
    for decision in decisions:
        if decision.status is not Status.UP_TO_DATE:
            verb = "make" if decision.to_make else "keep"
            print(f"{verb} {decision.text()}")
    print(f"{sum(d.to_make for d in decisions)} to make, {_up_to_date(decisions)} up to date")
    return EXIT_OK


def keep_edits(decisions: list[Decision], lock: Lock, manifest: Manifest, as_json: bool) -> int:
    kept = [d.asset.name for d in decisions if d.status is Status.EDITED]
    for name in kept:
        lock.keep_files(name, manifest.bevy)
    if kept:
        lock.save()
    _say(as_json, {"kept": kept}, f"kept the edited files of {', '.join(kept)}" if kept else "no edited files")
    return EXIT_OK


def make(args: argparse.Namespace, manifest: Manifest, lock: Lock, decisions: list[Decision]) -> int:
    for decision in decisions:
        if decision.status is Status.EDITED:
            print(f"dgx-pixels: left alone: {decision.text()}", file=sys.stderr)
    to_make = [d.asset for d in decisions if d.to_make]
    if not to_make:
        _say(args.json, {"made": {}, "up_to_date": _up_to_date(decisions)}, "nothing to do: all up to date")
        return EXIT_OK
    return run(args, manifest, lock, to_make, _up_to_date(decisions))


def run(args: argparse.Namespace, manifest: Manifest, lock: Lock, assets: list[Asset], up_to_date: int) -> int:
    """Make the assets through the worker. The client library, rich and Pillow load only here, when there is
    work: deciding that there is none stays fast."""
    from rich.console import Console

    from dgx_pixels_worker.client import AsyncClient
    from dgx_pixels_worker.settings.config import Settings

    from ..bevy_export import BevyExportError, check_target
    from ..build.runner import run_build
    from ..connection import print_json, run_client

    try:
        check_target(manifest.bevy, "misc")
    except BevyExportError as exc:
        raise CommandError(f"{exc}, or set [project] bevy in {manifest.path}", "invalid", {}, EXIT_USAGE) from None

    async def body(client: AsyncClient, settings: Settings) -> int:
        console = Console(stderr=True)
        try:
            result = await run_build(client, manifest, assets, lock, console, force=args.force)
        except asyncio.CancelledError:
            queued = ", ".join(sorted(lock.queued)) or "none"
            console.print(
                f"interrupted: what landed stays; the jobs still queued ({queued}) keep running on the worker, "
                "and `dgx-pixels build` again takes them up",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise
        for name, why in result.failed.items():
            console.print(f"{name}: {why}", style="red", markup=False, highlight=False, soft_wrap=True)
        if args.json:
            print_json(
                {
                    "made": {name: [str(p) for p in paths] for name, paths in result.made.items()},
                    "failed": result.failed,
                    "taken_up": result.taken_up,
                    "up_to_date": up_to_date,
                    **({"error": failure(result.failed), "exit": EXIT_FAILED} if result.failed else {}),
                }
            )
        else:
            for paths in result.made.values():
                for path in paths:
                    if path.name != "manifest.json":
                        print(path)
            print(f"made {len(result.made)}, failed {len(result.failed)}, {up_to_date} up to date", file=sys.stderr)
        return EXIT_FAILED if result.failed else EXIT_OK

    return run_client(args, body)


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


def _entry(decision: Decision) -> dict[str, object]:
    return {
        "name": decision.asset.name,
        "status": decision.status.value,
        "detail": decision.detail,
        "make": decision.to_make,
    }


def _up_to_date(decisions: list[Decision]) -> int:
    return sum(d.status is Status.UP_TO_DATE for d in decisions)


def _say(as_json: bool, data: dict[str, object], text: str) -> None:
    if as_json:
        _print_json(data)
    else:
        print(text)


def _print_json(data: object) -> None:
    import json

    print(json.dumps(data, indent=2))
