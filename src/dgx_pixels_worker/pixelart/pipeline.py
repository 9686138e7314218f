"""Running a pixel-art pipeline: each step applied in turn, with a record of what it was given and found.

DEFAULT_PIPELINE turns a large, soft "pixel art" render into the true sprite: find the grid and take
each cell's dominant colour, make a flat background transparent (one-bit alpha; art that fills its frame,
like a tile, or that already has transparency keeps every pixel), then bring the sprite to its own palette
(near-identical colours merged). The background goes before the colours so it does not take a slot.

Record of a run: one dict per step, JSON-serialisable, in order:

    {"op": "grid", "params": {"pitch": None, "size": None},
     "found": {"pitch_x": 16.0, "pitch_y": 16.0, "offset_x": -5.0, "offset_y": -3.0, "width": 64,
               "height": 64, "confidence": 0.79, "source_size": [1019, 1021]},
     "size": [64, 64]}

"params" are the step's parameters with defaults filled in, "size" is [width, height] after the step;
"found" per op: grid as above, with "found": True, or "found": False and "reason" when a grid was to be
detected and none was (NO_GRID: the run stops there, keeping the image as it came; NO_GRID_TRUE_SIZE for an
image of at most TRUE_SIZE_MAX pixels a side, taken as true size), and "warning" (JPEG_GRID)
when the grid detected at a pitch of 4 to 8 lies on JPEG's block grid; quantize and palette
{"colors_before", "colors_after"} (palette also
"palette", its display name ("custom" for colours given in the step), and "palette_colors");
background {"color": "#rrggbb" or None when none was found, "removed": pixels made transparent,
"transparent": transparent pixels after};
outline {"color", "pixels": pixels added}; trim {"box": [left, top, right, bottom] of the content
before padding, or None when empty}; upscale {}; mirror {"axis"}; recolor {"palette" (the target's
display name, "custom" for colours given in the step), "palette_colors", "from" (the source palette's
name, or "image" for the image's own colours), "mapping": [[source colour, new colour], ...] darkest first
(None beyond MAX_RECORDED_MAPPING source colours), "colors_before", "colors_after"}.

See pipeline_spec for the ops, their parameters and the short CLI form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image

from .alpha import BACKGROUND_TOLERANCE, add_outline, detect_background, remove_background
from .colour import ImageLike, as_rgba, hex_colour, parse_colour, to_image
from .grid import detect_grid, downscale, on_jpeg_blocks
from .palette import Palette, map_to_palette, palette_from_colours
from .palette_library import default_library
from .pipeline_spec import PipelineError, validate_pipeline
from .quantization import count_colours, quantize
from .scale import content_box, trim, upscale
from .variants import MAX_RECORDED_MAPPING, mirror, recolor

DEFAULT_PIPELINE: tuple[Mapping[str, Any], ...] = (
    {"op": "grid"},
    {"op": "background", "tolerance": BACKGROUND_TOLERANCE},
    {"op": "quantize"},
)

Found = dict[str, Any]


def pipeline_warnings(record: Sequence[Mapping[str, Any]]) -> list[str]:
    """What a run's record says the user should know: no grid found (the raw render kept), a doubtful grid."""
    return [text for step in record for text in (step["found"].get("reason"), step["found"].get("warning")) if text]


NO_GRID = "no pixel grid found; kept the raw render (give grid:size=WxH or grid:pitch=N if it has one)"
NO_GRID_TRUE_SIZE = "no pixel grid found; the image is taken as pixel art at its true size"
# An image without a grid up to this many pixels a side may be pixel art at its true size (the later steps
# go on); a larger one is a render whose grid was not found (the run stops and keeps it as it came).
TRUE_SIZE_MAX = 256
JPEG_GRID = (
    "the pixel grid found lies on JPEG's 8-pixel blocks and may be the compression's, not the art's"
    " (give grid:size=WxH or grid:pitch=N if the size is wrong)"
)


def run_pipeline(
    image: ImageLike, steps: Sequence[Mapping[str, Any]] | str = DEFAULT_PIPELINE, max_side: int | None = None
) -> tuple[Image.Image, list[dict[str, Any]]]:
    """(the processed RGBA image, the record of every step).

    When a grid step detects no pixel grid, its record says so ("found": False, "reason"); in an image larger
    than TRUE_SIZE_MAX a side the run stops there with the image as it came, and the record ends with that
    step (a smaller one is taken as pixel art at its true size, and the steps go on).

    PipelineError before any work if the spec is bad, or naming the step if one cannot apply to this
    image (a grid size larger than the image, a palette file gone since validation), or if a step would
    make an image wider or taller than `max_side` pixels (an upscale is refused before it allocates).
    """
    checked = validate_pipeline(steps)
    rgba = as_rgba(image)
    records = []
    for n, step in enumerate(checked, start=1):
        try:
            if max_side is not None:
                _check_side(_largest_output(rgba, step), max_side)
            rgba, record = apply_step(rgba, step)
            if max_side is not None:
                _check_side((rgba.shape[1], rgba.shape[0]), max_side)
        except ValueError as exc:
            raise PipelineError(f"step {n} ({step['op']}): {exc}") from exc
        records.append(record)
        if record["found"].get("reason") == NO_GRID:
            return to_image(as_rgba(image)), records  # the later steps would only damage an ungridded render
    return to_image(rgba), records


