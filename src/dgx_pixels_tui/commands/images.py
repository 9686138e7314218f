"""`dgx-pixels images`: gallery images, newest first or by name, each with its quality figures."""

from __future__ import annotations

import argparse
import time

from rich.markup import escape

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_OK, dump, print_json, run_client
from ..lint_checks import Failure, failures, summary
from ..terminal_format import console
from .export import image_ids_named


def images(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        if args.images:
            ids = await image_ids_named(client, args.images)
            found = [(await client.image(image_id, include_bytes=False)).image for image_id in ids]
            total = len(found)
        else:
            reply = await client.images(" ".join(args.find or []), args.model, args.tag, limit=args.limit)
            found, total = reply.images, reply.total
        failing = {
            image.id: failures(image.lint.model_dump(), settings.lint) for image in found if image.lint is not None
        }
        if args.json:
            messages = {image_id: [f.message for f in checks] for image_id, checks in failing.items() if checks}
            print_json({"images": [dump(image) for image in found], "total": total, "failing": messages})
            return EXIT_OK
        out = console()
        for image in found:
            made = time.strftime("%Y-%m-%d %H:%M", time.localtime(image.created_at))
            prompt = " ".join(str(image.params.get("prompt", "")).split())
            head = f"[b]{image.id}[/]  {image.width}x{image.height}  {escape(str(image.params.get('model', '')))}"
            out.print(f"{head}  [dim]{made}[/]  {escape(prompt)}", soft_wrap=True)
            out.print(f"  {_figures_line(image, failing.get(image.id, []))}", soft_wrap=True)
        if not found:
            out.print("no images match" if args.find or args.model or args.tag else "no images yet")
        elif total > len(found):
            out.print(f"[dim]{len(found)} of {total}; --limit shows more[/]")
        return EXIT_OK

    return run_client(args, body)


def _figures_line(image: m.ImageInfo, failed: list[Failure]) -> str:
    """The image's figures, failing ones marked, then why each fails."""
    if image.lint is None:
        return "[dim]no quality figures (made before they existed; export --strict computes them)[/]"
    line = summary(image.lint.model_dump(), {f.check for f in failed}, markup=True)
    return line + "".join(f"\n  [red]✗ {escape(f.message)}[/]" for f in failed)
