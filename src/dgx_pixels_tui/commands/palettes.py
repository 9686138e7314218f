"""`dgx-pixels palettes`: the palettes a `palette` step may name on the worker, and importing a palette file
(GIMP .gpl, .hex, JASC .pal, Paint.NET .txt, a PNG swatch strip) into the owner's palette folder as .hex."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.pixelart.palette import PALETTE_SUFFIXES, PaletteError, is_named_palette, read_palette_file
from dgx_pixels_worker.pixelart.palette_library import NAME_PATTERN
from dgx_pixels_worker.protocol import messages as m
from dgx_pixels_worker.settings import paths
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_OK, dump, fail, print_json, run_client
from ..terminal_format import console

SWATCHES = 16  # colours drawn in the list before "+N"


def list_palettes(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        reply: m.PalettesReply = await client.call("palettes")
        if not args.json:
            console().print(_palette_table(reply))
            console().print("[dim]use one with --post palette:NAME; add one with dgx-pixels palettes import FILE[/]")
        else:
            print_json(dump(reply))
        return EXIT_OK

    return run_client(args, body)


def _palette_table(reply: m.PalettesReply) -> Table:
    table = Table("PALETTE", "COLOURS", "FROM", "", box=None, pad_edge=False, header_style="bold")
    for palette in reply.palettes:
        if palette.error is not None:
            table.add_row(escape(palette.name), "-", "file", f"[red]{escape(palette.error)}[/]")
            continue
        swatches = "".join(f"[on {c}]  [/]" for c in palette.colors[:SWATCHES])
        more = f" +{len(palette.colors) - SWATCHES}" if len(palette.colors) > SWATCHES else ""
        kind = "shipped" if palette.shipped else "file"
        table.add_row(escape(palette.name), str(len(palette.colors)), kind, swatches + more)
    return table


def import_palette(args: argparse.Namespace) -> int:
    source = Path(args.file).expanduser()
    try:
        palette = read_palette_file(source)
    except PaletteError as exc:
        return fail(args, f"{exc}; give a GIMP .gpl, .hex, JASC .pal, Paint.NET .txt or PNG swatch strip")
    name = args.name or source.stem
    if not NAME_PATTERN.fullmatch(name):
        return fail(
            args,
            f"{name[:80]!r} is not a palette name (letters, digits, '.', '_' and '-', at most 64); give --name NAME",
        )
    folder = paths.config_home() / "palettes"
    target = folder / f"{name}.hex"
    others = sorted(p.name for p in _files_named(folder, name) if p.name != target.name)
    if others:
        return fail(
            args,
            f"{folder / others[0]} holds palette {name!r} and would be used instead; remove it or give another --name",
            details={"name": name, "path": str(folder / others[0])},
        )
    if not args.force and (target.exists() or is_named_palette(name)):
        where = str(target) if target.exists() else "a palette shipped with dgx-pixels"
        return fail(
            args,
            f"palette {name!r} exists ({where}); give another --name, or --force to replace it",
            details={"name": name, "path": str(target)},
        )
    text = f"; {name}: imported from {source.name}\n" + "".join(c[1:] + "\n" for c in palette.hex())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=folder, prefix=".import-", suffix=".tmp", delete=False) as f:
            f.write(text)
        os.replace(f.name, target)
    except OSError as exc:
        return fail(args, f"cannot write {target}: {exc.strerror}", exit=1, code="failed")
    if args.json:
        print_json({"name": name, "path": str(target), "colors": palette.hex()})
    else:
        console().print(
            f"imported {len(palette.colours)} colours as [bold]{escape(name)}[/] ({escape(str(target))}); "
            f"use it with --post palette:{escape(name)}"
        )
    return EXIT_OK


def _files_named(folder: Path, name: str) -> list[Path]:
    """The palette files in `folder` whose name without its suffix is `name`."""
    try:
        with os.scandir(folder) as entries:
            return [
                Path(e.path)
                for e in entries
                if Path(e.name).stem == name and Path(e.name).suffix.lower() in PALETTE_SUFFIXES
            ]
    except OSError:
        return []
