"""Pixel-art post-processing: from a large, soft diffusion render to the true low-resolution sprite.

Plain numpy + Pillow. Image arguments are PIL images or uint8 arrays; the steps return (H, W, 4) uint8
RGBA arrays (to_image makes a PIL image). run_pipeline chains the steps from a JSON-able spec and
records what each found; see pipeline and pipeline_spec for the spec, the short CLI form and the record.
"""

from .alpha import (
    ALPHA_THRESHOLD,
    DEFAULT_OUTLINE,
    add_outline,
    detect_background,
    flood_fill,
    remove_background,
    threshold_alpha,
)
from .colour import as_rgba, to_image
from .grid import Grid, detect_grid, downscale
from .palette import (
    Palette,
    PaletteError,
    map_to_palette,
    named_palette,
    palette_from_colours,
    palette_names,
    parse_gpl,
    parse_hex,
    read_palette_file,
)
from .palette_library import PaletteLibrary, default_library
from .pipeline import DEFAULT_PIPELINE, apply_step, run_pipeline
from .pipeline_spec import (
    OPS,
    PipelineError,
    parse_pipeline,
    smallest_output,
    validate_pipeline,
    with_local_palettes,
)
from .quantization import count_colours, quantize
from .scale import content_box, trim, upscale
from .sheet import SpriteSheet, animated_preview, build_sheet

__all__ = [
    "ALPHA_THRESHOLD",
    "DEFAULT_OUTLINE",
    "DEFAULT_PIPELINE",
    "OPS",
    "Grid",
    "Palette",
    "PaletteError",
    "PaletteLibrary",
    "PipelineError",
    "SpriteSheet",
    "add_outline",
    "animated_preview",
    "apply_step",
    "as_rgba",
    "build_sheet",
    "content_box",
    "count_colours",
    "default_library",
    "detect_background",
    "detect_grid",
    "downscale",
    "flood_fill",
    "map_to_palette",
    "named_palette",
    "palette_from_colours",
    "palette_names",
    "parse_gpl",
    "parse_hex",
    "parse_pipeline",
    "quantize",
    "read_palette_file",
    "remove_background",
    "run_pipeline",
    "smallest_output",
    "threshold_alpha",
    "to_image",
    "trim",
    "upscale",
    "validate_pipeline",
    "with_local_palettes",
]
