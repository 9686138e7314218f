"""Terminal image previews: half-block strips for Textual, sixel/kitty for direct writes, and mode detection;
animations play frame by frame and tiles show 3 x 3.

Names are loaded on first use, so that importing one submodule (say `detect`, at start-up) does not pull in
numpy and Pillow through the others.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "Backdrop": "halfblock",
    "DEFAULT_QUERY_TIMEOUT": "detect",
    "DetectedColors": "colors",
    "DetectedMode": "detect",
    "IntegerScale": "scaling",
    "PREVIEW_CHOICES": "detect",
    "PreviewMode": "detect",
    "SpritePreview": "widget",
    "choose_colors": "colors",
    "choose_mode": "detect",
    "choose_terminal": "detect",
    "detect_preview_mode": "detect",
    "detect_terminal": "detect",
    "encode_graphics": "graphics",
    "encode_kitty": "kitty",
    "encode_sixel": "sixel",
    "fit_integer_scale": "scaling",
    "frame_ansi_bytes": "ansi",
    "query_tty": "detect",
    "render_ansi": "ansi",
    "render_halfblock": "halfblock",
    "repeat_tile": "frames",
    "scale_nearest": "scaling",
    "shown_frames": "frames",
    "split_sheet": "frames",
    "to_rgba_array": "scaling",
    "typed_keys": "detect",
    "write_graphics": "graphics",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
