"""`dgx-pixels` with no command: the full-screen TUI, starting a local worker when none answers."""

from __future__ import annotations

import argparse
import contextlib
import io

from dgx_pixels_worker.client import AsyncClient
from dgx_pixels_worker.client.spawn import SpawnError
from dgx_pixels_worker.config import ConfigError
from dgx_pixels_worker.protocol import WorkerError

from ..connection import EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, ensure_worker, err, load


def main(args: argparse.Namespace) -> int:
    try:
        settings = load(args)
    except ConfigError as exc:
        err(str(exc))
        return EXIT_USAGE
    notice = io.StringIO()
    try:
        with contextlib.redirect_stderr(notice):  # "started a local worker" becomes a notification in the app
            address = ensure_worker(args, settings)
    except (SpawnError, WorkerError) as exc:
        err(str(exc.message if isinstance(exc, WorkerError) else exc))
        return EXIT_UNREACHABLE
    from ..app import PixelsApp  # Textual loads only for the TUI, keeping the other commands quick
    from ..previews.detect import detect_preview_mode

    preview = detect_preview_mode(args.preview or settings.tui.preview)
    client = AsyncClient.from_settings(settings, address, name="dgx-pixels-tui")
    app = PixelsApp(client, notice=notice.getvalue().replace("dgx-pixels: ", "").strip(), preview_mode=preview)
    app.run()
    return EXIT_OK
