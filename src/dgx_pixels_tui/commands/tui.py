"""`dgx-pixels` with no command: the full-screen TUI, starting a local worker when none answers.

The app draws first and reaches the worker afterwards (see startup.py), so it appears at once even while a
worker is being started; a bad configuration or an unreachable worker still ends it with a message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dgx_pixels_worker.settings.layers import ConfigError, layered_config

from ..exit_codes import EXIT_USAGE
from ..startup import WorkerOpener


def main(args: argparse.Namespace) -> int:
    from ..previews.colors import use_color_system
    from ..previews.detect import detect_terminal

    try:
        # Before Textual owns the terminal: the query reads the terminal's answer itself.
        tui = _configured_tui(args)
        preview, colours = detect_terminal(
            args.preview or str(tui.get("preview", "auto")), str(tui.get("colors", "auto"))
        )
    except (ConfigError, ValueError) as exc:
        print(f"dgx-pixels: {exc}", file=sys.stderr)
        return EXIT_USAGE
    use_color_system(colours.system)  # before Textual loads: it reads TEXTUAL_COLOR_SYSTEM then
    from ..app import (
        PixelsApp,  # Textual loads only for the TUI, keeping the other commands quick
    )

    app = PixelsApp(opener=WorkerOpener(args), preview_mode=preview)
    app.run()
    if app.startup_error:
        print(f"dgx-pixels: {app.startup_error}", file=sys.stderr)
    return app.return_code or 0


def _configured_tui(args: argparse.Namespace) -> dict[str, object]:
    """`[tui]` from the raw configuration layers: the full settings load only after the first frame."""
    layers = layered_config(Path(args.config) if args.config else None)
    tui = layers.get("tui", {})
    return dict(tui) if isinstance(tui, dict) else {}
