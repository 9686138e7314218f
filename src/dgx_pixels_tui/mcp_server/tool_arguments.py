"""The arguments several tools share, with the descriptions and bounds an assistant reads in each tool's JSON
schema, and the checks that turn their text into request fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..size_text import parse_size
from .results import DEFAULT_MAX_PX, LARGEST_PX, ToolFailure

Prompt = Annotated[
    str,
    Field(min_length=1, max_length=1000, description="What to draw, in a few words, e.g. 'red knight with a sword'."),
]
Negative = Annotated[str, Field(max_length=1000, description="What to avoid in the image (optional).")]
Model = Annotated[
    str | None,
    Field(description="Model preset; list_models names them and the default. Leave out for the default model."),
]
Size = Annotated[
    str | None,
    Field(description="Image size as WIDTHxHEIGHT, e.g. '64x64' or '32x32'. Leave out for the model's default."),
]
Seed = Annotated[
    int | None,
    Field(ge=0, le=2**63 - 1, description="Seed, for a result that can be made again; random when left out."),
]
Palette = Annotated[
    str | None,
    Field(
        description="Lock the colours to a palette by name (e.g. 'pico8', 'db16', 'gameboy'), or a palette file on "
        "this machine; 'none' for no lock. Leave out for the project's configured palette, if any."
    ),
]
Tags = Annotated[list[str], Field(max_length=16, description="Tags to file the images under (optional).")]
MaxPx = Annotated[
    int,
    Field(
        ge=8,
        le=LARGEST_PX,
        description=f"Largest side of each returned image in pixels (default {DEFAULT_MAX_PX}); a larger image is "
        "shrunk by a whole factor, a smaller one is returned at its real size.",
    ),
]
WaitS = Annotated[float, Field(ge=0, le=1800, description="Seconds to wait for the work to finish before answering.")]


def size_fields(size: str | None) -> dict[str, int]:
    """`width` and `height` for a size given as text; nothing when none is given."""
    try:
        width, height = parse_size(size)
    except ValueError as exc:
        raise ToolFailure(str(exc)) from None
    return {} if width is None or height is None else {"width": width, "height": height}


def plain_prompt(prompt: str) -> str:
    prompt = prompt.strip()
    if not prompt:
        raise ToolFailure("the prompt is empty; describe the sprite, e.g. 'red knight with a sword'")
    return prompt
