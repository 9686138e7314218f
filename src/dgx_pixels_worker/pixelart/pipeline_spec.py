"""What a pixel-art pipeline may say: the ops, their parameters, checking a spec, and the short CLI form.

A pipeline is a list of steps, each a dict {"op": name, **params}:

    grid        pitch: cell size (number, or [x, y]) | size: cells across (int, or [w, h]); both optional:
                detected when neither is given
    quantize    colors: 2..256 (default 16)
    palette     name: a named palette (pico8, db16, db32, gameboy, nes, endesga32) or a .hex/.gpl path
    background  tolerance: RGB distance 0..442 (default 40) | color: the background (default: detected)
    outline     color: "#rrggbb" (default #181425) | diagonal: true for 8-neighbours (default false)
    trim        padding: 0..256 transparent pixels around the content (default 0)
    upscale     factor: 1..32 (required)

Short CLI form: steps separated by ',', parameters after ':' as key=value, several separated by ':'.
A value without a key is the op's first parameter. "none" or "auto" leaves an optional parameter unset.
Sizes and pitches may be written WxH. Palette paths containing ',' or ':' need the list form.

    grid,quantize:colors=16,background,outline,trim:padding=1
    grid:size=64x64,palette:pico8,background:tolerance=30,outline:color=#000000:diagonal=true,upscale:4
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .alpha import BACKGROUND_TOLERANCE, DEFAULT_OUTLINE
from .colour import hex_colour, parse_colour
from .palette import PaletteError, load_palette
from .quantization import MAX_COLOURS, MIN_COLOURS
from .scale import MAX_FACTOR


class PipelineError(ValueError):
    """A pipeline spec that cannot run; the message names the step, the bad value and what is allowed."""


@dataclass(frozen=True)
class Param:
    kind: str  # int, number, bool, str, colour, size (int or [w, h]), pitch (number or [x, y])
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
            "size": "an integer or [width, height]",
            "pitch": "a number or [x, y]",
        }[self.kind]
        if self.low is not None and self.high is not None:
            what += f" from {self.low:g} to {self.high:g}"
        return what


OPS: dict[str, dict[str, Param]] = {
    "grid": {"pitch": Param("pitch", None, 1, 256), "size": Param("size", None, 1, 4096)},
    "quantize": {"colors": Param("int", 16, MIN_COLOURS, MAX_COLOURS)},
    "palette": {"name": Param("str", required=True)},
    "background": {"tolerance": Param("number", BACKGROUND_TOLERANCE, 0, 442), "color": Param("colour")},
    "outline": {"color": Param("colour", hex_colour(DEFAULT_OUTLINE)), "diagonal": Param("bool", False)},
    "trim": {"padding": Param("int", 0, 0, 256)},
    "upscale": {"factor": Param("int", None, 1, MAX_FACTOR, required=True)},
}


def validate_pipeline(steps: Sequence[Mapping[str, Any]] | str) -> list[dict[str, Any]]:
    """The steps checked and completed with defaults (new dicts; JSON-serialisable); PipelineError if bad.

    A string is parsed as the short CLI form first.
    """
    if not isinstance(steps, Sequence):
        raise PipelineError(f"a pipeline is a list of steps like {{'op': 'grid'}}, got {type(steps).__name__}")
    if isinstance(steps, str):
        return parse_pipeline(steps)
    return [_validated_step(n, step) for n, step in enumerate(steps, start=1)]


def parse_pipeline(text: str) -> list[dict[str, Any]]:
    """The validated steps of the short CLI form (see the module docstring); PipelineError if bad."""
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
    return validate_pipeline(steps)


def _schema(n: int, op: Any) -> dict[str, Param]:
    if op not in OPS:
        raise PipelineError(f"step {n}: unknown op {op!r}; use one of {', '.join(OPS)}")
    return OPS[op]


def _unknown_param(n: int, op: str, key: str, schema: dict[str, Param]) -> PipelineError:
    return PipelineError(f"step {n} ({op}): unknown parameter {key!r}; {op} takes {', '.join(schema)}")


def _validated_step(n: int, step: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(step, Mapping) or "op" not in step:
        raise PipelineError(f"step {n}: a step is a dict with an 'op' key, like {{'op': 'grid'}}; got {step!r}")
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
            out[key] = _checked(n, op, key, value, param)
    if op == "grid" and out["pitch"] is not None and out["size"] is not None:
        raise PipelineError(f"step {n} (grid): give pitch or size, not both")
    return out


def _checked(n: int, op: str, key: str, value: Any, param: Param) -> Any:
    """The value normalised for its kind, or PipelineError saying what is allowed."""

    def bad(why: str = "") -> PipelineError:
        return PipelineError(f"step {n} ({op}): {key}={value!r} {why or 'is not allowed'}; use {param.describe()}")

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
        if op == "palette":
            try:
                load_palette(value)
            except PaletteError as exc:
                raise PipelineError(f"step {n} (palette): {exc}") from None
        return value
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
        raise PipelineError(f"step {n} ({op}): {key}={text!r} is not valid; use {param.describe()}") from None
    if param.kind == "bool":
        if text.lower() in ("true", "yes", "on", "1"):
            return True
        if text.lower() in ("false", "no", "off", "0"):
            return False
        raise PipelineError(f"step {n} ({op}): {key}={text!r} is not valid; use {param.describe()}")
    return text