def _largest_output(rgba: np.ndarray, step: Mapping[str, Any]) -> tuple[int, int]:
    """The most width and height `step` can make of `rgba`, known before it runs."""
    height, width = rgba.shape[:2]
    if step["op"] == "upscale":
        return width * step["factor"], height * step["factor"]
    if step["op"] == "trim":
        pad = 2 * step["padding"]
        return max(width + pad, 1), max(height + pad, 1)
    return width, height


def _check_side(size: tuple[int, int], max_side: int) -> None:
    if max(size) > max_side:
        raise ValueError(f"the image would be {size[0]}x{size[1]}, beyond the {max_side} pixels a side allowed")


def apply_step(image: ImageLike, step: Mapping[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
    """(the (H, W, 4) image after one validated step, that step's record)."""
    params = {k: v for k, v in step.items() if k != "op"}
    out, found = _HANDLERS[step["op"]](as_rgba(image), params)
    return out, {"op": step["op"], "params": params, "found": found, "size": [out.shape[1], out.shape[0]]}


def _grid(rgba: np.ndarray, p: Mapping[str, Any]) -> tuple[np.ndarray, Found]:
    grid = detect_grid(rgba, pitch=_pair(p["pitch"]), size=_pair(p["size"]))
    found: Found = {"found": True, **grid.to_dict(), "source_size": [rgba.shape[1], rgba.shape[0]]}
    if p["pitch"] is None and p["size"] is None and grid.pitch_x == grid.pitch_y == 1.0:
        found.update(found=False, reason=NO_GRID if max(rgba.shape[:2]) > TRUE_SIZE_MAX else NO_GRID_TRUE_SIZE)
    elif p["pitch"] is None and p["size"] is None and 4 <= grid.pitch_x <= 8 and on_jpeg_blocks(grid):
        found["warning"] = JPEG_GRID
    return downscale(rgba, grid), found


def _quantize(rgba: np.ndarray, p: Mapping[str, Any]) -> tuple[np.ndarray, Found]:
    out = quantize(rgba, p["colors"])
    return out, {"colors_before": count_colours(rgba), "colors_after": count_colours(out)}


def _palette(rgba: np.ndarray, p: Mapping[str, Any]) -> tuple[np.ndarray, Found]:
    palette: Palette = palette_from_colours(p["colors"]) if p.get("colors") else default_library().palette(p["name"])
    out = map_to_palette(rgba, palette)
    return out, {
        "palette": palette.name,
        "palette_colors": len(palette.colours),
        "colors_before": count_colours(rgba),
        "colors_after": count_colours(out),
    }


def _background(rgba: np.ndarray, p: Mapping[str, Any]) -> tuple[np.ndarray, Found]:
    colour = parse_colour(p["color"]) if p["color"] else detect_background(rgba, p["tolerance"])
    out = remove_background(rgba, p["tolerance"], colour)
    transparent = int((out[:, :, 3] == 0).sum())
    return out, {
        "color": hex_colour(colour) if colour else None,
        "removed": transparent - int((rgba[:, :, 3] == 0).sum()),
        "transparent": transparent,
    }


def _outline(rgba: np.ndarray, p: Mapping[str, Any]) -> tuple[np.ndarray, Found]:
    out = add_outline(rgba, parse_colour(p["color"]), p["diagonal"])
    return out, {"color": p["color"], "pixels": int((out[:, :, 3] > 0).sum() - (rgba[:, :, 3] > 0).sum())}


def _trim(rgba: np.ndarray, p: Mapping[str, Any]) -> tuple[np.ndarray, Found]:
    box = content_box(rgba)
    return trim(rgba, p["padding"]), {"box": list(box) if box else None}


def _upscale(rgba: np.ndarray, p: Mapping[str, Any]) -> tuple[np.ndarray, Found]:
    return upscale(rgba, p["factor"]), {}


def _mirror(rgba: np.ndarray, p: Mapping[str, Any]) -> tuple[np.ndarray, Found]:
    return mirror(rgba, p["axis"]), {"axis": p["axis"]}


def _recolor(rgba: np.ndarray, p: Mapping[str, Any]) -> tuple[np.ndarray, Found]:
    library = default_library()
    target: Palette = palette_from_colours(p["colors"]) if p.get("colors") else library.palette(p["to"])
    source = library.palette(p["from"]) if p.get("from") else None
    out, mapping = recolor(rgba, target.array(), source.array() if source else None)
    return out, {
        "palette": target.name,
        "palette_colors": len(target.colours),
        "from": source.name if source else "image",
        "mapping": [list(pair) for pair in mapping] if len(mapping) <= MAX_RECORDED_MAPPING else None,
        "colors_before": count_colours(rgba),
        "colors_after": count_colours(out),
    }


def _pair(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


_HANDLERS: dict[str, Callable[[np.ndarray, Mapping[str, Any]], tuple[np.ndarray, Found]]] = {
    "grid": _grid,
    "quantize": _quantize,
    "palette": _palette,
    "background": _background,
    "outline": _outline,
    "trim": _trim,
    "upscale": _upscale,
    "mirror": _mirror,
    "recolor": _recolor,
}
