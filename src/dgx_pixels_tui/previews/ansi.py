"""What a frame costs on the wire: renderables turned into the ANSI text a truecolor terminal receives."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType
from textual.strip import Strip, StripRenderable


def render_ansi(renderable: RenderableType, width: int) -> str:
    """The ANSI text a truecolor terminal `width` cells wide is sent for `renderable`."""
    # _environ={} keeps NO_COLOR, COLUMNS and friends in the caller's environment from changing the figures.
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
        no_color=False,
        highlight=False,
        _environ={},
    )
    with console.capture() as capture:
        console.print(renderable, end="")
    return capture.get()


def frame_ansi_bytes(strips: list[Strip]) -> int:
    """UTF-8 bytes written to draw these strips as one frame (a newline after each line)."""
    width = max((strip.cell_length for strip in strips), default=1)
    return len(render_ansi(StripRenderable(strips, width), width).encode("utf-8"))
