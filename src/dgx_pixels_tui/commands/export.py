"""`dgx-pixels export --bevy`: outputs into a game project; and fetching the images a command names."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import ErrorCode, WorkerError
from dgx_pixels_worker.settings.config import LintSettings, Settings

from ..bevy_export import (
    BevyExportError,
    ExportItem,
    export_item,
    export_to_bevy,
    sheet_item,
    sprite_name,
)
from ..connection import EXIT_FAILED, EXIT_OK, CommandError, fail, print_json, run_client
from ..lint_checks import failures, figures_of_png

IMAGE_ID = re.compile(r"^[0-9a-f]{4,}-\d+$")


@dataclass(frozen=True)
class Fetched:
    image_id: str
    png: bytes
    params: dict[str, Any]


async def fetch_images(client: AsyncClient, names: list[str], raw: bool = False) -> list[Fetched]:
    """Each name is an image id (JOB-N), a job (all its images, in order) or a comparison (its panels)."""
    fetched = []
    for image_id in await image_ids_named(client, names):
        reply = await client.image(image_id, raw=raw)
        assert reply.png is not None
        fetched.append(Fetched(image_id, reply.png, {**reply.image.params, "image_id": image_id}))
    return fetched


async def image_ids_named(client: AsyncClient, names: list[str]) -> list[str]:
    """The image ids of names that are image ids (JOB-N), jobs (all their images, in order) or comparisons."""
    image_ids: list[str] = []
    for name in names:
        if IMAGE_ID.match(name):
            image_ids.append(name)
            continue
        try:
            image_ids += (await client.job(name)).images
            continue
        except WorkerError as exc:
            if exc.code != ErrorCode.UNKNOWN_JOB:
                raise
        try:
            image_ids += [p.image_id for p in (await client.comparison(name)).panels if p.image_id]
        except WorkerError as exc:
            if exc.code != ErrorCode.UNKNOWN_COMPARISON:
                raise
            raise WorkerError(
                ErrorCode.UNKNOWN_IMAGE,
                f"{name!r} is no image, job or comparison; `dgx-pixels images` lists images, `dgx-pixels queue` jobs",
            ) from None
    return image_ids


def export(args: argparse.Namespace) -> int:
    if not args.bevy:
        return fail(args, "say where to: --bevy PATH (the root of a Bevy project)")

    async def body(client: AsyncClient, settings: Settings) -> int:
        images = await fetch_images(client, args.images, raw=args.raw)
        if args.strict:
            refuse_failing(images, args.raw, settings.lint)
        items = export_items(images, args.name, args.sheet, args.columns, args.padding)
        try:
            written = export_to_bevy(Path(args.bevy), args.category, items, force=args.force)
        except BevyExportError as exc:
            raise CommandError(str(exc), "invalid", {"bevy": args.bevy}) from None
        if args.json:
            print_json({"files": [str(path) for path in written]})
        else:
            for path in written:
                print(path)
        return EXIT_OK

    return run_client(args, body)


def export_items(
    images: list[Fetched], name: str | None, sheet: bool, columns: int | None = None, padding: int = 0
) -> list[ExportItem]:
    """What an export writes of fetched images: each under its own name (`name` for a single image), or all of
    them as one sheet (named `name`)."""
    items = [export_item(name if name and len(images) == 1 else sprite_name(i.params), i.png, i.params) for i in images]
    if sheet:
        items = [sheet_item(items, name or "", columns, padding)]
    return items


def refuse_failing(images: list[Fetched], raw: bool, limits: LintSettings) -> None:
    """CommandError (`lint_failed`, exit 1) naming every image that fails a quality check, and by how much, before
    anything is written. Figures come with each image; an image made before they existed, or a raw render, has
    them computed here from its PNG."""
    failed: dict[str, list[str]] = {}
    for image in images:
        lint = None if raw else image.params.get("lint")
        found = failures(lint if lint is not None else figures_of_png(image.png, image.params), limits)
        if found:
            failed[image.image_id] = [f.message for f in found]
    if failed:
        lines = "; ".join(f"{image_id}: {', '.join(messages)}" for image_id, messages in failed.items())
        raise CommandError(
            f"--strict: {len(failed)} of {len(images)} image(s) fail the quality checks, so nothing was exported. "
            f"{lines}. Fix or leave them out, or change the thresholds in the [lint] configuration",
            "lint_failed",
            {"images": failed},
            exit=EXIT_FAILED,
        )
