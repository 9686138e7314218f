"""What a pixel-art pipeline may say: the ops, their parameters, checking a spec, and the short CLI form.

A pipeline is a list of steps, each a dict {"op": name, **params}:

    grid        pitch: cell size (number, or [x, y]) | size: cells across (int, or [w, h]); both optional:
                detected when neither is given
    quantize    colors: 2..256, the most colours (default: none, the image's own palette size)
    palette     name: a palette of the worker's library (pico8, db16, db32, gameboy, nes, endesga32, or the
                owner's palette files; see palette_library) | colors: the palette itself, 1..256 colours
                like "#1a1c2c"; exactly one of the two
    background  tolerance: RGB distance 0..442 (default 40) | color: the background (default: detected)
    outline     color: "#rrggbb" (default #181425) | diagonal: true for 8-neighbours (default false)
    trim        padding: 0..256 transparent pixels around the content (default 0)
    upscale     factor: 1..32 (required)
    mirror      axis: x (left-right, default) or y (top-bottom)
    recolor     to: a palette of the worker's library | colors: the target palette itself; exactly one of the
                two | from: a palette of the library as the source ramp (default: the image's own colours)

Short CLI form: steps separated by ',', parameters after ':' as key=value, several separated by ':'.
A value without a key is the op's first parameter. "none" or "auto" leaves an optional parameter unset.
Sizes and pitches may be written WxH. The short form names palettes only; with_local_palettes turns
`palette:FILE` into the file's colours on the client's side.

    grid,quantize:colors=16,background,outline,trim:padding=1
    grid:size=64x64,palette:pico8,background:tolerance=30,outline:color=#000000:diagonal=true,upscale:4
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .alpha import BACKGROUND_TOLERANCE, DEFAULT_OUTLINE
from .colour import hex_colour, parse_colour
from .palette import MAX_PALETTE_COLOURS, PALETTE_SUFFIXES, PaletteError, palette_from_colours, read_palette_file
from .palette_library import PaletteLibrary, default_library
from .quantization import MAX_COLOURS, MIN_COLOURS
from .scale import MAX_FACTOR


class PipelineError(ValueError):
    """A pipeline spec that cannot run; the message names the step, the bad value and what is allowed."""


@dataclass(frozen=True)
class Param:
    kind: str  # int, number, bool, str, colour, colours (a list), size (int or [w, h]), pitch (number or [x, y])
    default: Any = None
    low: float | None = None
    high: float | None = None
    required: bool = False

    def describe(self) -> str:
        """What values are allowed, for error messages."""
        what = {
            "int": "an integer",
            "number": "a number",
            "bool": "true or false",
            "str": "a text",
            "colour": "a colour like #222034",
            "colours": "a list of colours like #222034",
            "size": "an integer or [width, height]",
            "pitch": "a number or [x, y]",
        }[self.kind]
        if self.kind == "colours":
            what = f"a list of {self.low:g} to {self.high:g} colours like #222034"
        elif self.low is not None and self.high is not None:
            what += f" from {self.low:g} to {self.high:g}"
        return what


OPS: dict[str, dict[str, Param]] = {
    "grid": {"pitch": Param("pitch", None, 1, 256), "size": Param("size", None, 1, 4096)},
    "quantize": {"colors": Param("int", None, MIN_COLOURS, MAX_COLOURS)},
    "palette": {"name": Param("str"), "colors": Param("colours", None, 1, MAX_PALETTE_COLOURS)},
    "background": {"tolerance": Param("number", BACKGROUND_TOLERANCE, 0, 442), "color": Param("colour")},
    "outline": {"color": Param("colour", hex_colour(DEFAULT_OUTLINE)), "diagonal": Param("bool", False)},
    "trim": {"padding": Param("int", 0, 0, 256)},
    "upscale": {"factor": Param("int", None, 1, MAX_FACTOR, required=True)},
    "mirror": {"axis": Param("str", "x")},
    "recolor": {"to": Param("str"), "colors": Param("colours", None, 1, MAX_PALETTE_COLOURS), "from": Param("str")},
}


def validate_pipeline(
    steps: Sequence[Mapping[str, Any]] | str, palettes: PaletteLibrary | None = None
) -> list[dict[str, Any]]:
    """The steps checked and completed with defaults (new dicts; JSON-serialisable); PipelineError if bad.

    A string is parsed as the short CLI form first; "none" (or "raw", or "") is no step at all. Palette names
    are looked up in `palettes` (by default the library of this process's owner).
    """
    if not isinstance(steps, Sequence):
        raise PipelineError(f"a pipeline is a list of steps like {{'op': 'grid'}}, got {type(steps).__name__}")
    if isinstance(steps, str):
        return [] if steps.strip().lower() in ("", "none", "raw") else parse_pipeline(steps, palettes)
    library = palettes or default_library()
    return [_validated_step(n, step, library) for n, step in enumerate(steps, start=1)]


def parse_pipeline(text: str, palettes: PaletteLibrary | None = None) -> list[dict[str, Any]]:
    """The validated steps of the short CLI form (see the module docstring); PipelineError if bad."""
    return validate_pipeline(split_pipeline(text), palettes)


def split_pipeline(text: str) -> list[dict[str, Any]]:
    """The steps of the short CLI form as dicts, values converted to their kinds but not yet checked."""
    steps = []
    for n, item in enumerate(text.split(","), start=1):
        op, *pairs = (part.strip() for part in item.split(":"))
        if not op:
            raise PipelineError(f"step {n} is empty; separate steps with single commas, e.g. 'grid,background'")
        schema = _schema(n, op)
        step: dict[str, Any] = {"op": op}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep:
                key, value = next(iter(schema)), pair
            key = key.strip()
            if key not in schema:
                raise _unknown_param(n, op, key, schema)
            step[key] = _from_text(n, op, key, value.strip(), schema[key])
        steps.append(step)
    return steps


def with_local_palettes(spec: Sequence[Mapping[str, Any]] | str) -> Sequence[Mapping[str, Any]] | str:
    """The spec with every palette (or recolor) step that names a file on this machine turned into that file's colours
    (the list form, when any was), for a client to send: a worker reads no file a request names.

    A palette name that is an existing file is read; one that looks like a path (a '/', '~' or a palette
    suffix) but is no file is a PipelineError; other names are left for the worker's library.
    """
    steps: Sequence[Mapping[str, Any]]
    if not isinstance(spec, str):
        steps = spec
    elif spec.strip().lower() in ("", "none", "raw"):
        return spec
    else:
        try:
            steps = split_pipeline(spec)
        except PipelineError:
            return spec  # the worker says what is wrong with it, as with any other spec
    changed = False
    out: list[Mapping[str, Any]] = []
    for n, step in enumerate(steps, start=1):
        op = step.get("op") if isinstance(step, Mapping) else None
        key = {"palette": "name", "recolor": "to"}.get(op) if isinstance(op, str) else None
        name = step.get(key) if key else None
        if key and isinstance(name, str) and names_a_file(name):
            try:
                palette = read_palette_file(Path(name).expanduser())
            except PaletteError as exc:
                raise PipelineError(f"step {n} ({op}): {exc}") from None
            out.append({**{k: v for k, v in step.items() if k != key}, "colors": palette.hex()})
            changed = True
        else:
            out.append(step)
    return out if changed else spec


def names_a_file(name: str) -> bool:
    """The palette name is a file on this machine, or looks like a path (a '/', '~' or a palette suffix)."""
    path = Path(name).expanduser()
    if path.is_file():
        return True
    return "/" in name or name.startswith("~") or path.suffix.lower() in PALETTE_SUFFIXES


def smallest_output(steps: Sequence[Mapping[str, Any]], size: tuple[int, int]) -> tuple[int, int]:
    """The least width and height validated `steps` can make of a `size` image: exact when every step's
    size is known up front (no grid detection, no trim), never more than the real one."""
    width, height = size
    for step in steps:
        op = step["op"]
        if op == "grid":
            cells = step.get("size")
            if isinstance(cells, int):
                width = height = cells
            elif isinstance(cells, (list, tuple)):
                width, height = int(cells[0]), int(cells[1])
            else:
                width = height = 1
        elif op == "trim":
            width = height = max(1, 2 * step.get("padding", 0))
        elif op == "upscale":
            width, height = width * step["factor"], height * step["factor"]
    return width, height


def _schema(n: int, op: Any) -> dict[str, Param]:
    if op not in OPS:
        raise PipelineError(f"step {n}: unknown op {_short(op)}; use one of {', '.join(OPS)}")
    return OPS[op]


def _unknown_param(n: int, op: str, key: str, schema: dict[str, Param]) -> PipelineError:
    return PipelineError(f"step {n} ({op}): unknown parameter {_short(key)}; {op} takes {', '.join(schema)}")


def _validated_step(n: int, step: Mapping[str, Any], palettes: PaletteLibrary) -> dict[str, Any]:
    if not isinstance(step, Mapping) or "op" not in step:
        raise PipelineError(f"step {n}: a step is a dict with an 'op' key, like {{'op': 'grid'}}; got {_short(step)}")
    op = step["op"]
    schema = _schema(n, op)
    out: dict[str, Any] = {"op": op}
    for key in step:
        if key != "op" and key not in schema:
            raise _unknown_param(n, op, key, schema)
    for key, param in schema.items():
        value = step.get(key)
        if value is None:
            if param.required:
                raise PipelineError(f"step {n} ({op}): {key} is required; give {param.describe()}")
            out[key] = param.default
        else:
            out[key] = _checked(n, op, key, value, param, palettes)
    if op == "grid" and out["pitch"] is not None and out["size"] is not None:
        raise PipelineError(f"step {n} (grid): give pitch or size, not both")
    if op == "palette":
        given = [key for key in schema if out[key] is not None]
        if len(given) != 1:
            raise PipelineError(
                f"step {n} (palette): give name (a palette of the worker's library) or colors (a list of colours),"
                " one of the two"
            )
        out = {"op": op, given[0]: out[given[0]]}
    if op == "mirror" and out["axis"] not in ("x", "y"):
        raise PipelineError(f"step {n} (mirror): axis={_short(out['axis'])} is not allowed; use x (left-right) or y")
    if op == "recolor" and (out["to"] is None) == (out["colors"] is None):
        raise PipelineError(
            f"step {n} (recolor): give to (a palette of the worker's library) or colors (a list of colours),"
            " one of the two"
        )
    return out


def _checked(n: int, op: str, key: str, value: Any, param: Param, palettes: PaletteLibrary) -> Any:
    """The value normalised for its kind, or PipelineError saying what is allowed."""

    def bad(why: str = "") -> PipelineError:
        return PipelineError(
            f"step {n} ({op}): {key}={_short(value)} {why or 'is not allowed'}; use {param.describe()}"
        )

    def number(v: Any, integer: bool) -> float | int:
        if isinstance(v, bool) or not isinstance(v, int if integer else (int, float)):
            raise bad("has the wrong type")
        if not math.isfinite(v) or (
            param.low is not None and param.high is not None and not param.low <= v <= param.high
        ):
            raise bad("is out of range")
        return v

    if param.kind in ("int", "number"):
        return number(value, param.kind == "int")
    if param.kind == "bool":
        if not isinstance(value, bool):
            raise bad("has the wrong type")
        return value
    if param.kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise bad("has the wrong type")
        if op in ("palette", "recolor"):
            try:
                palettes.palette(value)
            except PaletteError as exc:
                raise PipelineError(f"step {n} ({op}): {exc}") from None
        return value
    if param.kind == "colours":
        if not isinstance(value, (list, tuple)):
            raise bad("has the wrong type")
        if not 1 <= len(value) <= MAX_PALETTE_COLOURS:
            raise PipelineError(f"step {n} ({op}): {key} has {len(value)} colours; use {param.describe()}")
        try:
            return palette_from_colours(value).hex()
        except PaletteError as exc:
            raise PipelineError(f"step {n} ({op}): {key}: {exc}") from None
    if param.kind == "colour":
        try:
            return hex_colour(parse_colour(value))
        except (ValueError, TypeError):
            raise bad() from None
    # size and pitch: one value for both axes, or a pair
    integer = param.kind == "size"
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise bad("needs two values")
        return [number(v, integer) for v in value]
    return number(value, integer)


def _from_text(n: int, op: str, key: str, text: str, param: Param) -> Any:
    """The CLI text of a value converted to its kind (range checks come later)."""
    if text.lower() in ("none", "auto", ""):
        return None
    try:
        if param.kind == "int":
            return int(text)
        if param.kind == "number":
            return float(text)
        if param.kind in ("size", "pitch"):
            convert = int if param.kind == "size" else float
            parts = text.lower().split("x")
            return [convert(p) for p in parts] if len(parts) == 2 else convert(text)
    except ValueError:
        raise PipelineError(f"step {n} ({op}): {key}={_short(text)} is not valid; use {param.describe()}") from None
    if param.kind == "bool":
        if text.lower() in ("true", "yes", "on", "1"):
            return True
        if text.lower() in ("false", "no", "off", "0"):
            return False
        raise PipelineError(f"step {n} ({op}): {key}={_short(text)} is not valid; use {param.describe()}")
    return text


def _short(value: Any, most: int = 60) -> str:
    """repr(value), cut to `most` characters: a message never echoes a whole request back."""
    text = repr(value)
    return text if len(text) <= most else text[: most - 3] + "..."
