"""What a "vary this" from the gallery asks the worker for: the image's own settings, its id as the source.

Plain Python (no Textual, no pydantic), so it is tested alone."""

from __future__ import annotations

from typing import Any


def variation_params(
    image_id: str, params: dict[str, Any], size: tuple[int, int], frames: int, count: int, strength: float
) -> dict[str, Any]:
    """generate's parameters (without the prompt) for `count` variations of a gallery image: its model, size as
    asked (before post-processing; one frame of an animation), steps, cfg, negative prompt, tags and
    post-processing (the model's own when none is recorded), a new seed for each."""
    width, height = params.get("raw_size") or size
    chosen = {
        "init_image": image_id,
        "strength": strength,
        "count": count,
        "model": params.get("model"),
        "negative": params.get("negative") or None,
        "width": width // max(frames, 1) if isinstance(width, int) else None,
        "height": height if isinstance(height, int) else None,
        "steps": params.get("steps"),
        "cfg": params.get("cfg"),
        "tags": params.get("tags") or None,
        "postprocess": [{"op": step["op"], **step.get("params", {})} for step in params["postprocess"]]
        if "postprocess" in params
        else None,
    }
    return {key: value for key, value in chosen.items() if value is not None}


def remade_params(
    params: dict[str, Any], size: tuple[int, int], frames: int, motion: str | None, tile: bool
) -> dict[str, Any]:
    """generate's parameters (without the prompt and seed) that make a gallery image again: its model, the size
    asked (before post-processing; one frame of an animation), steps, cfg, negative prompt, tags, post-processing,
    and its frames and motion or tile."""
    width, height = params.get("raw_size") or size
    chosen = {
        "negative": params.get("negative", ""),
        "model": params.get("model"),
        "width": width // max(frames, 1),
        "height": height,
        "steps": params.get("steps"),
        "cfg": params.get("cfg"),
        "tags": params.get("tags", []),
        "postprocess": [{"op": step["op"], **step.get("params", {})} for step in params.get("postprocess", [])],
        "frames": frames if frames > 1 else None,
        "motion": motion if frames > 1 else None,
        "tile": tile or None,
    }
    return {key: value for key, value in chosen.items() if value is not None}


def variant_steps(recolor_to: str | None, mirror_axis: str | None) -> list[dict[str, Any]]:
    """The post-processing steps that make a game variant: recoloured onto a palette's ramp, mirrored, or both."""
    steps: list[dict[str, Any]] = []
    if recolor_to:
        steps.append({"op": "recolor", "to": recolor_to})
    if mirror_axis:
        steps.append({"op": "mirror", "axis": mirror_axis})
    return steps
