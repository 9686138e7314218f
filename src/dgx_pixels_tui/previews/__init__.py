"""Terminal image previews: half-block strips for Textual, sixel/kitty for direct writes, and mode detection."""

from .ansi import frame_ansi_bytes, render_ansi
from .detect import (
    DEFAULT_QUERY_TIMEOUT,
    PREVIEW_CHOICES,
    DetectedMode,
    PreviewMode,
    choose_mode,
    detect_preview_mode,
    query_tty,
)
from .graphics import encode_graphics, write_graphics
from .halfblock import Backdrop, render_halfblock
from .kitty import encode_kitty
from .scaling import IntegerScale, fit_integer_scale, scale_nearest, to_rgba_array
from .sixel import encode_sixel
from .widget import SpritePreview

__all__ = [
    "DEFAULT_QUERY_TIMEOUT",
    "PREVIEW_CHOICES",
    "Backdrop",
    "DetectedMode",
    "IntegerScale",
    "PreviewMode",
    "SpritePreview",
    "choose_mode",
    "detect_preview_mode",
    "encode_graphics",
    "encode_kitty",
    "encode_sixel",
    "fit_integer_scale",
    "frame_ansi_bytes",
    "query_tty",
    "render_ansi",
    "render_halfblock",
    "scale_nearest",
    "to_rgba_array",
    "write_graphics",
]
