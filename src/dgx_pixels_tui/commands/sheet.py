"""`dgx-pixels sheet`: several outputs as one sprite sheet with its JSON atlas, and an animated preview; an
animation brings all its frames and its frame run in the atlas's `animations`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.pixelart import animated_preview
from dgx_pixels_worker.settings.config import Settings

from ..animation_export import sheet_frames
from ..arguments import check_out_folder
from ..bevy_export import export_item, sheet_item, sprite_name
from ..connection import EXIT_OK, fail, print_json, run_client
from .export import fetch_images
from .generate import free_path


def sheet(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        return fail(args, f"--out names the sheet's PNG, e.g. sheet.png; not {args.out!r}")
    if out.is_dir():
        return fail(args, f"--out {args.out} is a folder; name the sheet's PNG in it, e.g. {out / 'sheet.png'}")
    check_out_folder(out.parent, "--out", args.out)
    if args.animate:
        animation = Path(args.animate)
        if animation.suffix.lower() not in (".gif", ".apng", ".png"):
            return fail(args, f"--animate names a .gif or .apng file; not {args.animate!r}")
        check_out_folder(animation.parent, "--animate", args.animate)

    async def body(client: AsyncClient, settings: Settings) -> int:
        images = await fetch_images(client, args.images, raw=args.raw)
        items = [export_item(sprite_name(i.params), i.png, i.params) for i in images]
        sheet = sheet_item(items, "", args.columns, args.padding)
        atlas = json.dumps(sheet.layout, indent=2).encode()
        written = [_write_new(out, sheet.png, args.force), _write_new(out.with_suffix(".json"), atlas, args.force)]
        if args.animate:
            frames = [frame for item in items for frame in sheet_frames(item.png, item.frames)]  # every animation's
            animation = animated_preview(
                frames, args.animate.rsplit(".", 1)[-1].lower(), duration_ms=args.frame_ms, scale=args.scale
            )
            assert isinstance(animation, bytes)
            written.append(_write_new(Path(args.animate), animation, args.force))
        if args.json:
            print_json({"files": [str(path) for path in written]})
        else:
            for path in written:
                print(path)
        return EXIT_OK

    return run_client(args, body)


def _write_new(path: Path, data: bytes, force: bool) -> Path:
    """Write `data` to `path`, or to `name-1.ext`, ... when it exists and `force` is off."""
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path if force else free_path(path)
    candidate.write_bytes(data)
    return candidate
