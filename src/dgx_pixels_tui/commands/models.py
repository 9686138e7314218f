"""`dgx-pixels models`: every model preset, where it can run or why not, and files refused at load."""

from __future__ import annotations

import argparse

from rich.markup import escape
from rich.table import Table

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.settings.config import Settings

from ..connection import EXIT_OK, dump, print_json, run_client
from ..terminal_format import console


def models(args: argparse.Namespace) -> int:
    async def body(client: AsyncClient, settings: Settings) -> int:
        library = await client.model_library()
        if args.json:
            print_json(dump(library))
            return EXIT_OK
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in ("MODEL", "WHERE", "DEFAULTS", "DESCRIPTION"):
            table.add_column(column, overflow="fold")
        for model in library.models:
            d = model.defaults
            defaults = f"{d.get('width')}x{d.get('height')}, {d.get('steps')} steps"
            where = "\n".join(  # reasons hold brackets ("add a [[backends]] table"): printed as they are
                f"[green]{escape(name)}[/]" if why is None else f"[red]{escape(name)}[/]: {escape(why)}"
                for name, why in model.where.items()
            )
            shown = escape(model.name)
            table.add_row(shown if model.available else f"[dim]{shown}[/]", where, defaults, escape(model.description))
        out = console()
        out.print(table)
        for problem in library.problems:
            out.print(f"[yellow]skipped[/] {escape(problem)}")
        return EXIT_OK

    return run_client(args, body)
